from __future__ import annotations

import itertools
from datetime import date, time

import factory
from django.utils import timezone

from conftest import create_user
from teranga.platform.organizations.models import (
    Branch,
    Closure,
    Membership,
    OpeningHours,
    Organization,
    OrganizationKind,
    Role,
    VerificationStatus,
)

_seq = itertools.count(1)


def user(email: str | None = None, **extra):
    return create_user(email or f"user{next(_seq)}@example.test", **extra)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.BUSINESS
    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    city = "Dakar"
    verification_status = VerificationStatus.VERIFIED
    verified_at = factory.LazyFunction(timezone.now)


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Branch {n}")


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    branch = factory.SubFactory(BranchFactory)
    weekday = 0
    opens_at = time(8)
    closes_at = time(17)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    organization = factory.SubFactory(OrganizationFactory)
    starts_on = date(2026, 12, 24)
    ends_on = date(2026, 12, 26)


def member(organization: Organization, role: str = Role.MEMBER, **user_extra):
    """A new user with ``role`` in ``organization``; returns the user."""
    person = user(**user_extra)
    Membership.objects.create(organization=organization, user=person, role=role)
    return person


def organization_with_owner(**fields):
    """(organization, owner)."""
    organization = OrganizationFactory(**fields)
    return organization, member(organization, Role.OWNER)
