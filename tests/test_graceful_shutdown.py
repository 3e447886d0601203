"""Issue 23: the server and the task worker stop on SIGTERM, in time, losing nothing.

Real processes on 127.0.0.1: ``manage.py serve`` and ``manage.py run_huey`` with the
real settings, real WebSocket clients, a ``manage.py shell`` helper that records
notifications (``tests.test_live_redis``'s). For each mode — the embedded default (one
process, in-memory layer) and at scale (2 ASGI workers + ``run_huey`` on Redis) — some
clients keep their socket open and others came and went (a closed socket once left
a channel-layer receive loop behind, and the server then waited for it for ever). Then
SIGTERM: every open socket gets close code 1012, the server exits 0 within
``SHUTDOWN_TIMEOUT``; a client reconnecting to a new server resumes with no gap (the
missed events replayed, or a fresh snapshot when the counters were in memory).

The runs on Redis belong to the PostgreSQL + Redis leg (``tests.skips``); the embedded
run belongs to both.
"""

from __future__ import annotations

import contextlib
import json
import signal
import time
import uuid

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from tests.live import LiveServer, ShellHelper, free_port, manage, own_database, process_env
from tests.skips import mark_skip_on_leg
from tests.test_live_redis import (
    HELPER,
    Process,
    _forget_keys,
    _redis_for_servers,
    login,
    notify,
    receive,
)

pytestmark = pytest.mark.live

SHUTDOWN_TIMEOUT = 8  # the processes' SHUTDOWN_TIMEOUT (seconds)
READY_TIMEOUT = 60.0
OPEN_SOCKETS = 4
GONE_SOCKETS = 3


def _env(tmp_path_factory, **extra) -> dict:
    return process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("graceful-data")),
        SHUTDOWN_TIMEOUT=str(SHUTDOWN_TIMEOUT),
        REALTIME_AUTH_RECHECK_SECONDS="1",
        LOG_LEVEL="WARNING",
        **extra,
    )


def _wait_ready(server: Process, base: str) -> None:
    import httpx

    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        server.check_alive()
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/health/ready/", timeout=5).status_code == 200:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"server not ready within {READY_TIMEOUT}s:\n{server.output()}")
        time.sleep(0.1)


def _serve(env: dict, log, port: int, workers: int) -> Process:
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    server = Process(args, env, log)
    _wait_ready(server, f"http://127.0.0.1:{port}")
    return server


def _open(ws_base: str, token: str, stack: contextlib.ExitStack):
    ws = stack.enter_context(
        ws_connect(f"{ws_base}/ws/notifications/?token={token}", open_timeout=10)
    )
    snapshot = receive(ws)
    assert snapshot["type"] == "snapshot", snapshot
    return ws, snapshot


def _sockets_come_and_go(ws_base: str, token: str) -> None:
    for _ in range(GONE_SOCKETS):
        with contextlib.ExitStack() as stack:
            ws, _ = _open(ws_base, token, stack)
            ws.send(json.dumps({"type": "ping"}))
            assert receive(ws) == {"type": "pong"}
    time.sleep(1.5)  # past a re-check of the sockets still open


def _sigterm_and_check(process, sockets) -> float:
    """SIGTERM; every open socket gets 1012; the process exits 0 within the bound.
    Returns the seconds the stop took."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    for ws in sockets:
        with pytest.raises(ConnectionClosed) as closed:
            while True:  # frames sent before the close (none expected) are skipped
                ws.recv(timeout=SHUTDOWN_TIMEOUT)
        assert closed.value.rcvd is not None, closed.value
        assert closed.value.rcvd.code == 1012, closed.value
    try:
        code = process.wait(timeout=SHUTDOWN_TIMEOUT + 2)
    except Exception:
        process.kill()
        raise
    took = time.monotonic() - started
    assert code == 0
    assert took < SHUTDOWN_TIMEOUT, took
    return took


@pytest.fixture
def redis_env(tmp_path_factory):
    redis_url = _redis_for_servers()
    unique = f"graceful{uuid.uuid4().hex[:8]}"
    env = _env(
        tmp_path_factory,
        REDIS_URL=redis_url,
        HUEY_NAME=unique,
        CHANNELS_PREFIX=unique,
        EMBEDDED_WORKER="0",
        TASK_WORKERS="2",
    )
    with own_database(env, "graceful"):
        manage("migrate", "--noinput", env=env, timeout=300)
        yield env


@pytest.fixture
def embedded_env(tmp_path_factory):
    env = _env(tmp_path_factory)
    with own_database(env, "gracefulemb"):
        manage("migrate", "--noinput", env=env, timeout=300)
        yield env


@mark_skip_on_leg("sqlite", "at scale (Redis, 2 workers): on the PostgreSQL + Redis leg only")
def test_at_scale_sigterm_closes_sockets_with_1012_exits_in_time_and_resume_has_no_gap(
    redis_env, tmp_path
):
    env = redis_env
    port = free_port()
    base, ws_base = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    worker = Process(["run_huey"], env, tmp_path / "worker.log")
    helper = ShellHelper(env, tmp_path / "helper.log", HELPER)
    people: dict = {}
    server = None
    closing = contextlib.ExitStack()
    try:
        people = helper.call("people")
        server = _serve(env, tmp_path / "server.log", port, workers=2)
        stack = {"helper": helper}
        token = login(base, "a@redis.example")
        _sockets_come_and_go(ws_base, token)
        sockets = [_open(ws_base, token, closing) for _ in range(OPEN_SOCKETS)]
        (first,) = notify(stack, people["a"], ["before"])
        for ws, snapshot in sockets:
            event = receive(ws)
            assert (event["seq"], event["event"]["notification"]["id"]) == (
                snapshot["seq"] + 1,
                first,
            )
        seen = sockets[0][1]["seq"] + 1

        took = _sigterm_and_check(server.process, [ws for ws, _ in sockets])
        print(f"at scale (2 workers, Redis): stopped in {took:.2f}s")
        server.stop()

        # While no server runs, the worker delivers: the events wait in the buffer.
        missed = notify(stack, people["a"], ["while-down-1", "while-down-2"])
        server = _serve(env, tmp_path / "server2.log", port, workers=2)
        with contextlib.ExitStack() as again:
            ws, snapshot = _open(ws_base, token, again)
            assert snapshot["seq"] == seen + 2
            ws.send(json.dumps({"type": "resume", "since": seen}))
            replayed = [receive(ws) for _ in range(2)]
            assert [m["seq"] for m in replayed] == [seen + 1, seen + 2]
            assert sorted(m["event"]["notification"]["id"] for m in replayed) == sorted(missed)
            assert receive(ws) == {"type": "resumed", "seq": seen + 2, "count": 2}
        worker.check_alive()
    finally:
        closing.close()
        if server is not None:
            server.stop()
        worker.stop()
        helper.stop()
        _forget_keys(env, people)


def test_embedded_sigterm_closes_sockets_with_1012_exits_in_time_and_resume_has_no_gap(
    embedded_env, tmp_path
):
    env = embedded_env
    helper = ShellHelper(env, tmp_path / "helper.log", HELPER)
    server = None
    closing = contextlib.ExitStack()
    try:
        people = helper.call("people")
        server = LiveServer(env, tmp_path / "server.log")
        server.wait_ready()
        token = login(server.base, "a@redis.example")
        _sockets_come_and_go(server.ws_base, token)
        sockets = [_open(server.ws_base, token, closing) for _ in range(OPEN_SOCKETS)]
        (first,) = notify({"helper": helper}, people["a"], ["before"])
        for ws, snapshot in sockets:
            event = receive(ws)
            assert event["seq"] == snapshot["seq"] + 1
            assert event["event"]["notification"]["id"] == first
        seen = sockets[0][1]["seq"] + 1

        took = _sigterm_and_check(server.process, [ws for ws, _ in sockets])
        print(f"embedded: stopped in {took:.2f}s")
        server.stop()

        # A new server: the in-memory counters started again, so a resume from the old
        # seq gets a fresh snapshot (a resync), never a silent gap.
        server = LiveServer(env, tmp_path / "server2.log")
        server.wait_ready()
        with contextlib.ExitStack() as again:
            ws, _ = _open(server.ws_base, token, again)
            ws.send(json.dumps({"type": "resume", "since": seen}))
            answer = receive(ws)
            assert answer["type"] == "resync", answer
            assert answer["data"] == {"user": people["a"]}
    finally:
        closing.close()
        if server is not None:
            server.stop()
        helper.stop()


class SlowSmtp:
    """An SMTP server on 127.0.0.1 (the email provider, outside the machine) that holds
    each message ``delay`` seconds before accepting it, and counts them."""

    def __init__(self, delay: float):
        from aiosmtpd.controller import Controller

        self.delay = delay
        self.accepted: list[str] = []
        self.in_flight = 0  # messages received, not answered yet
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's name
        import asyncio
        from email.parser import BytesHeaderParser

        self.in_flight += 1
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        self.accepted.append(str(headers.get("X-Teranga-Notification", "")))
        return "250 Message accepted for delivery"

    def stop(self) -> None:
        self.controller.stop()


SEND_EMAIL = """
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from teranga.platform.notifications.services import notification_send
user = get_user_model().objects.create_user(email="slow@redis.example", password="x-Slow-2026!")
EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
with transaction.atomic():
    n = notification_send(recipient=user, kind="payment.succeeded",
        context={"amount": 5000, "currency": "XOF", "organization": "Slow Org",
                 "description": "slow", "transaction_number": "slow"},
        idempotency_key="graceful:slow", channels=["email"])
print("NOTIFICATION", n.pk)
"""

DELIVERY_STATUS = """
from teranga.platform.notifications.models import NotificationDelivery
print("STATUS", sorted(NotificationDelivery.objects.values_list("status", flat=True)))
"""


@mark_skip_on_leg("sqlite", "run_huey on Redis: on the PostgreSQL + Redis leg only")
def test_worker_stopped_mid_task_exits_in_time_and_the_task_runs_again(redis_env, tmp_path):
    env = dict(redis_env, SHUTDOWN_TIMEOUT="8")  # drains 4 s, then re-queues
    smtp = SlowSmtp(delay=12)  # longer than the drain: the task is cut off
    env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp.controller.port}"
    worker = Process(["run_huey"], env, tmp_path / "worker1.log")
    second = None
    try:
        out = manage("shell", "-c", SEND_EMAIL, env=env)
        notification = out.split("NOTIFICATION", 1)[1].split()[0]
        deadline = time.monotonic() + 30
        while not smtp.in_flight:  # until the task is mid-send
            worker.check_alive()
            assert time.monotonic() < deadline, worker.output()
            time.sleep(0.1)
        started = time.monotonic()
        worker.process.send_signal(signal.SIGTERM)
        code = worker.process.wait(timeout=14)
        took = time.monotonic() - started
        print(f"run_huey stopped mid-task in {took:.2f}s")
        assert code == 0, worker.output()
        assert took < 8, took
        assert "re-queued" in worker.output(), worker.output()

        smtp.delay = 0
        second = Process(["run_huey"], env, tmp_path / "worker2.log")
        deadline = time.monotonic() + 30
        while notification not in smtp.accepted:
            second.check_alive()
            assert time.monotonic() < deadline, second.output()
            time.sleep(0.1)
        status = manage("shell", "-c", DELIVERY_STATUS, env=env)
        assert status.split("STATUS", 1)[1].strip() in ("['sent']", "['delivered']"), status
    finally:
        worker.stop()
        if second is not None:
            second.stop()
        smtp.stop()
