"""A small world for the travel and notice tests (cheaper than ``bank``): a verified
bank with a branch at the Plateau, one open FIFO queue (notify 3 ahead, 5 min margin)
and a staffed counter; clients are made on demand."""

from __future__ import annotations

from decimal import Decimal
from itertools import count
from types import SimpleNamespace

from conftest import create_user
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import member
from teranga.products.smartqueue.models import QueueKind, Strategy
from teranga.products.smartqueue.services import tickets
from teranga.products.smartqueue.tests.factories import (
    BankFactory,
    CounterFactory,
    DakarBranchFactory,
    QueueFactory,
    QueueServiceFactory,
    staff_counter,
)

PLATEAU = (Decimal("14.693400"), Decimal("-17.447900"))  # the branch
_seq = count(1)


def make_client(*, language: str = "fr", phone: bool = True):
    n = next(_seq)
    extra = {"phone": f"+22177{n:07d}", "phone_verified": True} if phone else {}
    return create_user(f"client{n}@example.test", language=language, **extra)


def build_world() -> SimpleNamespace:
    org = BankFactory(name="Banque Teranga", slug="banque-teranga-travel")
    branch = DakarBranchFactory(
        organization=org, name="Agence Plateau", latitude=PLATEAU[0], longitude=PLATEAU[1]
    )
    service = QueueServiceFactory(organization=org, name="Opérations", average_service_minutes=5)
    queue = QueueFactory(
        organization=org,
        branch=branch,
        service=service,
        name="Guichet",
        prefix="A",
        kind=QueueKind.NORMAL,
        strategy=Strategy.FIFO,
        notify_ahead=3,
        leave_now_margin_minutes=5,
    )
    counter = CounterFactory(organization=org, branch=branch, name="Guichet 3", queues=[queue])
    agent = member(org, Role.AGENT, first_name="Awa")
    staff_counter(counter, agent)
    return SimpleNamespace(
        org=org, branch=branch, service=service, queue=queue, counter=counter, agent=agent
    )


def take(world, user=None, *, phone: str = "", channel: str = "mobile", language: str = "fr"):
    return tickets.ticket_issue(
        queue=world.queue, channel=channel, user=user, phone=phone, language=language
    )
