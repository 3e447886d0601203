"""Factories and helpers of the scheduling engine's tests: a verified business whose
resource is open Monday to Saturday, 9:00–18:00, with a 13:00–14:00 break. The products'
factories build on these (the platform never imports a product, tests included)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import factory

from teranga.platform.organizations.models import Organization, OrganizationKind
from teranga.platform.organizations.tests.factories import OrganizationFactory, user
from teranga.platform.scheduling.availability import SlotPolicy, free_slots
from teranga.platform.scheduling.models import AvailabilityRule, Booking, BookingStatus, Resource


class BusinessFactory(OrganizationFactory):
    kind = OrganizationKind.BUSINESS


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    organization = factory.SubFactory(BusinessFactory)
    name = factory.Sequence(lambda n: f"Resource {n}")


def weekly_rules(
    resource: Resource,
    weekdays=range(6),
    starts_at: time = time(9),
    ends_at: time = time(18),
    break_start: time | None = time(13),
    break_end: time | None = time(14),
) -> list[AvailabilityRule]:
    return AvailabilityRule.objects.bulk_create(
        [
            AvailabilityRule(
                organization=resource.organization,
                resource=resource,
                weekday=day,
                starts_at=starts_at,
                ends_at=ends_at,
                break_start=break_start,
                break_end=break_end,
            )
            for day in weekdays
        ]
    )


_offerings = itertools.count(1)


@dataclass
class Offering:
    """What a product offers, as the engine sees it: a resource, a key and a policy."""

    organization: Organization
    resource: Resource
    name: str
    offering_key: str
    policy: SlotPolicy

    @property
    def organization_id(self):
        return self.organization.pk

    def slot_policy(self) -> SlotPolicy:
        return self.policy


def offering(
    *, organization: Organization | None = None, name: str | None = None, minutes: int = 60
) -> Offering:
    """A one-hour offering on a new resource open Mon–Sat 9–18 (13–14 break), with a one
    hour minimum notice and 90 days of advance, like a typical booked service."""
    organization = organization or BusinessFactory()
    number = next(_offerings)
    name = name or f"Offering {number}"
    resource = ResourceFactory(organization=organization, name=name)
    weekly_rules(resource)
    return Offering(
        organization=organization,
        resource=resource,
        name=name,
        offering_key=f"test.offering:{number}",
        policy=SlotPolicy(
            duration=timedelta(minutes=minutes),
            min_notice=timedelta(hours=1),
            max_advance=timedelta(days=90),
        ),
    )


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
