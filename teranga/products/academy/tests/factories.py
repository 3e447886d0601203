"""Factories of the Academy: academies (French, in EUR), formations, sessions, and
enrolments and signal subscriptions written straight to the database (for tests of what
comes after a payment: attendance, reminders, completion, signals). Tests of the payment
itself go through the API."""

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
    SignalPlan,
    SignalSubscription,
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


class SignalPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignalPlan

    organization = factory.SubFactory(AcademyFactory)
    name = factory.Sequence(lambda n: f"Signaux {n}")
    price_amount = 4_900
    currency = "EUR"
    duration_days = 30


def subscribed(user, organization, *, days: int = 30, plan=None) -> SignalSubscription:
    """``user`` subscribed to the academy's signals from now for ``days`` (written straight
    to the database, for tests of what a subscriber gets; buying a plan goes through the
    API in ``test_signal_plans``)."""
    plan = plan or SignalPlanFactory(organization=organization, duration_days=days)
    now = timezone.now()
    subscription, _created = SignalSubscription.objects.update_or_create(
        organization=organization,
        user=user,
        defaults={"plan": plan, "starts_at": now, "ends_at": now + timedelta(days=days)},
    )
    return subscription
