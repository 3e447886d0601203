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


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to ``process``'s whole group (it leads one: ``start_new_session``), so that
    no child it started (uvicorn's workers) outlives it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def _stop_group(process: subprocess.Popen, timeout: float) -> None:
    """SIGINT to the group leader (a graceful stop), then SIGKILL to the group: whatever
    is left of it, even after the leader exited, does not survive the benchmark."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    _kill_group(process)


class TaskWorker:
    """``manage.py run_huey`` in a subprocess with ``env`` (the throwaway environment),
    its output in ``log_path``, in a process group of its own; ``args``: more options
    (``["--no-periodic"]`` for a worker beside the one that runs the scheduler)."""

    def __init__(self, env: dict, log_path: Path, args: Sequence[str] = ()):
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115 — closed in stop()/kill()
        self.started = time.perf_counter()
        self.process = subprocess.Popen(  # noqa: S603 — our own fixed command
            [sys.executable, "manage.py", "run_huey", *args],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
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
        """SIGKILL (``kill -9``) to its process group: a crash, the tasks it held lost
        with it."""
        _kill_group(self.process)
        self.log.close()

    def stop(self) -> None:
        # huey on SIGINT: graceful, finishes running tasks.
        _stop_group(self.process, WORKER_STOP_TIMEOUT)
        if not self.log.closed:
            self.log.close()


class WebServer:
    """``manage.py serve`` on 127.0.0.1 in a process group of its own, so that
    :meth:`kill` (``kill -9`` of the group: the uvicorn supervisor and its workers) is a
    crash of the whole server and :meth:`restart` brings it back on the same port."""

    READY_TIMEOUT = 90.0

    def __init__(self, env: dict, workers: int, log_path: Path, port: int | None = None):
        self.env, self.workers, self.log_path = env, workers, log_path
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "a")  # noqa: SIM115 — closed in stop()
        self.process = self._start()

    def _start(self) -> subprocess.Popen:
        command = [sys.executable, "manage.py", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(self.workers)]
        return subprocess.Popen(  # noqa: S603 — our own fixed command
            command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def output(self, chars: int = 4000) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def wait_ready(self) -> float:
        """Wait (bounded) for ``/health/ready/``; returns the seconds it took."""
        import httpx

        started = time.monotonic()
        last = None
        while time.monotonic() - started < self.READY_TIMEOUT:
            if self.process.poll() is not None:
                raise SystemExit(f"The server exited ({self.process.returncode}):\n{self.output()}")
            try:
                last = httpx.get(f"{self.base}/health/ready/", timeout=5)
                if last.status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError as error:
                last = error
            time.sleep(0.25)
        raise SystemExit(f"The server was not ready in {self.READY_TIMEOUT:.0f} s ({last!r}).")

    def kill(self) -> None:
        """``kill -9`` of the server's process group: a crash, requests in flight cut."""
        _kill_group(self.process)

    def restart(self) -> None:
        self.log.write("\n--- restarted after kill -9 ---\n")
        self.log.flush()
        self.process = self._start()

    def stop(self) -> None:
        _stop_group(self.process, 20.0)
        if not self.log.closed:
            self.log.close()


# --- Sandbox providers that count what they were asked to send ---------------------------


@dataclass
class Received:
    """One message a provider sink accepted: when, and what identifies it."""

    at: float  # time.monotonic() when the sink accepted it
    key: str  # the notification id (email) or the text (SMS)
    message_id: str = ""


class ProviderSinks:
    """Two local stand-ins for the providers, on 127.0.0.1, that count every message they
    are asked to send: an SMTP server (aiosmtpd; ``EMAIL_URL=smtp://…``) and Orange's SMS
    API (``SMS_PROVIDER=orange``, ``ORANGE_SMS_API_URL=http://…``: the token and the send
    endpoint, answered as Orange documents them). They live in the benchmark's process,
    so a ``kill -9`` of a worker loses nothing they counted. No provider of ours has an
    idempotency key for sending (SMTP, Orange and Twilio have none), so a sink counts
    each request it accepts: a re-send shows as a second copy.

    The Orange endpoints are hand-written (a dozen lines on ``http.server``): what is
    wanted is a counter of requests, which no mock server library gives more simply."""

    MAX_BODY = 64 * 1024

    def __init__(self) -> None:
        import threading

        self.emails: list[Received] = []
        self.sms: list[Received] = []
        self._lock = threading.Lock()
        self._smtp = None
        self._http = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> ProviderSinks:
        import threading
        from http.server import ThreadingHTTPServer

        from aiosmtpd.controller import Controller

        self._smtp = Controller(_SmtpHandler(self), hostname="127.0.0.1", port=free_port())
        self._smtp.start()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _orange_handler(self))
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(Exception):
                self._smtp.stop()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()

    def environment(self) -> dict[str, str]:
        """Settings that send email and SMS to these sinks."""
        return {
            "EMAIL_URL": f"smtp://127.0.0.1:{self._smtp.port}",
            "SMS_PROVIDER": "orange",
            "ORANGE_SMS_API_URL": f"http://127.0.0.1:{self._http.server_address[1]}",
            "ORANGE_SMS_CLIENT_ID": "sink-client",
            "ORANGE_SMS_CLIENT_SECRET": secrets.token_urlsafe(16),
            "ORANGE_SMS_SENDER": "+221770000000",
        }

    def record(self, kind: str, item: Received) -> None:
        with self._lock:
            (self.emails if kind == "email" else self.sms).append(item)

    def snapshot(self) -> tuple[list[Received], list[Received]]:
        with self._lock:
            return list(self.emails), list(self.sms)


class _SmtpHandler:
    def __init__(self, sinks: ProviderSinks) -> None:
        self.sinks = sinks

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's name
        from email.parser import BytesHeaderParser

        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        self.sinks.record(
            "email",
            Received(
                at=time.monotonic(),
                key=str(headers.get("X-Teranga-Notification", ""))[:100],
                message_id=str(headers.get("Message-ID", ""))[:200],
            ),
        )
        return "250 Message accepted for delivery"


def _orange_handler(sinks: ProviderSinks):
    import json
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            return

        def _answer(self, status: int, body: dict) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:  # noqa: N802 — http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(min(length, sinks.MAX_BODY))
            if self.path == "/oauth/v3/token":
                self._answer(
                    200, {"token_type": "Bearer", "access_token": "sink", "expires_in": 3600}
                )
                return
            if self.path.startswith("/smsmessaging/v1/outbound/"):
                try:
                    request = json.loads(raw)["outboundSMSMessageRequest"]
                    text = str(request["outboundSMSTextMessage"]["message"])[:2000]
                except (ValueError, KeyError, TypeError):
                    self._answer(400, {"code": "sink_bad_request"})
                    return
                provider_id = secrets.token_hex(12)
                sinks.record("sms", Received(at=time.monotonic(), key=text, message_id=provider_id))
                request["resourceURL"] = f"http://127.0.0.1{self.path}/{provider_id}"
                self._answer(201, {"outboundSMSMessageRequest": request})
                return
            self._answer(404, {"code": "sink_not_found"})

    return Handler


def crash_window_copies(
    received: Sequence[Received], kills: Sequence[tuple[float, float]]
) -> tuple[dict[str, int], dict[str, int]]:
    """The keys a sink accepted more than once, split in two: ``(re-sent across a kill,
    other)``. A copy is a re-send across a kill when the first copy was accepted before
    a kill and a later one after that kill's restart (``kills``: (killed, restarted)
    monotonic times): the worker had handed the message over and died before recording
    it (at-least-once). Any other second copy is a defect."""
    times: dict[str, list[float]] = {}
    for item in received:
        times.setdefault(item.key, []).append(item.at)
    across, other = {}, {}
    for key, seen in times.items():
        if len(seen) < 2:
            continue
        seen.sort()
        explained = all(
            any(a <= killed and b >= restarted for killed, restarted in kills)
            for a, b in zip(seen, seen[1:], strict=False)
        )
        (across if explained else other)[key] = len(seen) - 1
    return across, other
