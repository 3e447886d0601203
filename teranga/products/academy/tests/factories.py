"""Factories of the Academy: academies (French, in EUR), formations, sessions, and
enrolments written straight to the database (for tests of what comes after a payment:
attendance, reminders, completion). Tests of the payment itself go through the API."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from teranga.platform.organizations.models import OrganizationKind
from teranga.platform.organizations.tests.factories import OrganizationFactory
from teranga.products.academy.models import (
    Enrolment,
    EnrolmentStatus,
    Formation,
    Level,
    Platform,
    Session,
)


class AcademyFactory(OrganizationFactory):
    kind = OrganizationKind.ACADEMY
    name = factory.Sequence(lambda n: f"Académie {n}")
    slug = factory.Sequence(lambda n: f"academie-{n}")
    country = "FR"
    city = "Paris"
    currency = "EUR"
    time_zone = "Europe/Paris"


class FormationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Formation

    organization = factory.SubFactory(AcademyFactory)
    title = factory.Sequence(lambda n: f"Formation {n}")
    level = Level.BEGINNER
    price_amount = 49_900
    currency = "EUR"
    platform = Platform.ZOOM
    meeting_url = "https://zoom.us/j/123456789"
    is_published = True


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    formation = factory.SubFactory(FormationFactory)
    organization = factory.LazyAttribute(lambda s: s.formation.organization)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(minutes=90))


def enrolled(user, formation, status=EnrolmentStatus.ACTIVE) -> Enrolment:
    return Enrolment.objects.create(
        organization=formation.organization,
        formation=formation,
        user=user,
        status=status,
        amount=formation.price_amount,
        currency=formation.currency,
        activated_at=timezone.now() if status == EnrolmentStatus.ACTIVE else None,
    )
