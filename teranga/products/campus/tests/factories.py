"""Factories of Campus: organisers (a university, a club of it), events, ticket types,
and paid tickets written straight to the database (for tests of what comes after a
sale: check-in, analytics). Tests of the sale itself go through the API."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.db.models import F
from django.utils import timezone

from teranga.core.codes import random_code
from teranga.platform.organizations.models import OrganizationKind
from teranga.platform.organizations.tests.factories import OrganizationFactory
from teranga.products.campus.models import (
    CampusOrganizer,
    Event,
    EventCategory,
    EventStatus,
    EventVisibility,
    Order,
    OrderLine,
    OrderStatus,
    SharedQuota,
    StudentProfile,
    Ticket,
    TicketKind,
    TicketType,
)


class UniversityFactory(OrganizationFactory):
    kind = OrganizationKind.UNIVERSITY
    name = factory.Sequence(lambda n: f"Université {n}")
    slug = factory.Sequence(lambda n: f"universite-{n}")


class ClubFactory(OrganizationFactory):
    kind = OrganizationKind.CLUB
    name = factory.Sequence(lambda n: f"Club {n}")
    slug = factory.Sequence(lambda n: f"club-{n}")


def club_of(university, **fields):
    """A club that belongs to ``university``."""
    club = ClubFactory(**fields)
    CampusOrganizer.objects.create(organization=club, university=university)
    return club


def student_of(user, university):
    profile, _ = StudentProfile.objects.update_or_create(
        user=user, defaults={"university": university}
    )
    return profile


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    organization = factory.SubFactory(UniversityFactory)
    university = factory.LazyAttribute(
        lambda e: e.organization if e.organization.kind == OrganizationKind.UNIVERSITY else None
    )
    title = factory.Sequence(lambda n: f"Événement {n}")
    category = EventCategory.CONFERENCE
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=2))
    visibility = EventVisibility.PUBLIC
    status = EventStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    latitude = 14.6928  # UCAD, Dakar
    longitude = -17.4467
    address = "Université Cheikh Anta Diop, Dakar"


class TicketTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketType

    event = factory.SubFactory(EventFactory)
    organization = factory.LazyAttribute(lambda t: t.event.organization)
    name = factory.Sequence(lambda n: f"Billet {n}")
    kind = TicketKind.PAID
    price = 2000
    currency = "XOF"
    quota = 100


def issued_ticket(ticket_type: TicketType, holder, *, price: int | None = None) -> Ticket:
    """A paid order of one seat and its ticket, written directly (counters included:
    the type's, its shared quotas' and the event's)."""
    event = ticket_type.event
    unit = ticket_type.price if price is None else price
    order = Order.objects.create(
        organization=event.organization,
        event=event,
        buyer=holder,
        status=OrderStatus.PAID,
        total=unit,
        currency=ticket_type.currency,
        paid_at=timezone.now(),
    )
    OrderLine.objects.create(order=order, ticket_type=ticket_type, quantity=1, unit_price=unit)
    SharedQuota.objects.filter(ticket_types=ticket_type).update(taken=F("taken") + 1)
    TicketType.objects.filter(pk=ticket_type.pk).update(taken=F("taken") + 1, sold=F("sold") + 1)
    Event.objects.filter(pk=event.pk).update(
        taken=F("taken") + 1,
        sold_count=F("sold_count") + 1,
    )
    return Ticket.objects.create(
        organization=event.organization,
        event=event,
        order=order,
        ticket_type=ticket_type,
        holder=holder,
        code=random_code(length=20),
        price=unit,
    )
