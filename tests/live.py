"""What the live tests share: real processes (``manage.py`` commands) on 127.0.0.1,
with the real settings, and their own PostgreSQL database when the run has one."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DROP_DB = "DROP DATABASE IF EXISTS {} WITH (FORCE)"
READY_TIMEOUT = 60.0
MIGRATE_TIMEOUT = 900
SQLITE_NAME = "teranga.sqlite3"  # in DATA_DIR, where the settings put it by default


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_path(url: str, path: str) -> str:
    return urlunparse(urlparse(url)._replace(path=path))


def admin_connect(database_url: str):
    import psycopg

    parsed = urlparse(database_url)
    return psycopg.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
        autocommit=True,
    )


def process_env(**settings: str) -> dict[str, str]:
    """This process's environment without the test run's Django, pytest, database,
    Redis and public-address variables, with the real settings and ``settings`` on top."""
    own = ("DATABASE_URL", "REDIS_URL", "PUBLIC_URL")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key not in own
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        TASKS_IMMEDIATE="0",
        DEBUG="0",
        PRODUCTION="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def drop_database(database_url: str, name: str) -> None:
    from psycopg import sql

    with admin_connect(database_url) as conn:
        conn.execute(sql.SQL(DROP_DB).format(sql.Identifier(name)))


_templates: dict[str, tuple[str, str]] = {}


def migrated_template() -> tuple[str, str]:
    """A database migrated once per test process, for the whole-system tests to copy
    instead of each migrating its own (~100 migrations, a minute or two under load):
    ``("sqlite", path of the file)``, or ``("postgresql", name)`` on the server of
    DATABASE_URL (``<name>_tpl``). Removed when the process exits. The first migrate from
    an empty database is thus still run once per leg, by real processes."""
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url in _templates:
        return _templates[database_url]
    folder = Path(tempfile.mkdtemp(prefix="teranga-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    env = process_env(DATA_DIR=str(folder))
    if not database_url:
        path = folder / SQLITE_NAME
        env["DATABASE_URL"] = f"sqlite:///{path}"
        manage("migrate", "--noinput", env=env, timeout=MIGRATE_TIMEOUT)
        _templates[database_url] = ("sqlite", str(path))
        return _templates[database_url]
    from psycopg import sql

    name = urlparse(database_url).path.lstrip("/") + "_tpl"
    drop_database(database_url, name)
    with admin_connect(database_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    atexit.register(drop_database, database_url, name)
    env["DATABASE_URL"] = with_path(database_url, f"/{name}")
    manage("migrate", "--noinput", env=env, timeout=MIGRATE_TIMEOUT)
    _templates[database_url] = ("postgresql", name)
    return _templates[database_url]


def create_migrated_database(database_url: str, name: str) -> str:
    """``name`` on the PostgreSQL server of ``database_url``, a copy of
    :func:`migrated_template` (replacing any database of that name); its URL."""
    from psycopg import sql

    vendor, template = migrated_template()
    assert vendor == "postgresql", "a PostgreSQL copy needs a PostgreSQL run"
    with admin_connect(database_url) as conn:
        conn.execute(sql.SQL(DROP_DB).format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return with_path(database_url, f"/{name}")


@contextlib.contextmanager
def own_database(env: dict[str, str], suffix: str) -> Iterator[None]:
    """Give ``env`` a migrated database of its own (a copy of :func:`migrated_template`):
    on PostgreSQL (DATABASE_URL) ``<name>_<suffix>`` on the same server, dropped
    afterwards; on SQLite the file in ``env``'s DATA_DIR. A ``migrate`` run on it
    afterwards has nothing left to do."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        _vendor, path = migrated_template()
        target = Path(env["DATA_DIR"]) / SQLITE_NAME
        if not target.exists():
            shutil.copyfile(path, target)
        yield
        return
    name = urlparse(database_url).path.lstrip("/") + f"_{suffix}"
    env["DATABASE_URL"] = create_migrated_database(database_url, name)
    try:
        yield
    finally:
        drop_database(database_url, name)


def manage(*args: str, env: dict, timeout: float = 120) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


class LiveServer:
    """``manage.py serve`` on 127.0.0.1 as a real process (its output in ``log_path``):
    ``wait_ready`` until ``/health/ready/`` answers 200, ``stop`` with SIGINT as Ctrl-C."""

    def __init__(self, env: dict, log_path: Path, port: int | None = None):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115 — closed in stop()
        self.process = subprocess.Popen(
            [PYTHON, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text()[-5000:]

    def wait_ready(self) -> httpx.Response:
        deadline = time.monotonic() + READY_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited with {self.process.returncode}:\n{self.output()}")
            try:
                last = httpx.get(f"{self.base}/health/ready/", timeout=5)
                if last.status_code == 200:
                    return last
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        pytest.fail(f"server not ready within {READY_TIMEOUT}s ({last!r}):\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()


class ShellHelper:
    """A ``manage.py shell -c <script>`` process started once (Django starts once) that a
    test drives line by line: it writes ``{"op": …, **request}`` as JSON on stdin, the
    script answers ``RESULT <json>`` on stdout. Its stderr goes to ``log_path``."""

    def __init__(self, env: dict, log_path: Path, script: str, *, timeout: float = 60):
        self.log_path = log_path
        self.timeout = timeout
        self.log = open(log_path, "w")  # noqa: SIM115 — closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 — our own fixed command
            [PYTHON, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def call(self, op: str, timeout: float | None = None, **request) -> dict:
        self.process.stdin.write(json.dumps({"op": op, **request}) + "\n")
        self.process.stdin.flush()
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"helper: no answer to {op} within {timeout:.0f} s")
            if line is None:
                self.log.flush()
                pytest.fail(f"helper exited:\n{self.log_path.read_text()[-3000:]}")
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT ") :])

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()
