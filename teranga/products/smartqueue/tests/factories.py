"""Factories of SmartQueue's catalogue (services, queues, counters, sessions)."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from teranga.platform.organizations.models import OrganizationKind
from teranga.platform.organizations.tests.factories import BranchFactory, OrganizationFactory
from teranga.products.smartqueue.models import (
    AgentSession,
    Counter,
    Queue,
    QueueKind,
    QueueService,
    ServiceCategory,
    Strategy,
)


class BankFactory(OrganizationFactory):
    kind = OrganizationKind.BANK
    name = factory.Sequence(lambda n: f"Banque {n}")
    slug = factory.Sequence(lambda n: f"banque-{n}")


class DakarBranchFactory(BranchFactory):
    organization = factory.SubFactory(BankFactory)
    name = factory.Sequence(lambda n: f"Agence {n}")
    latitude = Decimal("14.693400")  # Plateau, Dakar
    longitude = Decimal("-17.447900")
    commune = "Dakar-Plateau"


class QueueServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QueueService

    organization = factory.SubFactory(BankFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    category = ServiceCategory.BANKING
    average_service_minutes = 5


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue

    branch = factory.SubFactory(DakarBranchFactory)
    organization = factory.LazyAttribute(lambda q: q.branch.organization)
    service = factory.LazyAttribute(lambda q: QueueServiceFactory(organization=q.organization))
    name = factory.Sequence(lambda n: f"File {n}")
    kind = QueueKind.NORMAL
    prefix = factory.Sequence(lambda n: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 26])
    strategy = Strategy.FIFO
    is_open = True
    follows_hours = False


class CounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Counter
        skip_postgeneration_save = True

    branch = factory.SubFactory(DakarBranchFactory)
    organization = factory.LazyAttribute(lambda c: c.branch.organization)
    name = factory.Sequence(lambda n: f"Guichet {n}")
    strategy = Strategy.PRIORITY

    @factory.post_generation
    def queues(self, create, extracted, **kwargs):
        if create and extracted:
            self.queues.set(extracted)


def staff_counter(counter: Counter, agent) -> AgentSession:
    """Open ``agent``'s session on ``counter`` (no API round trip)."""
    return AgentSession.objects.create(
        organization_id=counter.organization_id,
        counter=counter,
        agent=agent,
        started_at=timezone.now(),
    )
