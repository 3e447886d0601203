"""The delivery pipeline: every channel records its provider and message id; channel
errors are retried with exponential backoff, then failed; delivery is idempotent, also
across a simulated crash (the task is lost after commit) and with two workers at once;
scheduled notifications fire once, when due, and can be called off."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from smtplib import SMTPException

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from conftest import authed_client
from teranga.core.registry import thawed
from teranga.platform.notifications import services, sms_outbox, tasks
from teranga.platform.notifications.models import (
    Channel,
    DeliveryStatus,
    Device,
    Notification,
    NotificationDelivery,
    SmsMessage,
    SmsStatus,
)
from teranga.platform.notifications.providers.registry import push_providers
from teranga.platform.notifications.services import (
    MAX_DELIVERY_ATTEMPTS,
    notification_cancel_scheduled,
    notification_send,
)
from teranga.platform.notifications.tasks import notification_deliveries_redeliver_stale
from teranga.platform.notifications.types import NotificationType, notification_type_register
from tests.skips import require

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications"
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ALL_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.PUSH, Channel.WEBSOCKET)

with thawed():
    PIPELINE = notification_type_register(
        NotificationType(
            name="test.pipeline",
            channels=ALL_CHANNELS,
            title=lambda ctx: f"Hello {ctx.get('who', '')}",
            body=lambda ctx: "Body",
        )
    )


class LostTask:
    """A task whose enqueue is lost (the process died right after the commit)."""

    def __init__(self):
        self.calls = 0

    def enqueue(self, **kwargs):
        self.calls += 1


class FailingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPException("relay down")


FAILING = "teranga.platform.notifications.tests.test_pipeline.FailingEmailBackend"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sandbox_push():
    provider = push_providers.get("sandbox")
    provider.clear()
    yield provider
    provider.clear()


@pytest.fixture
def person(make_user):
    user = make_user("pipeline@example.com", phone="+221771234567", phone_verified=True)
    Device.objects.create(user=user, token="sandbox-device-1", platform="android")
    return user


def send(user, key="p1", **extra):
    return notification_send(
        recipient=user,
        kind="test.pipeline",
        context={"who": "Awa"},
        link="/api/v1/things/1/",
        idempotency_key=key,
        **extra,
    )


def rows(notification) -> dict[str, NotificationDelivery]:
    return {d.channel: d for d in NotificationDelivery.objects.filter(notification=notification)}


def run_periodic_job(capture) -> int:
    """The scheduler's job, with the tasks it queues (the SMS outbox) run after commit."""
    with capture(execute=True):
        return notification_deliveries_redeliver_stale.call_local()


# --- Channels, providers ---------------------------------------------------------------------


def test_every_channel_records_provider_and_message_id(
    person, sandbox_push, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(person)
    delivered = rows(notification)
    assert {c: d.status for c, d in delivered.items()} == dict.fromkeys(ALL_CHANNELS, "sent")
    email = delivered[Channel.EMAIL]
    assert (email.provider, email.attempts, email.next_attempt_at) == ("locmem", 1, None)
    sms = SmsMessage.objects.get()
    assert sms.status == SmsStatus.SENT and sms.body == "Hello Awa\nBody"
    assert (delivered[Channel.SMS].provider, delivered[Channel.SMS].provider_message_id) == (
        "sandbox",
        f"sms:{sms.pk}",
    )
    push = delivered[Channel.PUSH]
    [pushed] = sandbox_push.sent
    assert (push.provider, push.provider_message_id) == ("sandbox", pushed.message_id)
    assert (pushed.token, pushed.title, pushed.body) == ("sandbox-device-1", "Hello Awa", "Body")
    assert pushed.data["notification_id"] == str(notification.pk)
    assert delivered[Channel.WEBSOCKET].provider == "channels"
    assert delivered[Channel.WEBSOCKET].provider_message_id.startswith("seq:")
    assert len(mail.outbox) == 1
    html = mail.outbox[0].alternatives[0][0]
    assert "http://127.0.0.1:8000/api/v1/things/1/" in html  # the link button
    assert "http://127.0.0.1:8000/api/v1/things/1/" in mail.outbox[0].body


def test_push_without_device_is_skipped(make_user, django_capture_on_commit_callbacks):
    user = make_user("nodevice@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(user, channels=[Channel.PUSH])
    push = rows(notification)[Channel.PUSH]
    assert (push.status, push.error, push.attempts) == ("skipped", "no active device", 1)


def test_push_to_an_invalid_token_deactivates_the_device_and_skips(
    make_user, sandbox_push, django_capture_on_commit_callbacks
):
    user = make_user("invalid@example.com")
    device = Device.objects.create(user=user, token="sandbox-invalid-1", platform="ios")
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(user, channels=[Channel.PUSH])
    assert rows(notification)[Channel.PUSH].status == DeliveryStatus.SKIPPED
    device.refresh_from_db()
    assert device.is_active is False


# --- Retries and backoff ---------------------------------------------------------------------


def test_email_failures_back_off_exponentially_then_fail(
    make_user, clock, django_capture_on_commit_callbacks
):
    user = make_user("retry@example.com")
    with override_settings(EMAIL_BACKEND=FAILING):
        with django_capture_on_commit_callbacks(execute=True):
            notification = send(user, channels=[Channel.EMAIL])
        delivery = rows(notification)[Channel.EMAIL]
        assert (delivery.status, delivery.attempts) == ("queued", 1)
        assert "relay down" in delivery.error
        waits = []
        for attempt in range(2, MAX_DELIVERY_ATTEMPTS + 1):
            due = delivery.next_attempt_at
            waits.append((due - timezone.now()).total_seconds())
            # Not before it is due: a run just before leaves it alone.
            clock.move_to(due - timedelta(seconds=1))
            assert notification_deliveries_redeliver_stale.call_local() == 0
            delivery.refresh_from_db()
            assert delivery.attempts == attempt - 1
            clock.move_to(due)
            assert notification_deliveries_redeliver_stale.call_local() == 0  # tried, failed
            delivery.refresh_from_db()
            assert delivery.attempts == attempt
    assert waits == [30, 60, 120, 240]
    assert (delivery.status, delivery.next_attempt_at) == ("failed", None)
    clock.shift(timedelta(hours=1))
    assert notification_deliveries_redeliver_stale.call_local() == 0
    delivery.refresh_from_db()
    assert delivery.attempts == MAX_DELIVERY_ATTEMPTS
    assert mail.outbox == []


def test_a_transient_failure_then_success_sends_once(
    make_user, clock, django_capture_on_commit_callbacks
):
    user = make_user("flaky@example.com")
    with override_settings(EMAIL_BACKEND=FAILING), django_capture_on_commit_callbacks(
        execute=True
    ):
        notification = send(user, channels=[Channel.EMAIL, Channel.WEBSOCKET])
    assert rows(notification)[Channel.WEBSOCKET].status == DeliveryStatus.SENT
    clock.shift(timedelta(seconds=31))
    assert notification_deliveries_redeliver_stale.call_local() == 1
    email = rows(notification)[Channel.EMAIL]
    assert (email.status, email.attempts, email.error) == ("sent", 2, "")
    assert notification_deliveries_redeliver_stale.call_local() == 0
    assert len(mail.outbox) == 1


def test_push_outage_is_retried_with_backoff(
    make_user, clock, sandbox_push, django_capture_on_commit_callbacks
):
    user = make_user("outage@example.com")
    device = Device.objects.create(user=user, token="sandbox-unavailable-1", platform="android")
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(user, channels=[Channel.PUSH])
    push = rows(notification)[Channel.PUSH]
    assert (push.status, push.attempts) == ("queued", 1)
    assert push.next_attempt_at == START + timedelta(seconds=30)
    Device.objects.filter(pk=device.pk).update(token="sandbox-back-1")  # the outage ends
    clock.shift(timedelta(seconds=30))
    assert notification_deliveries_redeliver_stale.call_local() == 1
    push = rows(notification)[Channel.PUSH]
    assert (push.status, push.attempts) == ("sent", 2)
    assert [p.token for p in sandbox_push.sent] == ["sandbox-back-1"]


# --- Idempotency and crashes ------------------------------------------------------------------


def test_a_lost_task_after_commit_is_delivered_exactly_once_by_the_periodic_job(
    person, clock, sandbox_push, monkeypatch, django_capture_on_commit_callbacks
):
    lost = LostTask()
    monkeypatch.setattr(services, "notification_deliver_task", lost)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notification = send(person)
    assert lost.calls == 1  # enqueued after commit … and lost with the process
    assert {d.status for d in rows(notification).values()} == {DeliveryStatus.QUEUED}
    assert run_periodic_job(django_capture_on_commit_callbacks) == 0  # too fresh: its task may run
    clock.shift(timedelta(minutes=2))
    assert run_periodic_job(django_capture_on_commit_callbacks) == 4
    assert run_periodic_job(django_capture_on_commit_callbacks) == 0
    clock.shift(timedelta(hours=1))
    assert run_periodic_job(django_capture_on_commit_callbacks) == 0
    assert {d.status for d in rows(notification).values()} == {DeliveryStatus.SENT}
    assert {d.attempts for d in rows(notification).values()} == {1}
    assert len(mail.outbox) == 1
    assert SmsMessage.objects.count() == 1
    assert SmsMessage.objects.get().status == SmsStatus.SENT
    assert len(sandbox_push.sent) == 1
    # The same fact told again (a retried caller) adds nothing.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert send(person).pk == notification.pk
    assert callbacks == []
    assert Notification.objects.count() == 1


def test_duplicate_tasks_send_once(person, sandbox_push, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(person)
    for _again in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.notification_deliver_task.enqueue(notification_id=str(notification.pk))
            tasks.notification_deliver_batch_task.enqueue(notification_ids=[str(notification.pk)])
    assert len(mail.outbox) == 1
    assert SmsMessage.objects.count() == 1
    assert len(sandbox_push.sent) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_periodic_job_at_once_send_once(make_user, monkeypatch):
    """Real threads, each with its own connection: the row lock lets one of them send."""
    require(
        "a file-backed SQLite test database",
        not (connection.vendor == "sqlite" and connection.is_in_memory_db()),
        "threaded tests need separate connections: config/test_settings.py sets its TEST NAME",
    )
    monkeypatch.setattr(services, "notification_deliver_task", LostTask())
    monkeypatch.setattr(sms_outbox, "sms_deliver_task", LostTask())
    users = [make_user(f"race{i}@example.com") for i in range(5)]
    for index, user in enumerate(users):
        send(user, key=f"race-{index}", channels=[Channel.EMAIL])
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            results.append(services.notification_deliveries_redeliver_stale(older_than_seconds=0))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            from django.db import connections

            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(results) == 5
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert set(NotificationDelivery.objects.values_list("attempts", flat=True)) == {1}


# --- Scheduled notifications ---------------------------------------------------------------------


def test_scheduled_notification_fires_once_when_due_and_shows_then(
    person, clock, sandbox_push, django_capture_on_commit_callbacks
):
    send_at = START + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = send(person, key="leave-now", send_at=send_at)
    assert callbacks == []  # nothing queued now
    assert notification.send_at == send_at
    assert {d.next_attempt_at for d in rows(notification).values()} == {send_at}
    client = authed_client(person)
    assert client.get(f"{API}/").json()["results"] == []
    assert client.get(f"{API}/unread-count/").json() == {"count": 0}
    assert client.post(f"{API}/{notification.pk}/read/").status_code == 404
    assert client.post(f"{API}/read-all/").json() == {"updated": 0}
    clock.move_to(send_at - timedelta(seconds=1))
    assert run_periodic_job(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == [] and SmsMessage.objects.count() == 0
    clock.move_to(send_at)
    assert run_periodic_job(django_capture_on_commit_callbacks) == 4
    assert run_periodic_job(django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1 and SmsMessage.objects.count() == 1
    assert len(sandbox_push.sent) == 1
    client = authed_client(person)  # access tokens last minutes: log in again
    [shown] = client.get(f"{API}/").json()["results"]
    assert shown["id"] == str(notification.pk)
    assert shown["created_at"].startswith("2026-03-02T14:00:00")  # when it reached the inbox
    assert client.get(f"{API}/unread-count/").json() == {"count": 1}


def test_inbox_orders_a_fired_scheduled_notification_by_when_it_fired(person, clock):
    scheduled = send(person, key="early-but-scheduled", send_at=START + timedelta(minutes=10))
    clock.shift(timedelta(minutes=5))
    immediate = send(person, key="later-but-immediate")
    clock.shift(timedelta(minutes=10))
    results = authed_client(person).get(f"{API}/").json()["results"]
    assert [n["id"] for n in results] == [str(scheduled.pk), str(immediate.pk)]


def test_a_send_at_in_the_past_sends_now(person, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(person, send_at=START - timedelta(minutes=1))
    assert notification.send_at is None
    assert rows(notification)[Channel.EMAIL].status == DeliveryStatus.SENT


def test_send_at_must_be_aware(person):
    with pytest.raises(ValueError):
        send(person, send_at=datetime(2026, 3, 2, 12, 0))
    assert Notification.objects.count() == 0


def test_cancel_a_scheduled_notification(person, clock, django_capture_on_commit_callbacks):
    send_at = START + timedelta(minutes=30)
    notification = send(person, key="queue:1:leave-now", send_at=send_at)
    kept = send(person, key="queue:2:leave-now", send_at=send_at)
    assert notification_cancel_scheduled(idempotency_key="queue:1:leave-now") is True
    assert {(d.status, d.error) for d in rows(notification).values()} == {("skipped", "cancelled")}
    assert notification_cancel_scheduled(idempotency_key="queue:1:leave-now") is False
    assert notification_cancel_scheduled(idempotency_key="never-sent") is False
    clock.move_to(send_at + timedelta(seconds=1))
    assert run_periodic_job(django_capture_on_commit_callbacks) == 4  # the other one only
    assert [m.to for m in mail.outbox] == [[person.email]]
    results = authed_client(person).get(f"{API}/").json()["results"]
    assert [n["id"] for n in results] == [str(kept.pk)]  # the cancelled one never shows
    # Once it has fired, it cannot be called off.
    assert notification_cancel_scheduled(notification_id=kept.pk) is False
    assert rows(kept)[Channel.EMAIL].status == DeliveryStatus.SENT
    with pytest.raises(ValueError):
        notification_cancel_scheduled()


def test_cancel_an_inbox_only_scheduled_notification(person, clock):
    notification = send(person, key="inbox-only", send_at=START + timedelta(hours=1), channels=[])
    assert notification_cancel_scheduled(notification_id=notification.pk) is True
    assert not Notification.objects.filter(pk=notification.pk).exists()
