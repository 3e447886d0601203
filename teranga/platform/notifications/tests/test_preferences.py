"""Preferences and quiet hours: the endpoints (every type with its channels, replace,
bad input changes nothing, constant query count) and the pipeline obeying them (a
channel turned off is skipped, SMS and push wait out quiet hours — across midnight, in
the user's time zone —, urgent types ignore both, the inbox keeps everything)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teranga.core.registry import thawed
from teranga.platform.notifications.models import (
    Channel,
    DeliveryStatus,
    Device,
    NotificationDelivery,
    NotificationPreference,
    QuietHours,
    SmsMessage,
)
from teranga.platform.notifications.preferences import quiet_until
from teranga.platform.notifications.providers.registry import push_providers
from teranga.platform.notifications.services import notification_send
from teranga.platform.notifications.tasks import notification_deliveries_redeliver_stale
from teranga.platform.notifications.types import (
    NotificationType,
    notification_type_register,
    notification_types,
)
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications/preferences/"
ALL = (Channel.EMAIL, Channel.SMS, Channel.PUSH, Channel.WEBSOCKET)

with thawed():
    notification_type_register(
        NotificationType(
            name="test.pref",
            channels=ALL,
            title=lambda ctx: "Pref",
            body=lambda ctx: "Body",
        )
    )
    notification_type_register(
        NotificationType(
            name="test.pref_urgent",
            channels=ALL,
            title=lambda ctx: "Urgent",
            body=lambda ctx: "Body",
            urgent=True,
        )
    )
    notification_type_register(
        NotificationType(
            name="test.pref_staff",
            channels=(Channel.EMAIL,),
            title=lambda ctx: "Staff",
            body=lambda ctx: "Body",
            staff_only=True,
        )
    )


@pytest.fixture
def person(make_user):
    user = make_user("prefs@example.com", phone="+221771234567", phone_verified=True)
    Device.objects.create(user=user, token="sandbox-prefs-1", platform="android")
    push_providers.get("sandbox").clear()
    return user


def body(types=(), **quiet):
    return {
        "types": list(types),
        "quiet_hours": {"enabled": False, **quiet},
    }


def send(user, kind="test.pref", key="n1"):
    return notification_send(recipient=user, kind=kind, context={}, idempotency_key=key)


def statuses(notification) -> dict[str, tuple[str, str]]:
    return {
        d.channel: (d.status, d.error)
        for d in NotificationDelivery.objects.filter(notification=notification)
    }


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code, response.json()
    return response.json()["error"]


# --- The endpoints ---------------------------------------------------------------------------


def test_get_lists_every_type_with_its_channels_on_and_no_quiet_hours(person, client_for):
    response = client_for(person).get(API)
    assert response.status_code == 200, response.content
    data = response.json()
    by_kind = {entry["kind"]: entry for entry in data["types"]}
    assert by_kind["test.pref"] == {
        "kind": "test.pref",
        "label": "Pref",
        "urgent": False,
        "channels": {"email": True, "sms": True, "push": True, "websocket": True},
    }
    assert by_kind["test.pref_urgent"]["urgent"] is True
    # Every registered type a client may receive is there (the platform's, the products').
    assert {"scheduling.confirmed", "payment.succeeded", "organization.broadcast"} <= set(by_kind)
    assert "test.pref_staff" not in by_kind  # staff-only: this user belongs to no organisation
    assert data["quiet_hours"] == {
        "enabled": False,
        "starts_at": None,
        "ends_at": None,
        "time_zone": "Africa/Dakar",
    }


def test_staff_only_types_are_listed_for_organisation_members_and_staff(make_user, client_for):
    agent = member(OrganizationFactory(), Role.AGENT)
    staff = make_user("staff-prefs@example.com", is_staff=True)
    for user in (agent, staff):
        kinds = {entry["kind"] for entry in client_for(user).get(API).json()["types"]}
        assert "test.pref_staff" in kinds


def test_put_replaces_preferences_and_quiet_hours(person, client_for):
    client = client_for(person)
    NotificationPreference.objects.create(
        user=person, kind="scheduling.confirmed", channel=Channel.EMAIL, enabled=False
    )
    response = client.put(
        API,
        body(
            [{"kind": "test.pref", "channels": {"sms": False, "push": False, "email": True}}],
            enabled=True,
            starts_at="22:00",
            ends_at="07:00",
            time_zone="Europe/Paris",
        ),
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    by_kind = {entry["kind"]: entry for entry in data["types"]}
    assert by_kind["test.pref"]["channels"] == {
        "email": True,
        "sms": False,
        "push": False,
        "websocket": True,
    }
    # Replaced: the earlier switch is gone.
    assert by_kind["scheduling.confirmed"]["channels"]["email"] is True
    assert data["quiet_hours"] == {
        "enabled": True,
        "starts_at": "22:00",
        "ends_at": "07:00",
        "time_zone": "Europe/Paris",
    }
    assert set(
        NotificationPreference.objects.filter(user=person).values_list("kind", "channel", "enabled")
    ) == {("test.pref", "sms", False), ("test.pref", "push", False)}
    assert client.get(API).json() == data
    # Turning quiet hours off keeps the hours for next time.
    response = client.put(API, body(), format="json")
    assert response.json()["quiet_hours"] == {
        "enabled": False,
        "starts_at": "22:00",
        "ends_at": "07:00",
        "time_zone": "Africa/Dakar",
    }
    assert NotificationPreference.objects.filter(user=person).count() == 0


@pytest.mark.parametrize(
    ("payload", "status", "code", "mentions"),
    [
        (body([{"kind": "nope.one", "channels": {}}, {"kind": "nope.two", "channels": {}}]),
         400, "unknown_notification_types", ["nope.one", "nope.two"]),
        (body([{"kind": "invoice.issued", "channels": {"push": False, "fax": False}}]),
         400, "unknown_channels", ["invoice.issued/fax", "invoice.issued/push"]),
        (body([{"kind": "test.pref", "channels": {}}, {"kind": "test.pref", "channels": {}}]),
         400, "duplicate_notification_types", ["test.pref"]),
        (body([{"kind": "test.pref_urgent", "channels": {"sms": False}}]),
         400, "urgent_notification_types", ["test.pref_urgent"]),
        (body([{"kind": "test.pref_staff", "channels": {"email": False}}]),
         400, "unknown_notification_types", ["test.pref_staff"]),
        (body(enabled=True, starts_at="22:00"), 400, "invalid_quiet_hours", []),
        (body(enabled=True, starts_at="22:00", ends_at="22:00"), 400, "invalid_quiet_hours", []),
        (body(enabled=True, starts_at="22:00", ends_at="07:00", time_zone="Mars/Olympus"),
         400, "invalid", ["time_zone"]),
        (body(enabled=True, starts_at="25:00", ends_at="07:00"), 400, "invalid", ["starts_at"]),
        ({"types": []}, 400, "invalid", ["quiet_hours"]),
        ({**body(), "extra": 1}, 400, "invalid", ["extra"]),
        (body([{"kind": "test.pref", "channels": {"sms": "maybe"}}]), 400, "invalid", ["types"]),
        ({"types": "all", "quiet_hours": {"enabled": False}}, 400, "invalid", ["types"]),
    ],
)
def test_bad_input_is_400_and_changes_nothing(person, client_for, payload, status, code, mentions):
    QuietHours.objects.create(user=person, starts_at=time(23), ends_at=time(6))
    NotificationPreference.objects.create(
        user=person, kind="test.pref", channel=Channel.SMS, enabled=False
    )
    error = assert_error(client_for(person).put(API, payload, format="json"), status, code)
    text = f"{error['message']} {error['fields']}"
    for mention in mentions:
        assert mention in text
    kept = NotificationPreference.objects.filter(user=person).values_list("kind", "channel")
    assert list(kept) == [("test.pref", "sms")]
    quiet = QuietHours.objects.get(user=person)
    assert (quiet.enabled, quiet.starts_at, quiet.ends_at) == (True, time(23), time(6))


def test_anonymous_is_401(api):
    assert_error(api.get(API), 401, "not_authenticated")
    assert_error(api.put(API, body(), format="json"), 401, "not_authenticated")


def test_query_count_does_not_grow_with_the_number_of_types(
    person, client_for, django_assert_max_num_queries
):
    client = client_for(person)
    with django_assert_max_num_queries(20) as few:
        assert client.get(API).status_code == 200
    extra = [f"test.many_{index}" for index in range(30)]
    with thawed(notification_types):  # the extra types are gone afterwards
        for name in extra:
            notification_type_register(
                NotificationType(
                    name=name, channels=ALL, title=lambda ctx: "Many", body=lambda ctx: ""
                )
            )
            NotificationPreference.objects.create(
                user=person, kind=name, channel=Channel.SMS, enabled=False
            )
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(API)
        assert len(response.json()["types"]) >= 30
        payload = body([{"kind": name, "channels": {"sms": False}} for name in extra])
        with django_assert_max_num_queries(len(few.captured_queries) + 8):
            assert client.put(API, payload, format="json").status_code == 200


def test_payment_receipts_are_urgent_and_cannot_be_turned_off(person, client_for):
    client = client_for(person)
    by_kind = {entry["kind"]: entry for entry in client.get(API).json()["types"]}
    for kind in ("payment.succeeded", "payment.failed", "payment.refunded"):
        assert by_kind[kind]["urgent"] is True
        assert set(by_kind[kind]["channels"].values()) == {True}
    assert by_kind["scheduling.reminder"]["urgent"] is False
    payload = body([{"kind": "payment.succeeded", "channels": {"sms": False}}])
    assert_error(client.put(API, payload, format="json"), 400, "urgent_notification_types")
    # Sending them on (all true) is fine.
    payload = body([{"kind": "payment.succeeded", "channels": {"sms": True}}])
    assert client.put(API, payload, format="json").status_code == 200


def test_a_payment_receipt_goes_out_at_night(person, django_capture_on_commit_callbacks):
    QuietHours.objects.create(user=person, starts_at=time(22), ends_at=time(7))
    night = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    with (
        time_machine.travel(night, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        receipt = notification_send(
            recipient=person,
            kind="payment.succeeded",
            context={"amount": 5000, "currency": "XOF", "organization": "Salon Awa"},
            idempotency_key="receipt-1",
        )
        reminder = send(person, key="not-urgent")
    assert statuses(receipt)["sms"] == ("sent", "")
    assert statuses(reminder)["sms"] == ("queued", "quiet hours")
    assert SmsMessage.objects.get().body.startswith("Paiement reçu")


# --- The pipeline ----------------------------------------------------------------------------


def test_a_channel_turned_off_is_skipped_and_the_inbox_keeps_it(
    person, client_for, django_capture_on_commit_callbacks
):
    client = client_for(person)
    client.put(
        API,
        body([{"kind": "test.pref", "channels": {"email": False, "sms": False}}]),
        format="json",
    )
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(person)
    assert statuses(notification) == {
        "email": ("skipped", "disabled by user"),
        "sms": ("skipped", "disabled by user"),
        "push": ("sent", ""),
        "websocket": ("sent", ""),
    }
    assert mail.outbox == [] and SmsMessage.objects.count() == 0
    inbox = client.get("/api/v1/notifications/").json()["results"]
    assert [n["id"] for n in inbox] == [str(notification.pk)]


def test_a_notifications_channels_read_the_users_switches_once(
    person, django_capture_on_commit_callbacks
):
    # Four channels, one read of the preferences and one of the quiet hours between them.
    NotificationPreference.objects.create(
        user=person, kind="test.pref", channel=Channel.EMAIL, enabled=False
    )
    QuietHours.objects.create(user=person, starts_at=time(22), ends_at=time(7))
    with (
        time_machine.travel(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), tick=False),
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = send(person)
    assert statuses(notification) == {
        "email": ("skipped", "disabled by user"),
        "sms": ("sent", ""),
        "push": ("sent", ""),
        "websocket": ("sent", ""),
    }
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum('FROM "notifications_notificationpreference"' in q for q in sql) == 1
    assert sum('FROM "notifications_quiethours"' in q for q in sql) == 1


def test_a_channel_that_cannot_apply_is_skipped_without_reading_the_switches(
    make_user, django_capture_on_commit_callbacks
):
    # No phone: the SMS is skipped for that reason, even though it is also turned off.
    user = make_user("no-phone@example.com")
    NotificationPreference.objects.create(
        user=user, kind="test.pref", channel=Channel.SMS, enabled=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(user)
    assert statuses(notification)["sms"] == ("skipped", "no verified phone number")
    assert SmsMessage.objects.count() == 0


def test_urgent_types_ignore_preferences_and_quiet_hours(
    person, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(
        user=person, kind="test.pref_urgent", channel=Channel.SMS, enabled=False
    )
    QuietHours.objects.create(user=person, starts_at=time(0), ends_at=time(23, 59))
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    with (
        time_machine.travel(noon, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = send(person, kind="test.pref_urgent")
    assert {status for status, _error in statuses(notification).values()} == {"sent"}
    assert SmsMessage.objects.count() == 1


def test_quiet_hours_across_midnight_hold_sms_and_push_until_they_end(
    person, django_capture_on_commit_callbacks
):
    # 22:00–07:00 in Paris (UTC+1 in March): 23:30 there is 22:30 UTC.
    QuietHours.objects.create(
        user=person, starts_at=time(22), ends_at=time(7), time_zone="Europe/Paris"
    )
    night = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)
    end = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # 07:00 in Paris
    with time_machine.travel(night, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            notification = send(person)
        deliveries = NotificationDelivery.objects.filter(notification=notification)
        rows = {d.channel: d for d in deliveries}
        assert rows["email"].status == rows["websocket"].status == DeliveryStatus.SENT
        for channel in ("sms", "push"):
            assert rows[channel].status == DeliveryStatus.QUEUED
            assert rows[channel].next_attempt_at == end
            assert rows[channel].attempts == 0  # held back, not tried
        assert len(mail.outbox) == 1 and SmsMessage.objects.count() == 0
        clock.move_to(end - timedelta(minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert notification_deliveries_redeliver_stale.call_local() == 0
        clock.move_to(end)
        with django_capture_on_commit_callbacks(execute=True):
            assert notification_deliveries_redeliver_stale.call_local() == 2
    assert {status for status, _error in statuses(notification).values()} == {"sent"}
    assert SmsMessage.objects.count() == 1
    assert len(push_providers.get("sandbox").sent) == 1


def test_outside_quiet_hours_or_when_disabled_everything_goes_now(
    person, django_capture_on_commit_callbacks
):
    quiet = QuietHours.objects.create(user=person, starts_at=time(22), ends_at=time(7))
    with time_machine.travel(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            first = send(person, key="noon")
        quiet.starts_at = time(11)
        quiet.ends_at = time(13)
        quiet.enabled = False
        quiet.save()
        with django_capture_on_commit_callbacks(execute=True):
            second = send(person, key="disabled")
    for notification in (first, second):
        assert {status for status, _error in statuses(notification).values()} == {"sent"}


@pytest.mark.parametrize(
    ("local", "starts", "ends", "until"),
    [
        # Crossing midnight, in Dakar (UTC+0).
        ("2026-03-02 23:30", time(22), time(7), "2026-03-03 07:00"),
        ("2026-03-03 05:00", time(22), time(7), "2026-03-03 07:00"),
        ("2026-03-02 22:00", time(22), time(7), "2026-03-03 07:00"),
        ("2026-03-03 07:00", time(22), time(7), None),
        ("2026-03-02 12:00", time(22), time(7), None),
        # Within one day.
        ("2026-03-02 13:30", time(13), time(14), "2026-03-02 14:00"),
        ("2026-03-02 14:00", time(13), time(14), None),
        ("2026-03-02 12:59", time(13), time(14), None),
    ],
)
def test_quiet_until(local, starts, ends, until):
    moment = datetime.fromisoformat(local).replace(tzinfo=UTC)
    result = quiet_until(starts_at=starts, ends_at=ends, time_zone="Africa/Dakar", moment=moment)
    expected = None if until is None else datetime.fromisoformat(until).replace(tzinfo=UTC)
    assert result == expected


def test_quiet_until_reads_the_users_time_zone():
    # 06:30 UTC is 07:30 in Paris (winter): outside 22:00–07:00 there, inside it in Dakar.
    moment = datetime(2026, 1, 10, 6, 30, tzinfo=UTC)
    args = {"starts_at": time(22), "ends_at": time(7), "moment": moment}
    assert quiet_until(time_zone="Europe/Paris", **args) is None
    assert quiet_until(time_zone="Africa/Dakar", **args) == datetime(2026, 1, 10, 7, 0, tzinfo=UTC)
