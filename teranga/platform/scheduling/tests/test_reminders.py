"""Reminders 24 h and 1 h before a booking: sent once each, whatever the number of runs,
retries or restarts; a booking made less than 24 h ahead only gets the 1 h one; a
rescheduled booking is reminded again for its new time."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from teranga.platform.notifications.models import Notification
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import member, user
from teranga.platform.scheduling import reminders, services
from teranga.platform.scheduling.models import BookingReminder
from teranga.platform.scheduling.tasks import reminders_send_periodic
from teranga.platform.scheduling.tests.factories import offering

from .factories import utc

pytestmark = pytest.mark.django_db

SUNDAY_8 = utc(2026, 3, 1, 8)
TUESDAY_10 = utc(2026, 3, 3, 10)
WEDNESDAY_10 = utc(2026, 3, 4, 10)


@pytest.fixture
def service():
    service = offering(name="Coupe")
    member(service.organization, Role.OWNER)
    return service


def book(service, who, starts_at, *, at, **extra):
    with time_machine.travel(at, tick=False):
        return services.booking_create(
            resource=service.resource,
            client=who,
            source="test",
            offering=service.offering_key,
            title=service.name,
            starts_at=starts_at,
            policy=service.slot_policy(),
            **extra,
        )


def run_at(moment) -> int:
    with time_machine.travel(moment, tick=False):
        return reminders_send_periodic.call_local()


def reminders_of(client) -> list[int]:
    return sorted(
        n.data["offset_minutes"]
        for n in Notification.objects.filter(recipient=client, kind="scheduling.reminder")
    )


def test_24h_and_1h_reminders_are_sent_once_each(service):
    client = user()
    booking = book(service, client, TUESDAY_10, at=SUNDAY_8)
    assert run_at(TUESDAY_10 - timedelta(hours=25)) == 0  # not yet
    assert run_at(TUESDAY_10 - timedelta(hours=24)) == 1
    assert run_at(TUESDAY_10 - timedelta(hours=24)) == 0  # the same minute again
    assert run_at(TUESDAY_10 - timedelta(hours=20)) == 0  # later runs
    assert reminders_of(client) == [24 * 60]
    assert run_at(TUESDAY_10 - timedelta(minutes=59)) == 1
    assert run_at(TUESDAY_10 - timedelta(minutes=30)) == 0
    assert run_at(TUESDAY_10 + timedelta(minutes=5)) == 0  # started: nothing more
    assert reminders_of(client) == [60, 24 * 60]
    assert BookingReminder.objects.filter(booking=booking).count() == 2
    owner_reminders = Notification.objects.filter(kind="scheduling.reminder").exclude(
        recipient=client
    )
    assert owner_reminders.count() == 2  # the business is reminded too
    to_client = Notification.objects.filter(recipient=client, kind="scheduling.reminder")
    texts = {n.data["offset_minutes"]: n.body for n in to_client}
    assert "24 heures" in texts[24 * 60] and "1 heure" in texts[60]  # French by default
    assert "Coupe" in texts[60] and "mardi 3 mars 2026" in texts[60]


def test_delivered_once_after_commit(service, django_capture_on_commit_callbacks):
    client = user()
    book(service, client, TUESDAY_10, at=SUNDAY_8)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_at(TUESDAY_10 - timedelta(hours=23))
    with django_capture_on_commit_callbacks(execute=True):
        run_at(TUESDAY_10 - timedelta(hours=22))
    assert sorted(e.to[0] for e in mail.outbox) == sorted(
        [client.email, service.organization.memberships.get().user.email]
    )


def test_a_booking_made_3h_ahead_only_gets_the_1h_reminder(service):
    client = user()
    starts_at = TUESDAY_10
    book(service, client, starts_at, at=starts_at - timedelta(hours=3))
    assert run_at(starts_at - timedelta(hours=2, minutes=59)) == 0
    assert run_at(starts_at - timedelta(hours=1)) == 1
    assert run_at(starts_at - timedelta(minutes=10)) == 0
    assert reminders_of(client) == [60]


def test_a_late_run_skips_the_24h_reminder_once_the_1h_one_is_due(service):
    client = user()
    book(service, client, TUESDAY_10, at=SUNDAY_8)
    assert run_at(TUESDAY_10 - timedelta(minutes=40)) == 1  # the scheduler was down
    assert reminders_of(client) == [60]


def test_a_rescheduled_booking_is_reminded_again(service):
    client = user()
    booking = book(service, client, TUESDAY_10, at=SUNDAY_8)
    assert run_at(TUESDAY_10 - timedelta(hours=23)) == 1
    with time_machine.travel(TUESDAY_10 - timedelta(hours=22), tick=False):
        services.booking_reschedule(
            booking_id=booking.pk,
            starts_at=WEDNESDAY_10,
            policy=service.slot_policy(),
            by_client=False,
        )
    assert run_at(TUESDAY_10 - timedelta(hours=21)) == 0  # 24 h before Wednesday is later
    assert run_at(WEDNESDAY_10 - timedelta(hours=24)) == 1
    assert run_at(WEDNESDAY_10 - timedelta(hours=24)) == 0
    assert run_at(WEDNESDAY_10 - timedelta(hours=1)) == 1
    assert reminders_of(client) == [60, 24 * 60, 24 * 60]
    assert set(BookingReminder.objects.values_list("starts_at", "offset_minutes")) == {
        (TUESDAY_10, 24 * 60),
        (WEDNESDAY_10, 24 * 60),
        (WEDNESDAY_10, 60),
    }


def test_only_confirmed_bookings_are_reminded(service):
    pending = book(service, user(), TUESDAY_10, at=SUNDAY_8, confirm=False)
    cancelled = book(service, user(), TUESDAY_10 + timedelta(hours=1), at=SUNDAY_8)
    with time_machine.travel(SUNDAY_8, tick=False):
        services.booking_cancel(booking_id=cancelled.pk, by_client=False)
    assert run_at(TUESDAY_10 - timedelta(hours=23)) == 0
    assert not BookingReminder.objects.exists()
    assert not Notification.objects.filter(kind="scheduling.reminder").exists()
    assert pending.status == "pending"


def test_a_recorded_reminder_is_never_sent_again(service):
    """After a restart the row is what remembers: a second worker, or a retry of the same
    run, sends nothing."""
    client = user()
    booking = book(service, client, TUESDAY_10, at=SUNDAY_8)
    BookingReminder.objects.create(booking=booking, offset_minutes=24 * 60, starts_at=TUESDAY_10)
    assert run_at(TUESDAY_10 - timedelta(hours=23)) == 0
    with time_machine.travel(TUESDAY_10 - timedelta(hours=23), tick=False):
        assert (
            reminders.reminder_send(
                booking_id=booking.pk, offset_minutes=24 * 60, starts_at=TUESDAY_10
            )
            is False
        )
        # A stale due list (the booking moved meanwhile) sends nothing either.
        assert (
            reminders.reminder_send(
                booking_id=booking.pk, offset_minutes=60, starts_at=WEDNESDAY_10
            )
            is False
        )
    assert reminders_of(client) == []


def test_due_bookings_are_found_in_one_query(service, django_assert_num_queries):
    for hours in (0, 1, 6, 24, 48):  # Tuesday 10:00, 11:00, 16:00, Wednesday, Thursday
        book(service, user(), TUESDAY_10 + timedelta(hours=hours), at=SUNDAY_8)
    with (
        time_machine.travel(TUESDAY_10 - timedelta(hours=23), tick=False),
        django_assert_num_queries(1),
    ):
        due = reminders.reminders_due()
    assert [b.due_offset for b in due] == [24 * 60, 24 * 60]
