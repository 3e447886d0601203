"""Benchmarks: commands, not tests (``python -m benchmarks.NAME``). Each prints its figures
beside a baseline measured in the same run.

Every benchmark works on a throwaway database of its own, never on the one you develop
with: a temporary SQLite file by default, or, when ``DATABASE_URL`` names a PostgreSQL
server, a dedicated database ``<name>_<benchmark>`` created on that server and dropped at
the end (the database named in ``DATABASE_URL`` itself is never touched).

Nothing in here imports Django at module level: :func:`throwaway_environment` must set the
environment before ``django.setup()``.
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

DROP_DB = "DROP DATABASE IF EXISTS {} WITH (FORCE)"
ROOT = Path(__file__).resolve().parent.parent
WORKER_STOP_TIMEOUT = 30.0


@dataclass
class Environment:
    """What a benchmark runs against."""

    variables: dict[str, str]  # the environment of this process and of any server it starts
    vendor: str  # "sqlite" or "postgresql"
    description: str  # for the report, without credentials


def _postgres_admin(database_url: str):
    import psycopg

    parsed = urlparse(database_url)
    return psycopg.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=10,
    )


@contextlib.contextmanager
def throwaway_environment(benchmark: str) -> Iterator[Environment]:
    """Point this process (``os.environ``) at a fresh database and data directory for
    ``benchmark``; undo everything on exit. Call before ``django.setup()``."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"teranga-bench-{benchmark}-"))
    database_url = os.environ.get("DATABASE_URL", "")
    variables = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "DEBUG": "0",
        "PRODUCTION": "0",
        "TASKS_IMMEDIATE": "0",
    }
    dedicated = None
    if database_url and urlparse(database_url).scheme.startswith("postgres"):
        from psycopg import sql

        parsed = urlparse(database_url)
        dedicated = f"{parsed.path.lstrip('/') or 'teranga'}_{benchmark}"
        with _postgres_admin(database_url) as conn:
            conn.execute(sql.SQL(DROP_DB).format(sql.Identifier(dedicated)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dedicated)))
        variables["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{dedicated}"))
        vendor = "postgresql"
        description = f"PostgreSQL {parsed.hostname}:{parsed.port or 5432}/{dedicated}"
    elif database_url:
        raise SystemExit("DATABASE_URL must be a PostgreSQL URL (or unset for SQLite).")
    else:
        path = data_dir / "bench.sqlite3"
        variables["DATABASE_URL"] = f"sqlite:///{path}"
        vendor = "sqlite"
        description = f"SQLite {path} (WAL, IMMEDIATE transactions)"
    saved = {key: os.environ.get(key) for key in [*variables, "REDIS_URL"]}
    # The benchmarks keep off any shared Redis: local-memory cache, in-memory layer.
    os.environ.pop("REDIS_URL", None)
    os.environ.update(variables)
    try:
        yield Environment(variables=dict(variables), vendor=vendor, description=description)
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if dedicated:
            from psycopg import sql

            with _postgres_admin(database_url) as conn:
                conn.execute(sql.SQL(DROP_DB).format(sql.Identifier(dedicated)))
        shutil.rmtree(data_dir, ignore_errors=True)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` (0–1) percentile, nearest-rank: an observed value, never a blend."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def summary(values_ms: Sequence[float]) -> dict[str, float]:
    return {
        "min": min(values_ms),
        "median": statistics.median(values_ms),
        "p95": percentile(values_ms, 0.95),
        "p99": percentile(values_ms, 0.99),
        "max": max(values_ms),
    }


class TaskWorker:
    """``manage.py run_huey`` in a subprocess with ``env`` (the throwaway environment),
    its output in ``log_path``."""

    def __init__(self, env: dict, log_path: Path):
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115 — closed in stop()/kill()
        self.started = time.perf_counter()
        self.process = subprocess.Popen(  # noqa: S603 — our own fixed command
            [sys.executable, "manage.py", "run_huey"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def output(self, chars: int = 4000) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise SystemExit(
                f"The task worker exited ({self.process.returncode}):\n{self.output()}"
            )

    def kill(self) -> None:
        """SIGKILL: a crash, the tasks it held lost with it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # huey: graceful, finishes running tasks
            try:
                self.process.wait(timeout=WORKER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if not self.log.closed:
            self.log.close()
