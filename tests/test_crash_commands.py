"""The crash commands of issue 15, run at a small size: a crash loses nothing.

* ``benchmarks.webhook_storm --kill-worker 3 --kill-server 1``: 60 payment events × 3
  deliveries while the task worker is killed (``kill -9``) three times and the web server
  once, each restarted: exactly 60 fulfilments and 60 invoices, every notification's email
  accepted by the SMTP sink, none twice beyond a re-send across a kill.
* ``benchmarks.notification_crash``: 60 notifications (email + SMS) across a worker
  ``kill -9``, counted at the local provider sinks: each once per channel.

Both commands run at the same time (each has its own throwaway database, huey queue name
and process groups), on the PostgreSQL + Redis leg only: on SQLite this module is skipped,
saying so; with DATABASE_URL naming PostgreSQL, a missing PostgreSQL or Redis fails it.
Their output is shown when an assertion fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from tests.skips import skip_on_leg

ROOT = Path(__file__).resolve().parent.parent
#: A Redis database of these tests' own; the commands add a unique huey name and delete
#: their keys at the end.
REDIS_DB = "/12"
TIMEOUT = 420  # seconds per command (the periodic recovery alone takes 1–2 minutes)
EVENTS = NOTIFICATIONS = 60


@pytest.fixture(scope="module")
def leg() -> dict[str, str]:
    """DATABASE_URL and REDIS_URL of the PostgreSQL + Redis leg."""
    database_url = os.environ.get("DATABASE_URL", "")
    skip_on_leg("sqlite", "crash commands: on the PostgreSQL + Redis leg only")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.fail("DATABASE_URL names PostgreSQL but REDIS_URL is unset: the leg needs both")
    import psycopg
    import redis

    parsed = urlparse(database_url)
    try:
        psycopg.connect(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password or None,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except psycopg.Error as error:
        pytest.fail(f"PostgreSQL does not answer at {parsed.hostname}:{parsed.port}: {error}")
    redis_url = urlunparse(urlparse(redis_url)._replace(path=REDIS_DB))
    try:
        redis.Redis.from_url(redis_url, socket_timeout=5).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis does not answer at {redis_url}: {error}")
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url}


def _start(module: str, args: list[str], log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.Popen(  # noqa: S603 — our own fixed command
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its servers and workers are its children: one group
    )


def _finish(process: subprocess.Popen, log: Path) -> tuple[int, str]:
    try:
        code = process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        code = -1
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # nothing of it outlives the test
    return code, log.read_text(errors="replace")


def _number(pattern: str, output: str) -> int:
    match = re.search(pattern, output)
    assert match, f"{pattern!r} not in the output:\n{output}"
    return int(match.group(1))


def test_a_crash_loses_nothing(leg, tmp_path):
    redis_url = leg["REDIS_URL"]
    storm_log, notify_log = tmp_path / "storm.txt", tmp_path / "notify.txt"
    storm = _start(
        "webhook_storm",
        ["--events", str(EVENTS), "--clients", "10", "--workers", "2"]
        + ["--kill-worker", "3", "--kill-server", "1", "--redis-url", redis_url],
        storm_log,
    )
    notify = _start(
        "notification_crash",
        ["--notifications", str(NOTIFICATIONS), "--users", "20", "--kills", "1"]
        + ["--redis-url", redis_url],
        notify_log,
    )
    storm_code, storm_out = _finish(storm, storm_log)
    notify_code, notify_out = _finish(notify, notify_log)

    # Payments: every kill happened mid-storm, and then nothing was lost or done twice.
    assert storm_code == 0, storm_out
    assert "rule held" in storm_out, storm_out
    kills = re.search(r"kills: (.*?); task worker incarnations (\d+)", storm_out)
    assert kills, storm_out
    assert kills.group(1).count("worker at") == 3, storm_out
    assert kills.group(1).count("server at") == 1, storm_out
    assert "NOT killed" not in storm_out
    assert int(kills.group(2)) == 4
    assert f"fulfilments: {{'done': {EVENTS}}}" in storm_out, storm_out
    assert _number(r"invoices: (\d+)", storm_out) == EVENTS
    assert _number(r"bookings confirmed: (\d+)", storm_out) == EVENTS
    assert _number(r"pending → succeeded: (\d+)", storm_out) == EVENTS
    assert _number(r"refunds: (\d+)", storm_out) == 0
    assert _number(r"5xx (\d+)", storm_out) == 0
    assert (
        _number(
            r"emails accepted by the SMTP sink: \d+ for \d+ notifications; missing (\d+)", storm_out
        )
        == 0
    )
    assert _number(r"otherwise: (\d+)\)", storm_out) == 0

    # Notifications: one kill mid-run; each accepted once per channel at the providers.
    assert notify_code == 0, notify_out
    assert "rule held" in notify_out, notify_out
    assert notify_out.count("kill -9 of the worker after") == 1, notify_out
    for channel in ("email", "sms"):
        line = re.search(
            rf"{channel}: (\d+) accepted for (\d+) notifications; missing (\d+); sent twice "
            r"(\d+) \(re-sent across a kill: (\d+), at most (\d+); otherwise: (\d+)\)",
            notify_out,
        )
        assert line, notify_out
        accepted, distinct, missing, twice, across, bound, other = map(int, line.groups())
        assert (distinct, missing, other) == (NOTIFICATIONS, 0, 0), notify_out
        assert accepted == NOTIFICATIONS + across and across <= bound, notify_out
