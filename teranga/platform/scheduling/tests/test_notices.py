"""What the engine tells people: booking notices reach the client and the business (the
staff member who is the resource, else owners, admins and managers), in each one's
language, with local times, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from teranga.platform.notifications.models import Channel, DeliveryStatus, Notification
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.organizations.tests.factories import member, user
from teranga.platform.scheduling import notices, services
from teranga.platform.scheduling.models import AvailabilityRule, BookingStatus
from teranga.platform.scheduling.tests.factories import BusinessFactory, offering

from .factories import utc

pytestmark = pytest.mark.django_db

NOW = utc(2026, 3, 1, 8)  # Sunday 1 March 2026, 08:00 in Dakar (UTC+0)
MONDAY_10 = utc(2026, 3, 2, 10)
TUESDAY_11 = utc(2026, 3, 3, 11)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def business():
    """A service ("Coupe homme") of a business with one member per role."""
    organization = BusinessFactory(name="Salon Teranga")
    service = offering(organization=organization, name="Coupe homme")
    people = {role: member(organization, role) for role in Role.values}
    return service, people


def book(service, who, starts_at=MONDAY_10, **extra):
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


def told(kind=None) -> dict:
    """recipient email -> notification, for one kind."""
    rows = Notification.objects.select_related("recipient")
    if kind:
        rows = rows.filter(kind=kind)
    return {n.recipient.email: n for n in rows}


def test_created_reaches_the_client_and_the_managers(business, django_capture_on_commit_callbacks):
    service, people = business
    client = user(first_name="Awa", last_name="Diop")
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(service, client)
    notified = told("scheduling.created")
    expected = {client.email, *(people[r].email for r in (Role.OWNER, Role.ADMIN, Role.MANAGER))}
    assert set(notified) == expected  # agents and members are not told
    to_client = notified[client.email]
    assert to_client.title == "Réservation confirmée"
    assert "Coupe homme" in to_client.body and "Salon Teranga" in to_client.body
    assert "lundi 2 mars 2026" in to_client.body and "10:00" in to_client.body  # French
    assert to_client.data["audience"] == "client"
    assert to_client.data["booking_id"] == str(booking.pk)
    to_owner = notified[people[Role.OWNER].email]
    assert to_owner.title == "Nouvelle réservation"
    assert "Awa Diop" in to_owner.body
    assert to_owner.data["audience"] == "business"
    # Clients may get SMS, staff never do; both get email and the live socket.
    assert set(to_client.deliveries.values_list("channel", flat=True)) == {
        Channel.EMAIL,
        Channel.SMS,
        Channel.PUSH,
        Channel.WEBSOCKET,
    }
    assert set(to_owner.deliveries.values_list("channel", flat=True)) == {
        Channel.EMAIL,
        Channel.WEBSOCKET,
    }
    assert sorted(e.to[0] for e in mail.outbox) == sorted(expected)
    assert not to_client.deliveries.filter(status=DeliveryStatus.QUEUED).exists()


def test_the_staff_member_who_is_the_resource_is_told_instead(business):
    service, people = business
    staff = people[Role.AGENT]
    service.resource.user = staff
    service.resource.save()
    client = user()
    book(service, client)
    assert set(told("scheduling.created")) == {client.email, staff.email}


def test_texts_in_the_recipients_language_and_the_bookings_time_zone():
    organization = BusinessFactory(name="Atelier Paris", time_zone="Europe/Paris", country="FR")
    service = offering(organization=organization, name="Massage")
    owner = member(organization, Role.OWNER, language="wo")
    client = user(language="en")
    book(service, client, starts_at=MONDAY_10)  # 11:00 in Paris (UTC+1 in March)
    to_client = told()[client.email]
    assert to_client.title == "Booking confirmed"
    assert "Monday, March 2, 2026" in to_client.body and "11:00" in to_client.body
    assert to_client.language == "en"
    to_owner = told()[owner.email]
    assert to_owner.language == "wo"
    assert "11:00" in to_owner.body and "2026" in to_owner.body


def test_pending_then_confirmed(business):
    service, people = business
    client = user()
    booking = book(service, client, confirm=False)
    created = told("scheduling.created")
    assert created[client.email].title == "Demande de réservation reçue"
    assert "attend votre confirmation" in created[people[Role.OWNER].email].body
    services.booking_confirm(booking_id=booking.pk, actor=people[Role.OWNER])
    assert told("scheduling.confirmed")[client.email].title == "Réservation confirmée"


def test_a_hold_is_announced_only_once_confirmed(business):
    service, _people = business
    client = user()
    booking = book(service, client, hold=True)
    assert Notification.objects.count() == 0
    services.booking_confirm(booking_id=booking.pk)
    assert set(told()) >= {client.email}
    assert set(Notification.objects.values_list("kind", flat=True)) == {"scheduling.confirmed"}


def test_cancelled_by_the_business_with_its_reason(business):
    service, people = business
    client = user()
    booking = book(service, client)
    services.booking_cancel(
        booking_id=booking.pk, by_client=False, actor=people[Role.OWNER], reason="Salon fermé"
    )
    notified = told("scheduling.cancelled")
    assert set(notified) == {
        client.email,
        *(people[r].email for r in (Role.OWNER, Role.ADMIN, Role.MANAGER)),
    }
    to_client = notified[client.email]
    assert to_client.title == "Réservation annulée"
    assert "Salon Teranga a annulé votre réservation" in to_client.body
    assert "Salon fermé" in to_client.body
    assert to_client.data["reason"] == "Salon fermé"
    assert to_client.data["status"] == BookingStatus.CANCELLED_BY_BUSINESS


def test_cancelled_by_the_client(business):
    service, people = business
    client = user(first_name="Moussa")
    booking = book(service, client)
    services.booking_cancel(booking_id=booking.pk, by_client=True, actor=client)
    to_owner = told("scheduling.cancelled")[people[Role.OWNER].email]
    assert "a été annulée par Moussa" in to_owner.body


def test_rescheduled_names_both_times(business):
    service, people = business
    client = user()
    booking = book(service, client)
    services.booking_reschedule(
        booking_id=booking.pk,
        starts_at=TUESDAY_11,
        policy=service.slot_policy(),
        by_client=True,
        actor=client,
    )
    to_client = told("scheduling.rescheduled")[client.email]
    assert "lundi 2 mars 2026" in to_client.body and "mardi 3 mars 2026" in to_client.body
    # Moving back and forth is told every time.
    services.booking_reschedule(
        booking_id=booking.pk, starts_at=MONDAY_10, policy=service.slot_policy(), by_client=False
    )
    services.booking_reschedule(
        booking_id=booking.pk, starts_at=TUESDAY_11, policy=service.slot_policy(), by_client=False
    )
    assert Notification.objects.filter(kind="scheduling.rescheduled", recipient=client).count() == 3


def test_needs_attention_goes_to_the_business_only(business):
    service, people = business
    client = user()
    book(service, client)
    services.rule_delete(
        organization=service.organization,
        rule_id=AvailabilityRule.objects.get(resource=service.resource, weekday=0).pk,
    )
    notified = told("scheduling.needs_attention")
    assert set(notified) == {people[r].email for r in (Role.OWNER, Role.ADMIN, Role.MANAGER)}
    assert "en dehors des disponibilités" in notified[people[Role.OWNER].email].body


def test_announcing_again_tells_nobody_twice(business):
    service, _people = business
    client = user()
    booking = book(service, client)
    before = Notification.objects.count()
    notices.announce(booking, "created")
    notices.announce(booking, "created")
    assert Notification.objects.count() == before == 4


def test_an_owner_booking_their_own_service_is_told_once(business):
    service, people = business
    owner = people[Role.OWNER]
    book(service, owner)
    mine = Notification.objects.filter(recipient=owner)
    assert mine.count() == 1
    assert mine.get().data["audience"] == "client"


def test_inactive_staff_are_not_told(business):
    service, people = business
    manager = people[Role.MANAGER]
    manager.is_active = False
    manager.save()
    Membership.objects.filter(user=people[Role.ADMIN]).delete()
    client = user()
    book(service, client)
    assert set(told("scheduling.created")) == {client.email, people[Role.OWNER].email}


def test_unknown_event_is_a_bug(business):
    service, _people = business
    booking = book(service, user())
    with pytest.raises(ValueError):
        notices.announce(booking, "exploded")


def test_format_when():
    from django.utils import translation

    with translation.override("fr"):
        assert notices.format_when("2026-03-02T10:00:00Z", "Africa/Dakar") == (
            "lundi 2 mars 2026, 10:00"
        )
    with translation.override("en"):
        assert "Monday, March 2, 2026" in notices.format_when(
            utc(2026, 3, 2, 10) + timedelta(0), "Africa/Dakar"
        )
    assert notices.format_when(None, "Africa/Dakar") == ""
