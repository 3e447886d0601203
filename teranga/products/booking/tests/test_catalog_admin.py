"""The admin of the Booking catalogue and of the scheduling engine, with data in it: every
changelist (with its filters and search) and every change page loads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from conftest import create_user
from teranga.platform.scheduling import services as scheduling
from teranga.platform.scheduling.models import (
    AvailabilityOverride,
    Booking,
    BookingEvent,
    BookingReminder,
    BookingStatus,
    OverrideKind,
)
from teranga.products.booking.models import Reservation, ServiceImage, Tag

from .factories import ServiceFactory, business_with_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(create_user("admin@example.com", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def data():
    business, owner = business_with_owner(name="Salon Dakar")
    service = ServiceFactory(organization=business)
    service.tags.add(Tag.objects.create(slug="coupe", name="Coupe"))
    image = ServiceImage.objects.create(service=service, image="booking/x.png")
    starts = datetime(2030, 1, 7, 10, tzinfo=UTC)
    booking = Booking.objects.create(
        organization=business,
        resource=service.resource,
        client=owner,
        source="booking",
        offering=service.offering_key,
        title=service.name,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        occupied_from=starts,
        occupied_until=starts + timedelta(hours=1),
        status=BookingStatus.CONFIRMED,
    )
    BookingEvent.objects.create(booking=booking, action="created", to_status=booking.status)
    BookingReminder.objects.create(booking=booking, offset_minutes=60, starts_at=starts)
    reservation = Reservation.objects.create(
        booking=booking, organization=business, service=service, price_amount=5000, currency="XOF"
    )
    override = AvailabilityOverride.objects.create(
        organization=business,
        resource=service.resource,
        date=date(2030, 1, 1),
        kind=OverrideKind.UNAVAILABLE,
    )
    feed, _token = scheduling.calendar_feed_create(owner=owner, organization=business)
    return {
        "booking_service": service,
        "booking_servicecategory": service.category,
        "booking_tag": service.tags.get(),
        "booking_reservation": reservation,
        "scheduling_resource": service.resource,
        "scheduling_availabilityoverride": override,
        "scheduling_booking": booking,
        "scheduling_bookingreminder": booking.reminders.get(),
        "scheduling_calendarfeed": feed,
        "image": image,
    }


MODELS = [
    "booking_service",
    "booking_servicecategory",
    "booking_tag",
    "booking_reservation",
    "scheduling_resource",
    "scheduling_availabilityoverride",
    "scheduling_booking",
    "scheduling_bookingreminder",
    "scheduling_calendarfeed",
]


@pytest.mark.parametrize("name", MODELS)
def test_changelist_and_change_pages_load(staff_client, data, name):
    changelist = reverse(f"admin:{name}_changelist")
    response = staff_client.get(changelist)
    assert response.status_code == 200
    assert staff_client.get(changelist, {"q": "dakar"}).status_code == 200
    change = reverse(f"admin:{name}_change", args=[data[name].pk])
    assert staff_client.get(change).status_code == 200


def test_bookings_are_read_only(staff_client, data):
    booking = data["scheduling_booking"]
    assert staff_client.get(reverse("admin:scheduling_booking_add")).status_code == 403
    response = staff_client.get(reverse("admin:scheduling_booking_change", args=[booking.pk]))
    assert b'name="status"' not in response.content  # shown, not editable
    response = staff_client.get(
        reverse("admin:scheduling_booking_changelist"),
        {"status__exact": "confirmed", "needs_attention__exact": "0", "source": "booking"},
    )
    assert response.status_code == 200
    response = staff_client.get(
        reverse("admin:scheduling_calendarfeed_change", args=[data["scheduling_calendarfeed"].pk])
    )
    assert data["scheduling_calendarfeed"].token_hash.encode() in response.content
    assert b'name="token_hash"' not in response.content


def test_reservation_filters(staff_client, data):
    response = staff_client.get(
        reverse("admin:booking_reservation_changelist"), {"booking__status": "confirmed"}
    )
    assert response.status_code == 200
    assert str(data["booking_service"]).encode() in response.content
