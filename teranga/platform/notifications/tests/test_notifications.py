"""Notifications: recorded in the caller's transaction, delivered once after commit per
channel, deduplicated by idempotency key, recovered after a crash, rendered in the
recipient's language; the inbox endpoints and the admin."""

from __future__ import annotations

import uuid
from datetime import timedelta
from importlib import import_module
from smtplib import SMTPException

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import override_settings
from django.urls import Resolver404, include, path, resolve
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from teranga.core.registry import thawed
from teranga.platform.notifications import services
from teranga.platform.notifications.models import (
    Channel,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
    SmsMessage,
    SmsStatus,
)
from teranga.platform.notifications.services import notification_send
from teranga.platform.notifications.tasks import notification_deliveries_redeliver_stale
from teranga.platform.notifications.types import (
    NotificationType,
    notification_type_register,
    notification_types,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications"

# Until the root URLconf mounts the notifications API, these tests mount it themselves.
_root = import_module(settings.ROOT_URLCONF)
try:
    resolve(f"{API}/")
    urlpatterns = _root.urlpatterns
except Resolver404:
    urlpatterns = [
        path("api/v1/notifications/", include("teranga.platform.notifications.api.urls")),
        *_root.urlpatterns,
    ]
handler404 = getattr(_root, "handler404", None)
handler500 = getattr(_root, "handler500", None)
with_api = pytest.mark.urls(__name__)

# "Not found." is translated in the catalogues: French "Introuvable.", Wolof "Gisuñu ko.".
with thawed():
    HELLO = notification_type_register(
        NotificationType(
            name="test.hello",
            channels=(Channel.EMAIL, Channel.SMS, Channel.WEBSOCKET),
            title=lambda ctx: _("Not found."),
            body=lambda ctx: f"{ctx['who']} ({get_language()})",
        )
    )


def send(user, key="k1", **extra):
    return notification_send(
        recipient=user,
        kind="test.hello",
        context={"who": "Awa", "when": timezone.now(), "id": uuid.UUID(int=1)},
        link="/api/v1/things/1/",
        idempotency_key=key,
        **extra,
    )


def deliveries(notification) -> dict[str, NotificationDelivery]:
    return {d.channel: d for d in NotificationDelivery.objects.filter(notification=notification)}


# --- Writing and delivering -----------------------------------------------------------------


def test_written_then_delivered_once_after_commit(make_user, django_capture_on_commit_callbacks):
    user = make_user("awa@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(user)
        # Inside the transaction: the rows exist, nothing is sent yet.
        assert {d.status for d in deliveries(notification).values()} == {DeliveryStatus.QUEUED}
        assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.title == "Introuvable."  # French, the default language
    assert notification.body == "Awa (fr)"
    assert notification.link == "/api/v1/things/1/"
    assert notification.data["who"] == "Awa"
    assert isinstance(notification.data["when"], str)  # stored as JSON
    rows = deliveries(notification)
    assert rows[Channel.EMAIL].status == DeliveryStatus.SENT
    assert rows[Channel.EMAIL].attempts == 1 and rows[Channel.EMAIL].sent_at is not None
    assert rows[Channel.WEBSOCKET].status == DeliveryStatus.SENT
    assert rows[Channel.SMS].status == DeliveryStatus.SKIPPED  # no verified phone
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["awa@example.com"]
    assert email.subject == "Introuvable."
    assert "Awa (fr)" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and "Awa (fr)" in html and 'lang="fr"' in html
    # Delivering again (a duplicate task) sends nothing more.
    services.notification_deliver(notification_id=notification.pk)
    assert len(mail.outbox) == 1
    assert deliveries(notification)[Channel.EMAIL].attempts == 1


def test_nothing_is_sent_when_the_transaction_rolls_back(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user("rollback@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                send(user)
                raise RuntimeError("the caller fails")
        except RuntimeError:
            pass
    assert Notification.objects.count() == 0
    assert NotificationDelivery.objects.count() == 0
    assert mail.outbox == []


def test_idempotency_key_returns_the_first_and_sends_once(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user("twice@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        first = send(user, key="same")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = send(user, key="same")
    assert second.pk == first.pk
    assert callbacks == []
    assert Notification.objects.count() == 1
    assert NotificationDelivery.objects.count() == 3
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        send(user, key="other")
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


def test_a_concurrent_twin_is_caught_by_the_unique_key(make_user):
    """Two writers pass the first lookup together; the second insert hits the unique
    constraint, rolls back its savepoint only and returns the twin's row."""
    user = make_user("race@example.com")
    twins = []

    def title_that_races(ctx):
        if not twins:  # another transaction commits the same key meanwhile
            twins.append(
                Notification.objects.create(
                    recipient=user, kind="test.race", title="twin", idempotency_key="raced"
                )
            )
        return "mine"

    with thawed(notification_types):
        notification_type_register(
            NotificationType(
                name="test.race",
                channels=(Channel.EMAIL,),
                title=title_that_races,
                body=lambda ctx: "",
            )
        )
        with transaction.atomic():
            result = notification_send(
                recipient=user, kind="test.race", context={}, idempotency_key="raced"
            )
            assert result.pk == twins[0].pk and result.title == "twin"
            # The caller's transaction is still usable.
            assert Notification.objects.filter(idempotency_key="raced").count() == 1
    assert NotificationDelivery.objects.count() == 0


def test_unknown_kind_is_refused(make_user):
    user = make_user("unknown@example.com")
    with pytest.raises(LookupError):
        notification_send(recipient=user, kind="nope", context={}, idempotency_key="x")
    with pytest.raises(ValueError):
        notification_send(recipient=user, kind="test.hello", context={}, idempotency_key="")
    with pytest.raises(ValueError):
        notification_send(recipient=user, kind="test.hello", context={}, idempotency_key="k" * 256)
    assert Notification.objects.count() == 0


def test_channels_can_be_narrowed_per_recipient(make_user):
    user = make_user("narrow@example.com")
    notification = send(user, channels=[Channel.EMAIL, "fax"])
    assert set(deliveries(notification)) == {Channel.EMAIL}


def test_language_of_the_recipient(make_user, django_capture_on_commit_callbacks):
    english = make_user("en@example.com", language="en")
    wolof = make_user("wo@example.com", language="wo")
    with django_capture_on_commit_callbacks(execute=True):
        in_english = send(english, key="en")
        in_wolof = send(wolof, key="wo")
    assert (in_english.title, in_english.body, in_english.language) == (
        "Not found.",
        "Awa (en)",
        "en",
    )
    assert (in_wolof.title, in_wolof.language) == ("Gisuñu ko.", "wo")
    subjects = {email.to[0]: email.subject for email in mail.outbox}
    assert subjects == {"en@example.com": "Not found.", "wo@example.com": "Gisuñu ko."}
    html = next(e for e in mail.outbox if e.to == ["en@example.com"]).alternatives[0][0]
    assert 'lang="en"' in html
    assert get_language() == "fr"  # the caller's language is left as it was


def test_sms_goes_through_the_outbox_for_a_verified_phone(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user("phone@example.com", phone="+221771234567", phone_verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(user)
    sms = SmsMessage.objects.get()
    assert sms.to == "+221771234567"
    assert sms.purpose == "test.hello"
    assert sms.body == "Introuvable.\nAwa (fr)"
    assert sms.status == SmsStatus.SENT
    delivery = deliveries(notification)[Channel.SMS]
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.provider_message_id == f"sms:{sms.pk}"


def test_unverified_phone_and_erased_user_are_skipped(
    make_user, django_capture_on_commit_callbacks
):
    unverified = make_user("unverified@example.com", phone="+221771234568")
    erased = make_user("gone@example.com")
    erased.erased_at = timezone.now()
    erased.is_active = False
    erased.save()
    with django_capture_on_commit_callbacks(execute=True):
        first = send(unverified, key="a")
        second = send(erased, key="b")
    assert deliveries(first)[Channel.SMS].status == DeliveryStatus.SKIPPED
    assert deliveries(first)[Channel.EMAIL].status == DeliveryStatus.SENT
    assert deliveries(second)[Channel.EMAIL].status == DeliveryStatus.SKIPPED
    assert deliveries(second)[Channel.EMAIL].error == "no email address"
    assert SmsMessage.objects.count() == 0
    assert [e.to for e in mail.outbox] == [["unverified@example.com"]]


class FailingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPException("relay down")


def test_channel_errors_are_retried_then_marked_failed(make_user):
    user = make_user("retry@example.com")
    notification = send(user, channels=[Channel.EMAIL])
    delivery = deliveries(notification)[Channel.EMAIL]
    path = "teranga.platform.notifications.tests.test_notifications.FailingEmailBackend"
    with (
        override_settings(EMAIL_BACKEND=path),
        time_machine.travel(timezone.now(), tick=False) as clock,
    ):
        services.notification_delivery_deliver(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.QUEUED  # the periodic job tries again
        assert delivery.attempts == 1 and "relay down" in delivery.error
        assert delivery.next_attempt_at > timezone.now()  # after a backoff
        for _attempt in range(services.MAX_DELIVERY_ATTEMPTS):
            clock.shift(timedelta(minutes=10))
            services.notification_delivery_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == services.MAX_DELIVERY_ATTEMPTS
    assert mail.outbox == []


def test_a_delivery_left_queued_by_a_crash_is_sent_once_by_the_periodic_job(make_user):
    """The process stopped after commit, before the task ran: no on_commit callback is
    executed here, so the deliveries stay queued until the scheduler's job."""
    user = make_user("crash@example.com")
    notification = send(user)
    assert {d.status for d in deliveries(notification).values()} == {DeliveryStatus.QUEUED}
    assert notification_deliveries_redeliver_stale.call_local() == 0  # too fresh
    assert mail.outbox == []
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert notification_deliveries_redeliver_stale.call_local() == 2  # email, websocket
        assert notification_deliveries_redeliver_stale.call_local() == 0
    assert len(mail.outbox) == 1
    rows = deliveries(notification)
    assert rows[Channel.EMAIL].status == DeliveryStatus.SENT
    assert rows[Channel.EMAIL].attempts == 1
    assert rows[Channel.SMS].status == DeliveryStatus.SKIPPED


def test_types_are_registered_once():
    assert "test.hello" in notification_types
    with pytest.raises(ImproperlyConfigured):  # frozen once the apps are ready
        notification_type_register(HELLO)
    with thawed(notification_types):
        assert notification_type_register(HELLO) is HELLO  # the same object: harmless
        with pytest.raises(ImproperlyConfigured):
            notification_type_register(
                NotificationType(name="test.hello", channels=(), title=str, body=str)
            )
    with pytest.raises(ValueError):
        NotificationType(name="bad", channels=("fax",), title=str, body=str)


# --- API ------------------------------------------------------------------------------------


@pytest.fixture
def inbox(make_user):
    """(user, other): the user has 3 notifications (the oldest read), the other 1."""
    user = make_user("inbox@example.com")
    other = make_user("other@example.com")
    start = timezone.now()
    for index in range(3):
        with time_machine.travel(start + timedelta(seconds=index)):
            send(user, key=f"inbox-{index}")
    Notification.objects.filter(idempotency_key="inbox-0").update(read_at=start)
    send(other, key="other-0")
    return user, other


@with_api
def test_list_is_mine_newest_first_with_a_cursor(inbox, client_for, django_assert_max_num_queries):
    user, _other = inbox
    client = client_for(user)
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/", {"page_size": 2})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [n["body"] for n in body["results"]] == ["Awa (fr)", "Awa (fr)"]
    keys = [Notification.objects.get(pk=n["id"]).idempotency_key for n in body["results"]]
    assert keys == ["inbox-2", "inbox-1"]
    assert body["next"] and "cursor=" in body["next"]
    assert set(body["results"][0]) == {
        "id",
        "kind",
        "title",
        "body",
        "link",
        "data",
        "is_read",
        "read_at",
        "created_at",
    }
    following = client.get(body["next"]).json()
    assert [n["is_read"] for n in following["results"]] == [True]
    unread = client.get(f"{API}/", {"unread": "true"}).json()
    assert len(unread["results"]) == 2
    assert client.get(f"{API}/", {"kind": "other"}).json()["results"] == []


@with_api
def test_list_query_count_does_not_grow(make_user, client_for, django_assert_max_num_queries):
    user = make_user("many@example.com")
    for index in range(30):
        send(user, key=f"many-{index}")
    client = client_for(user)
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/", {"page_size": 30})
    assert len(response.json()["results"]) == 30


@with_api
def test_read_one_and_unread_count(inbox, client_for):
    user, other = inbox
    client = client_for(user)
    assert client.get(f"{API}/unread-count/").json() == {"count": 2}
    target = Notification.objects.get(idempotency_key="inbox-2")
    response = client.post(f"{API}/{target.pk}/read/")
    assert response.status_code == 200, response.content
    assert response.json()["is_read"] is True
    read_at = response.json()["read_at"]
    again = client.post(f"{API}/{target.pk}/read/")
    assert again.json()["read_at"] == read_at  # idempotent
    assert client.get(f"{API}/unread-count/").json() == {"count": 1}


@with_api
def test_another_users_notification_is_404(inbox, client_for):
    user, other = inbox
    theirs = Notification.objects.get(recipient=other)
    response = client_for(user).post(f"{API}/{theirs.pk}/read/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "notification_not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client_for(user).post(f"{API}/{uuid.uuid4()}/read/").status_code == 404
    assert client_for(user).post(f"{API}/not-a-uuid/read/").status_code == 404


@with_api
def test_read_all(inbox, client_for):
    user, other = inbox
    client = client_for(user)
    response = client.post(f"{API}/read-all/")
    assert response.status_code == 200
    assert response.json() == {"updated": 2}
    assert client.post(f"{API}/read-all/").json() == {"updated": 0}
    assert Notification.objects.get(recipient=other).read_at is None


@with_api
def test_bad_input_and_anonymous(inbox, client_for, api):
    user, _other = inbox
    client = client_for(user)
    invalid_cursor = client.get(f"{API}/", {"cursor": "garbage"})
    assert invalid_cursor.status_code == 404
    assert invalid_cursor.json()["error"]["code"] == "not_found"
    assert client.delete(f"{API}/read-all/").status_code == 405
    for method, url in [
        ("get", f"{API}/"),
        ("get", f"{API}/unread-count/"),
        ("post", f"{API}/read-all/"),
        ("post", f"{API}/{uuid.uuid4()}/read/"),
    ]:
        response = getattr(api, method)(url)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "not_authenticated"
    assert Notification.objects.filter(read_at__isnull=False).count() == 1


# --- Admin ------------------------------------------------------------------------------------


def test_admin_shows_notifications_with_deliveries_read_only(admin_client, make_user):
    user = make_user("admin-view@example.com")
    notification = send(user)
    listing = admin_client.get("/admin/notifications/notification/?q=admin-view")
    assert listing.status_code == 200
    assert b"Introuvable." in listing.content
    detail = admin_client.get(f"/admin/notifications/notification/{notification.pk}/change/")
    assert detail.status_code == 200
    assert b"websocket" in detail.content
    assert admin_client.get("/admin/notifications/notification/add/").status_code == 403


def test_a_resent_email_keeps_its_message_id(make_user):
    """Sending twice (a crash between the hand-off and its record) gives the same
    Message-ID, so mail systems recognise the copy."""
    user = make_user("msgid@example.com")
    notification = send(user, channels=[Channel.EMAIL])
    delivery = deliveries(notification)[Channel.EMAIL]
    services.notification_delivery_deliver(delivery_id=delivery.pk)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.QUEUED)
    services.notification_delivery_deliver(delivery_id=delivery.pk)
    ids = {message.extra_headers["Message-ID"] for message in mail.outbox}
    assert len(mail.outbox) == 2 and ids == {f"<notification.{notification.pk}@teranga.local>"}
