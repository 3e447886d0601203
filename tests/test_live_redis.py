"""Real WebSocket clients, a real server on Redis, across processes.

``manage.py serve --workers 2`` (two uvicorn worker processes) and ``manage.py
run_huey`` (the task worker) run in subprocesses with the real settings, on the Redis
channel layer, cache and task queue, in the at-scale mode (``EMBEDDED_WORKER=0``). A
notification is recorded by a third process (``manage.py shell``); the worker delivers
it, and its WebSocket broadcast crosses the channel layer to whichever server process
holds the recipient's socket. Reconnecting with ``resume`` replays the missed events from
the buffer in the Redis cache, whichever process the new socket lands on.

Redis: the one in REDIS_URL (the servers take another database number), else
``TEST_REDIS_URL``, else 127.0.0.1:6379/13, so the SQLite leg of the suite runs this too
(``.ci/run`` gives that leg a database number the other leg does not use, as both legs
run at once). The servers use their own HUEY_NAME and CHANNELS_PREFIX, and the keys they
leave are deleted at the end. The test is skipped, saying why, only when Redis does not
answer (under CI=true it fails instead). The database: SQLite in a fresh DATA_DIR, or
``<name>_liveredis`` on the PostgreSQL server of DATABASE_URL (created and dropped
here). Every wait is bounded; everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from tests.live import (
    PYTHON,
    ROOT,
    ShellHelper,
    free_port,
    manage,
    own_database,
    process_env,
    with_path,
)
from tests.skips import require

pytestmark = pytest.mark.live

AUTH = "/_allauth/app/v1"
PASSWORD = "Teranga-Redis-2026!"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"
READY_TIMEOUT = 60.0
EVENT_TIMEOUT = 20.0
RECHECK_SECONDS = 1  # the servers' REALTIME_AUTH_RECHECK_SECONDS
IDLE_SECONDS = 6.5  # longer than channels_redis' blocking read (5 s)


def _redis_for_servers() -> str:
    """A Redis URL for the servers (another database number than the test run's); when
    Redis does not answer, skip (fail under CI=true)."""
    import redis

    base = os.environ.get("REDIS_URL")
    if base:
        current = urlparse(base).path.lstrip("/") or "0"
        url = with_path(base, "/13" if current != "13" else "/12")
    else:  # the SQLite leg: TEST_REDIS_URL as given (.ci/run runs both legs at once)
        url = os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as error:
        host = urlparse(url).hostname
        require(
            f"Redis at {host}:{urlparse(url).port or 6379}",
            False,
            f"it does not answer ({str(error)[:200]}); start redis-server (`.ci/run` does it)",
        )
    return url


class Process:
    """A ``manage.py`` command running in the background, its output in a file."""

    def __init__(self, args: list[str], env: dict, log_path: Path):
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115 — closed in stop()
        self.process = subprocess.Popen(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-5000:]

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            code = self.process.returncode
            pytest.fail(f"{self.log_path.name} exited ({code}):\n{self.output()}")

    def interrupt(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.interrupt()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    redis_url = _redis_for_servers()
    unique = f"liveredis{uuid.uuid4().hex[:8]}"
    env = process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("liveredis-data")),
        REDIS_URL=redis_url,
        HUEY_NAME=unique,
        CHANNELS_PREFIX=unique,
        EMBEDDED_WORKER="0",
        TASK_WORKERS="2",
        REALTIME_AUTH_RECHECK_SECONDS=str(RECHECK_SECONDS),
        LOG_LEVEL="WARNING",
    )
    with own_database(env, "liveredis"):
        manage("migrate", "--noinput", env=env, timeout=300)
        yield env


#: Runs in ``manage.py shell`` (a process of its own, with the servers' settings and
#: database): one JSON request per stdin line, one ``RESULT <json>`` line per answer.
HELPER = f"""
import json, sys, time
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from teranga.platform.notifications.models import NotificationDelivery
from teranga.platform.notifications.services import notification_send


def people():
    made = {{}}
    for name in ("a", "b"):
        email = name + "@redis.example"
        user = get_user_model().objects.create_user(email=email, password={PASSWORD!r})
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        made[name] = str(user.pk)
    return made


def notify(user_id, keys):
    # One notification per key, each in its own transaction: the task worker delivers
    # it after commit. Then wait (bounded) until it was sent on the WebSocket channel.
    user = get_user_model().objects.get(pk=user_id)
    ids = []
    for key in keys:
        with transaction.atomic():
            notification = notification_send(
                recipient=user,
                kind="payment.succeeded",
                context={{"amount": 5000, "currency": "XOF", "organization": "Redis Org",
                          "description": key, "transaction_number": key}},
                idempotency_key="liveredis:" + key,
                channels=["websocket"],
            )
        ids.append(str(notification.pk))
    deadline = time.monotonic() + {EVENT_TIMEOUT!r}
    while True:
        waiting = NotificationDelivery.objects.filter(notification_id__in=ids).exclude(
            status__in=["sent", "delivered"]
        ).count()
        if not waiting or time.monotonic() > deadline:
            return {{"ids": ids, "waiting": waiting}}
        time.sleep(0.05)


for line in sys.stdin:
    request = json.loads(line)
    operation = {{"people": people, "notify": notify}}[request.pop("op")]
    print("RESULT " + json.dumps(operation(**request)), flush=True)
"""


@pytest.fixture(scope="module")
def stack(live_env, tmp_path_factory):
    """Two server processes, a task worker and the helper shell, on Redis; two users."""
    logs = tmp_path_factory.mktemp("liveredis-logs")
    port = free_port()
    server = Process(
        ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        live_env,
        logs / "server.log",
    )
    worker = Process(["run_huey"], live_env, logs / "worker.log")
    helper = ShellHelper(live_env, logs / "helper.log", HELPER)
    people = {}
    try:
        people = helper.call("people")  # while the servers start
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            server.check_alive()
            worker.check_alive()
            try:
                if httpx.get(f"{base}/health/ready/", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server not ready within {READY_TIMEOUT}s:\n{server.output()}")
            time.sleep(0.1)
        yield {
            "base": base,
            "ws": f"ws://127.0.0.1:{port}",
            "server": server,
            "worker": worker,
            "helper": helper,
            "people": people,
        }
    finally:
        server.interrupt()  # all three stop at once
        worker.interrupt()
        helper.stop()
        server.stop()
        worker.stop()
        _forget_keys(live_env, people)


@pytest.fixture(scope="module")
def people(stack):
    return stack["people"]


def _forget_keys(env: dict, people: dict) -> None:
    """Delete what the servers left in Redis: the task queue and channel layer keys
    (their prefix) and the cache keys of this test's users."""
    import redis

    client = redis.Redis.from_url(env["REDIS_URL"], socket_timeout=5)
    try:
        patterns = [f"*{env['HUEY_NAME']}*"]  # = CHANNELS_PREFIX
        patterns += [f"*user.{uuid.UUID(pk).hex}*" for pk in people.values()]
        for pattern in patterns:
            keys = list(client.scan_iter(match=pattern, count=500))
            if keys:
                client.delete(*keys)
    finally:
        client.close()


def login(base: str, email: str) -> str:
    response = httpx.post(
        f"{base}{AUTH}/auth/login", json={"email": email, "password": PASSWORD}, timeout=15
    )
    assert response.status_code == 200, response.text
    return response.json()["meta"]["access_token"]


def notify(stack: dict, user_id: str, keys: list[str]) -> list[str]:
    """Notifications for ``user_id``, recorded by another process and delivered by the
    task worker (waited for); their ids."""
    result = stack["helper"].call("notify", user_id=user_id, keys=keys)
    assert result["waiting"] == 0, f"deliveries still waiting: {result}"
    return result["ids"]


def receive(ws, timeout: float = EVENT_TIMEOUT) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def notification_event(ws) -> tuple[int, str]:
    """The next frame, which must be a notification event: its seq and notification id.

    "Nothing else arrives" is shown by ordering, never by waiting a fixed time: a new
    notification for the same socket must be its very next frame (what should not have
    come would have come before it, on the same channel)."""
    message = receive(ws)
    assert message["type"] == "event", message
    assert message["event"]["type"] == "notification", message
    return message["seq"], message["event"]["notification"]["id"]


@contextlib.contextmanager
def open_socket(stack: dict, token: str):
    """A WebSocket on /ws/notifications/ and its snapshot."""
    with ws_connect(f"{stack['ws']}/ws/notifications/?token={token}", open_timeout=10) as ws:
        snapshot = receive(ws)
        assert snapshot["type"] == "snapshot", snapshot
        yield ws, snapshot


def test_notification_reaches_its_user_only_and_resume_replays_exactly_the_missed(stack, people):
    token_a = login(stack["base"], "a@redis.example")
    token_b = login(stack["base"], "b@redis.example")
    with open_socket(stack, token_b) as (ws_b, _):
        with open_socket(stack, token_a) as (ws_a, snapshot_a):
            assert snapshot_a["data"] == {"user": people["a"]}
            (first,) = notify(stack, people["a"], ["first"])
            assert notification_event(ws_a) == (snapshot_a["seq"] + 1, first)
            # B's next frame is its own notification: A's never reached B.
            (for_b,) = notify(stack, people["b"], ["for-b"])
            assert notification_event(ws_b)[1] == for_b
            # A's next frame is its next notification: the first was sent once.
            (again,) = notify(stack, people["a"], ["again"])
            assert notification_event(ws_a) == (snapshot_a["seq"] + 2, again)
            seen = snapshot_a["seq"] + 2
        # A is gone; B stays connected and must not get A's notifications either: B's
        # next frame is B's next notification.
        missed = notify(stack, people["a"], ["second", "third"])
        (later_b,) = notify(stack, people["b"], ["later-b"])
        assert notification_event(ws_b)[1] == later_b
        # An idle socket outlives channels_redis' 5 s blocking reads (redis-py's default
        # 5 s socket timeout once ended such connections). Idleness is the condition
        # under test, so it is waited out from B's last frame; nothing is timed.
        time.sleep(IDLE_SECONDS)
        ws_b.send(json.dumps({"type": "ping"}))
        assert receive(ws_b) == {"type": "pong"}

    with open_socket(stack, token_a) as (ws_a, snapshot):
        assert snapshot["seq"] == seen + 2
        ws_a.send(json.dumps({"type": "resume", "since": seen}))
        replayed = [receive(ws_a) for _ in range(2)]
        assert [m["seq"] for m in replayed] == [seen + 1, seen + 2]
        # Two worker threads deliver the two at once: either may have taken seq N+1.
        assert sorted(m["event"]["notification"]["id"] for m in replayed) == sorted(missed)
        assert receive(ws_a) == {"type": "resumed", "seq": seen + 2, "count": 2}
        # Nothing after the replay: the next frame is the next notification.
        (last,) = notify(stack, people["a"], ["last"])
        assert notification_event(ws_a) == (seen + 3, last)
    stack["server"].check_alive()
    stack["worker"].check_alive()


def test_logout_closes_the_open_socket(stack, people):
    token = login(stack["base"], "b@redis.example")
    with open_socket(stack, token) as (ws, _):
        ws.send(json.dumps({"type": "ping"}))
        assert receive(ws) == {"type": "pong"}
        response = httpx.delete(
            f"{stack['base']}{AUTH}/auth/session",
            headers={"Authorization": f"Bearer {token}"},
            timeout=15,
        )
        assert response.status_code == 401, response.text  # allauth: logged out
        # Closed at a re-check; how soon is measured by benchmarks.realtime_logout_close.
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=EVENT_TIMEOUT)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
