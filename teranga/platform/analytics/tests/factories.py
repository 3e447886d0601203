from __future__ import annotations

import factory

from teranga.platform.analytics.models import Site
from teranga.platform.organizations.tests.factories import OrganizationFactory


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    domains = factory.LazyFunction(lambda: ["example.test"])
    public_id = factory.Sequence(lambda n: f"site{n:012d}")
