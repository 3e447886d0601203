"""Factories of the Booking product: a verified business with a service whose resource
is open Monday to Saturday, 9:00–18:00 with a lunch break, unless told otherwise."""

from __future__ import annotations

from datetime import time

import factory

from teranga.platform.organizations.models import OrganizationKind, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member
from teranga.platform.scheduling.models import AvailabilityRule, Resource
from teranga.products.booking.models import Service, ServiceCategory


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


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    organization = factory.SubFactory(BusinessFactory)
    resource = factory.LazyAttribute(
        lambda o: ResourceFactory(organization=o.organization, name=o.name)
    )
    name = factory.Sequence(lambda n: f"Service {n}")
    description = "Un service de démonstration."
    category = factory.LazyFunction(lambda: ServiceCategory.objects.get(slug="beaute-coiffure"))
    price_amount = 5000
    currency = factory.LazyAttribute(lambda o: o.organization.currency)
    duration_minutes = 60
    min_notice_minutes = 60
    max_advance_days = 90

    @factory.post_generation
    def rules(obj, create, extracted, **kwargs):
        """``ServiceFactory(rules=False)`` leaves the resource without availability."""
        if create and extracted is not False:
            weekly_rules(obj.resource)


def business_with_owner(**fields):
    """(business, owner)."""
    business = BusinessFactory(**fields)
    return business, member(business, Role.OWNER)
