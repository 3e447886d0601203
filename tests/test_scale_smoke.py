"""The scale smoke test (issue 20, part 4): the roles of the one image, started as separate
processes as the deployment manifests run them, on PostgreSQL and Redis.

* two web processes (``manage.py serve --workers 1`` each, ``EMBEDDED_WORKER=0``: no task
  thread inside), two task workers (``manage.py run_huey --workers 4 --worker-type thread
  --no-periodic``) and one scheduler (``manage.py run_huey --workers 1 --worker-type
  thread``, the only process that runs the periodic jobs; it serves the queue too);
* all against a throwaway database ``h5scale_<random>`` on the PostgreSQL server of
  DATABASE_URL (migrated by ``manage.py migrate``, dropped at the end) and Redis database 6
  on the host of REDIS_URL, under a unique ``HUEY_NAME`` / ``CHANNELS_PREFIX`` (the keys
  the run created are deleted at the end). Each process writes its email to a mail folder
  of its own (``EMAIL_URL=filemail://…``): the folder that holds an email names the
  process that sent it.

The flow that crosses them:

1. the payer logs in over HTTP and connects a WebSocket (``/ws/notifications/``) to
   **web 2**;
2. a Booking reservation held for payment (``benchmarks.webhook_storm.setup_shop``) is
   paid: its sandbox ``payment.succeeded`` event, signed as the sandbox provider signs, is
   POSTed to **web 1**, which fulfils it right after its commit (payment succeeded,
   fulfilment done, booking confirmed when it answers); the payer's receipt is sent, once
   per channel, by one of the two task workers — no web process sends any email — and
   reaches the socket on web 2 across the Redis channel layer within 30 s;
3. a reminder is scheduled a few seconds ahead (``notification_send(send_at=…)``, email
   and socket), then the scheduler starts: its periodic job (at its start, then every
   minute) fires the reminder exactly once, not before its time, while both workers run:
   one sent delivery per channel, each after one attempt, one email in all the mail
   folders, one frame on the socket (a notification sent afterwards is the socket's next
   one). The scheduler starts last so that step 2 shows the receipt sent by a worker (the
   scheduler, as huey runs it, also takes tasks from the queue) and step 3 waits seconds,
   not up to a minute, for the job's next run.

On the SQLite leg the module is skipped, saying so (the roles at scale need PostgreSQL
and Redis); on the PostgreSQL leg a missing Redis fails it. Every wait is bounded;
everything listens on 127.0.0.1; every process is stopped at the end (SIGINT, then
SIGKILL of its process group), and their log tails are shown when something fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from tests.live import (
    ShellHelper,
    admin_connect,
    create_migrated_database,
    drop_database,
    manage,
    process_env,
    with_path,
)
from tests.skips import skip_on_leg

pytestmark = pytest.mark.live

AUTH = "/_allauth/app/v1"
WEBHOOK = "/api/v1/payments/webhooks/sandbox/"
SIGNATURE_HEADER = "Teranga-Sandbox-Signature"
PASSWORD = "Teranga-Scale-2026!"
REDIS_DB = "/6"  # this test's own Redis database number
MIGRATE_TIMEOUT = 300.0
HELPER_TIMEOUT = 90.0
EVENT_TIMEOUT = 30.0  # the receipt reaches the socket on web 2 within this
REMINDER_DELAY = 5.0  # the reminder is scheduled this far ahead
# The periodic job runs every minute: the reminder comes at most a minute (and a task's
# latency) after it is due.
REMINDER_TIMEOUT = 75.0
ROLES = ("web1", "web2", "worker1", "worker2", "scheduler")
WEB_ROLES = ("web1", "web2")
TASK_ROLES = ("worker1", "worker2", "scheduler")


@pytest.fixture(scope="module")
def leg() -> dict[str, str]:
    """DATABASE_URL and this test's REDIS_URL (database 6 on the leg's Redis host)."""
    skip_on_leg(
        "sqlite",
        "scale smoke test: web, worker and scheduler processes on PostgreSQL + Redis only",
    )
    database_url = os.environ.get("DATABASE_URL", "")
    redis_base = os.environ.get("REDIS_URL", "")
    if not redis_base:
        pytest.fail("DATABASE_URL names PostgreSQL but REDIS_URL is unset: the leg needs both")
    import psycopg
    import redis

    try:
        admin_connect(database_url).close()
    except psycopg.Error as error:
        pytest.fail(f"PostgreSQL does not answer ({urlparse(database_url).hostname}): {error}")
    redis_url = with_path(redis_base, REDIS_DB)
    try:
        client = redis.Redis.from_url(redis_url, socket_timeout=5)
        client.ping()
        client.close()
    except redis.RedisError as error:
        pytest.fail(f"Redis does not answer at {redis_url}: {error}")
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url}


# --- The throwaway database and Redis keys -----------------------------------------------


@contextlib.contextmanager
def throwaway_database(database_url: str):
    """``h5scale_<random>`` on the server of ``database_url``, a copy of the run's migrated
    template; its URL; dropped at the end."""
    name = f"h5scale_{secrets.token_hex(4)}"
    url = create_migrated_database(database_url, name)
    try:
        yield url
    finally:
        drop_database(database_url, name)


SCAN_LIMIT = 200_000  # keys looked at in a scan of the test's Redis database, at most


def _redis_keys(client) -> set[bytes]:
    keys: set[bytes] = set()
    for key in client.scan_iter(count=1000):
        keys.add(key)
        if len(keys) >= SCAN_LIMIT:
            break
    return keys


@contextlib.contextmanager
def redis_cleanup(redis_url: str, unique: str):
    """Delete, at the end, the keys of the run's queue and channel layer (``unique``) and
    any other key that appeared in the database during the run (cache, sequences)."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=10)
    before = _redis_keys(client)
    try:
        yield
    finally:
        try:
            made = {key for key in _redis_keys(client) if key not in before}
            made |= set(client.scan_iter(match=f"*{unique}*", count=1000))
            for chunk in _chunks(sorted(made), 500):
                client.delete(*chunk)
        finally:
            client.close()


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Processes -------------------------------------------------------------------------------


class Roles:
    """The five processes, each with its own log (and mail folder); stopped together."""

    # As the manifests run them: web `serve`, worker `run_huey … --no-periodic`,
    # scheduler `run_huey --workers 1` (the periodic jobs; it serves the queue too).
    WORKER_ARGS = ("--workers", "4", "--worker-type", "thread", "--no-periodic")
    SCHEDULER_ARGS = ("--workers", "1", "--worker-type", "thread")

    def __init__(self, base_env: dict, mail_root: Path, logs: Path):
        self.base_env, self.mail_root, self.logs = base_env, mail_root, logs
        self.procs: dict[str, object] = {}

    def start(self, *roles: str) -> None:
        from benchmarks import TaskWorker, WebServer

        for role in roles:
            env = dict(self.base_env, EMAIL_URL=f"filemail:///{self.mail_dir(role)}")
            log = self.logs / f"{role}.log"
            if role in WEB_ROLES:
                self.procs[role] = WebServer(env, workers=1, log_path=log)
            else:
                args = self.SCHEDULER_ARGS if role == "scheduler" else self.WORKER_ARGS
                self.procs[role] = TaskWorker(env, log, args)

    def mail_dir(self, role: str) -> Path:
        return self.mail_root / role

    def base(self, role: str) -> str:
        return self.procs[role].base

    def wait_ready(self) -> None:
        for role in WEB_ROLES:
            try:
                self.procs[role].wait_ready()
            except SystemExit as error:  # the benchmarks' helpers exit; a test fails
                pytest.fail(f"{role}: {error}")
        self.check_alive()

    def check_alive(self) -> None:
        for role, proc in self.procs.items():
            if proc.process.poll() is not None:
                pytest.fail(f"{role} exited ({proc.process.returncode})")

    def tails(self, chars: int = 3000) -> str:
        parts = []
        for role, proc in self.procs.items():
            with contextlib.suppress(OSError, ValueError):
                parts.append(f"--- {role} (last {chars} characters) ---\n{proc.output(chars)}")
        return "\n".join(parts)

    def emails_of(self, notification_id: str) -> dict[str, int]:
        """Per role, how many emails of that notification its mail folder holds."""
        header = f"X-Teranga-Notification: {notification_id}"
        counts = {}
        for role in ROLES:
            folder = self.mail_dir(role)
            files = sorted(folder.glob("*")) if folder.is_dir() else []
            found = sum(f.read_text(errors="replace").count(header) for f in files)
            if found:
                counts[role] = found
        return counts

    def web_emails(self) -> list[str]:
        return [
            str(f)
            for role in WEB_ROLES
            if self.mail_dir(role).is_dir()
            for f in self.mail_dir(role).glob("*")
        ]

    def stop(self) -> None:
        """SIGINT to all at once (a graceful stop), then each is waited for and its
        process group killed."""
        for proc in self.procs.values():
            if proc.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.process.send_signal(signal.SIGINT)
        for proc in self.procs.values():
            with contextlib.suppress(Exception):
                proc.stop()


#: Runs in ``manage.py shell`` (a process of its own, with the roles' settings and
#: database): one JSON request per stdin line, one ``RESULT <json>`` line per answer.
HELPER = f"""
import json, sys
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone
from benchmarks.webhook_storm import setup_shop, succeeded_events
from teranga.platform.notifications.models import Notification, NotificationDelivery
from teranga.platform.notifications.services import notification_send
from teranga.platform.payments.models import Fulfilment, Payment
from teranga.platform.payments.providers import sandbox
from teranga.products.booking.models import Reservation

state = {{}}


def setup():
    shop = setup_shop(1)
    payment = Payment.objects.select_related("payer").get(pk=shop.payment_ids[0])
    payer = payment.payer
    payer.set_password({PASSWORD!r})
    payer.save(update_fields=["password"])
    EmailAddress.objects.create(user=payer, email=payer.email, primary=True, verified=True)
    state["payer"], state["organization"] = payer, shop.organization.name
    return {{"payer_id": str(payer.pk), "email": payer.email, "payment_id": str(payment.pk),
             "reservation_id": shop.reservation_ids[0]}}


def schedule():
    # A reminder due in a few seconds: the periodic job delivers it at its next run.
    send_at = timezone.now() + timedelta(seconds={REMINDER_DELAY!r})
    with transaction.atomic():
        reminder = notification_send(
            recipient=state["payer"],
            kind="organization.broadcast",
            context={{"organization": state["organization"], "title": "Rappel",
                      "body": "Votre rendez-vous approche."}},
            idempotency_key="h5scale:reminder:" + str(state["payer"].pk),
            channels=["email", "websocket"],
            send_at=send_at,
        )
    return {{"id": str(reminder.pk), "send_at": send_at.timestamp()}}


def event(payment_id):
    return {{"body": succeeded_events([payment_id])[0].decode()}}


def sign(body):
    return {{"signature": sandbox.sign(body.encode())}}


def deliveries(notification_id):
    rows = NotificationDelivery.objects.filter(notification_id=notification_id)
    return [{{"channel": d.channel, "status": d.status, "attempts": d.attempts,
              "provider": d.provider, "error": d.error}} for d in rows.order_by("channel")]


def receipt(payment_id, reservation_id):
    payment = Payment.objects.get(pk=payment_id)
    booking = Reservation.objects.select_related("booking").get(pk=reservation_id).booking
    fulfilment = Fulfilment.objects.filter(payment=payment).first()
    found = Notification.objects.filter(
        recipient_id=payment.payer_id, kind="payment.succeeded", data__payment_id=payment_id
    )
    return {{"payment_status": payment.status, "booking_status": booking.status,
             "fulfilment": fulfilment.status if fulfilment else None,
             "receipts": [str(n.pk) for n in found]}}


def sentinel():
    with transaction.atomic():
        notification = notification_send(
            recipient=state["payer"],
            kind="organization.broadcast",
            context={{"organization": "Salon", "title": "Fin", "body": "Fin du test."}},
            idempotency_key="h5scale:sentinel:" + str(state["payer"].pk),
            channels=["websocket"],
        )
    return {{"id": str(notification.pk)}}


OPERATIONS = {{"setup": setup, "schedule": schedule, "event": event, "sign": sign,
               "deliveries": deliveries, "receipt": receipt, "sentinel": sentinel}}
for line in sys.stdin:
    request = json.loads(line)
    answer = OPERATIONS[request.pop("op")](**request)
    print("RESULT " + json.dumps(answer), flush=True)
"""


# --- The WebSocket client --------------------------------------------------------------------


class Socket:
    """A WebSocket client that keeps every frame it received, with the time it came."""

    def __init__(self, ws):
        self.ws = ws  # a websockets.sync client connection
        self.frames: list[tuple[float, dict]] = []

    def wait_for(self, found: Callable[[dict], bool], timeout: float, what: str) -> float:
        """Read frames until one satisfies ``found``; the wall-clock time it arrived."""
        for at, frame in self.frames:
            if found(frame):
                return at
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                raw = self.ws.recv(timeout=left)
            except TimeoutError:
                break
            frame = json.loads(raw)
            self.frames.append((time.time(), frame))
            if found(frame):
                return self.frames[-1][0]
        pytest.fail(f"{what}: not received within {timeout:.0f} s; frames: {self.frames}")

    def notifications(self, notification_id: str) -> list[dict]:
        return [frame for _at, frame in self.frames if _notification_id(frame) == notification_id]


def _notification(frame: dict) -> dict:
    if frame.get("type") != "event" or frame.get("event", {}).get("type") != "notification":
        return {}
    return frame["event"].get("notification") or {}


def _notification_id(frame: dict) -> str | None:
    return _notification(frame).get("id")


# --- The test --------------------------------------------------------------------------------


@pytest.fixture
def stack(leg, tmp_path):
    """The five roles and the helper shell on a migrated throwaway database."""
    unique = f"h5scale{secrets.token_hex(4)}"
    logs = tmp_path / "logs"
    logs.mkdir()
    data_dir = tmp_path / "data"  # shared by the roles, as a media volume would be
    data_dir.mkdir()
    with throwaway_database(leg["DATABASE_URL"]) as database_url:
        env = process_env(
            DATABASE_URL=database_url,
            REDIS_URL=leg["REDIS_URL"],
            DATA_DIR=str(data_dir),
            SECRET_KEY=secrets.token_urlsafe(50),
            HUEY_NAME=unique,
            CHANNELS_PREFIX=unique,
            EMBEDDED_WORKER="0",
            LOG_LEVEL="INFO",
        )
        started = time.monotonic()
        manage("migrate", "--noinput", env=env, timeout=MIGRATE_TIMEOUT)
        print(f"migrated in {time.monotonic() - started:.1f} s")
        with redis_cleanup(leg["REDIS_URL"], unique):
            roles = Roles(env, tmp_path / "mail", logs)
            helper = None
            try:
                roles.start("web1", "web2", "worker1", "worker2")
                helper = ShellHelper(env, logs / "helper.log", HELPER, timeout=HELPER_TIMEOUT)
                yield roles, helper
            finally:
                if helper is not None:
                    helper.stop()
                roles.stop()


def test_payment_on_web1_reaches_web2_through_a_worker_and_a_reminder_fires_once(stack):
    roles, helper = stack
    try:
        _flow(roles, helper)
    except BaseException:
        print(roles.tails())
        raise


def _flow(roles: Roles, helper: ShellHelper) -> None:
    from websockets.sync.client import connect

    started = time.monotonic()
    shop = helper.call("setup")  # while the servers start
    roles.wait_ready()
    print(f"roles ready after {time.monotonic() - started:.1f} s")

    # 1. The payer logs in over HTTP and connects a socket to web 2.
    response = httpx.post(
        f"{roles.base('web2')}{AUTH}/auth/login",
        json={"email": shop["email"], "password": PASSWORD},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    token = response.json()["meta"]["access_token"]
    ws_url = roles.base("web2").replace("http://", "ws://") + f"/ws/notifications/?token={token}"
    with connect(ws_url, open_timeout=15) as ws:
        socket = Socket(ws)
        socket.wait_for(lambda f: f.get("type") == "snapshot", 15, "snapshot")
        assert socket.frames[0][1]["data"] == {"user": shop["payer_id"]}, socket.frames

        # 2. The sandbox's payment.succeeded event, signed, lands on web 1.
        body = helper.call("event", payment_id=shop["payment_id"])["body"]
        signature = helper.call("sign", body=body)["signature"]
        response = httpx.post(
            f"{roles.base('web1')}{WEBHOOK}",
            content=body.encode(),
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        # Fulfilled on web 1 right after the commit, before the answer.
        receipt = helper.call(
            "receipt", payment_id=shop["payment_id"], reservation_id=shop["reservation_id"]
        )
        assert receipt["payment_status"] == "succeeded", receipt
        assert receipt["booking_status"] == "confirmed", receipt
        assert receipt["fulfilment"] == "done", receipt
        assert len(receipt["receipts"]) == 1, receipt
        (receipt_id,) = receipt["receipts"]

        # The receipt crosses the channel layer to the socket on web 2.
        socket.wait_for(
            lambda f: _notification_id(f) == receipt_id, EVENT_TIMEOUT, "the payment receipt"
        )
        # Its email and socket deliveries were sent, once, by a task worker.
        sent = _wait_sent(helper, receipt_id, {"email", "websocket"}, EVENT_TIMEOUT)
        assert sent["email"]["attempts"] == sent["websocket"]["attempts"] == 1, sent
        senders = roles.emails_of(receipt_id)
        assert sum(senders.values()) == 1 and set(senders) <= {"worker1", "worker2"}, senders
        print(f"receipt on web 2 after {time.monotonic() - started:.1f} s; email by {senders}")

        # 3. A reminder due in a few seconds, then the scheduler: its periodic job fires
        # the reminder at its first run after it is due (it runs at start, then every
        # minute), while both workers run too.
        reminder = helper.call("schedule")
        roles.start("scheduler")
        left = reminder["send_at"] + REMINDER_TIMEOUT - time.time()
        arrived = socket.wait_for(
            lambda f: _notification_id(f) == reminder["id"],
            max(left, 1),
            "the scheduled reminder",
        )
        assert arrived >= reminder["send_at"], "the reminder came before its time"
        roles.check_alive()
        sent = _wait_sent(helper, reminder["id"], {"email", "websocket"}, EVENT_TIMEOUT)
        # Once: one sent delivery per channel, each after a single attempt …
        assert sent["email"]["attempts"] == sent["websocket"]["attempts"] == 1, sent
        # … one email in all the processes' mail folders, sent by a run_huey process …
        senders = roles.emails_of(reminder["id"])
        assert sum(senders.values()) == 1 and set(senders) <= set(TASK_ROLES), senders
        print(
            f"reminder {arrived - reminder['send_at']:.1f} s after it was due, "
            f"{time.monotonic() - started:.1f} s in; email by {senders}"
        )
        # … and one frame: a notification sent now is the socket's next notification.
        sentinel_id = helper.call("sentinel")["id"]
        socket.wait_for(lambda f: _notification_id(f) == sentinel_id, EVENT_TIMEOUT, "sentinel")
        assert len(socket.notifications(reminder["id"])) == 1, socket.frames
        assert len(socket.notifications(receipt_id)) == 1, socket.frames
        seqs = [frame["seq"] for _at, frame in socket.frames]
        assert seqs == sorted(set(seqs)), f"sequence numbers repeat or go back: {seqs}"

    # No web process sent any email: with EMBEDDED_WORKER=0 they run no task.
    assert roles.web_emails() == [], roles.web_emails()
    roles.check_alive()


def _wait_sent(
    helper: ShellHelper, notification_id: str, channels: set[str], timeout: float
) -> dict:
    """The notification's deliveries by channel once those of ``channels`` are sent."""
    deadline = time.monotonic() + timeout
    while True:
        rows = {
            row["channel"]: row
            for row in helper.call("deliveries", **{"notification_id": notification_id})
        }
        done = {c for c in channels if rows.get(c, {}).get("status") in {"sent", "delivered"}}
        if done == channels:
            return rows
        if time.monotonic() > deadline:
            pytest.fail(f"deliveries of {notification_id} not sent within {timeout:.0f} s: {rows}")
        time.sleep(0.25)
