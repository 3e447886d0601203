"""Factories of the Booking product: a verified business with a service whose resource
is open Monday to Saturday, 9:00–18:00 with a lunch break, unless told otherwise."""

from __future__ import annotations

import factory

from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import member
from teranga.platform.scheduling.tests.factories import (  # noqa: F401  (re-exported)
    BusinessFactory,
    ResourceFactory,
    weekly_rules,
)
from teranga.products.booking.models import PaymentMode, Service, ServiceCategory


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
    # get_or_create: a transactional test flushes the categories the migration loaded.
    category = factory.LazyFunction(
        lambda: ServiceCategory.objects.get_or_create(
            slug="beaute-coiffure", defaults={"name": "Beauté et coiffure"}
        )[0]
    )
    price_amount = 5000
    currency = factory.LazyAttribute(lambda o: o.organization.currency)
    # As the API decides without a mode: a priced service is paid online, a free one on
    # site (``PaymentMode.ON_SITE`` for a priced service paid at the counter).
    payment_mode = factory.LazyAttribute(
        lambda o: PaymentMode.ONLINE_FULL if o.price_amount else PaymentMode.ON_SITE
    )
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
