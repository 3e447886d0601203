"""Helpers of the scheduling engine's tests, on top of the Booking product's factories
(a verified business whose resource is open Monday to Saturday, 9:00–18:00, with a
13:00–14:00 break)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from teranga.platform.organizations.tests.factories import user
from teranga.platform.scheduling.availability import SlotPolicy, free_slots
from teranga.platform.scheduling.models import Booking, BookingStatus, Resource
from teranga.products.booking.tests.factories import BusinessFactory, ResourceFactory, weekly_rules

ONE_HOUR = SlotPolicy(duration=timedelta(hours=1))
OFFERING = "test.offering:1"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def resource_with_rules(
    *,
    time_zone: str = "Africa/Dakar",
    country: str = "SN",
    rules: bool = True,
    branch=None,
    **organization_fields,
) -> Resource:
    """A resource of a new verified business; open Mon–Sat 9–18 (13–14 break) unless
    ``rules=False``."""
    organization = (
        branch.organization
        if branch is not None
        else BusinessFactory(time_zone=time_zone, country=country, **organization_fields)
    )
    resource = ResourceFactory(organization=organization, branch=branch)
    if rules:
        weekly_rules(resource)
    return resource


def occupy(
    resource: Resource,
    starts_at: datetime,
    *,
    minutes: int = 60,
    status: str = BookingStatus.CONFIRMED,
    offering: str = OFFERING,
    client=None,
    hold_expires_at: datetime | None = None,
    buffer_before: int = 0,
    buffer_after: int = 0,
    capacity: int = 1,
) -> Booking:
    """A booking row written directly (no checks): for setting up what a slot sees."""
    ends_at = starts_at + timedelta(minutes=minutes)
    return Booking.objects.create(
        organization=resource.organization,
        resource=resource,
        client=client,
        source="test",
        offering=offering,
        title="Test",
        starts_at=starts_at,
        ends_at=ends_at,
        occupied_from=starts_at - timedelta(minutes=buffer_before),
        occupied_until=ends_at + timedelta(minutes=buffer_after),
        capacity=capacity,
        time_zone=resource.organization.time_zone,
        status=status,
        hold_expires_at=hold_expires_at,
    )


def day_slots(
    resource: Resource,
    day: date,
    policy: SlotPolicy = ONE_HOUR,
    *,
    offering: str = OFFERING,
    now: datetime | None = None,
):
    """The free slots of one local date of the resource's organisation."""
    tz = ZoneInfo(resource.organization.time_zone)
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return free_slots(resource, policy, offering=offering, range_from=start, range_to=end, now=now)


def local_times(slots, time_zone: str = "Africa/Dakar") -> list[str]:
    """Slot starts as local "HH:MM" (the way a person reads them)."""
    tz = ZoneInfo(time_zone)
    return [s.starts_at.astimezone(tz).strftime("%H:%M") for s in slots]


def client(**extra):
    """A new user who books."""
    return user(**extra)
