"""What the live tests share: real processes (``manage.py`` commands) on 127.0.0.1,
with the real settings, and their own PostgreSQL database when the run has one."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
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


@contextlib.contextmanager
def own_database(env: dict[str, str], suffix: str) -> Iterator[None]:
    """When the run is on PostgreSQL (DATABASE_URL), give ``env`` a fresh database
    ``<name>_<suffix>`` on the same server, dropped afterwards; else leave it on SQLite
    (in its DATA_DIR)."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        yield
        return
    from psycopg import sql

    name = urlparse(database_url).path.lstrip("/") + f"_{suffix}"
    with admin_connect(database_url) as conn:
        conn.execute(sql.SQL(DROP_DB).format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env["DATABASE_URL"] = with_path(database_url, f"/{name}")
    try:
        yield
    finally:
        with admin_connect(database_url) as conn:
            conn.execute(sql.SQL(DROP_DB).format(sql.Identifier(name)))


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
