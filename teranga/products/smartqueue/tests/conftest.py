"""A bank branch with two queues and two staffed counters, people in every role, and
another bank (for cross-tenant probes)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conftest import authed_client, create_user
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.organizations.tests.factories import member
from teranga.products.smartqueue.models import QueueKind, Strategy
from teranga.products.smartqueue.tests.factories import (
    BankFactory,
    CounterFactory,
    DakarBranchFactory,
    QueueFactory,
    QueueServiceFactory,
    staff_counter,
)


class LoggedInClients(dict):
    """``clients["alice"]``: an API client logged in as that user, on first use (a real
    login costs a request; most tests use two or three of the roles)."""

    def __init__(self, users):
        super().__init__()
        self.users = users

    def __missing__(self, name):
        client = self[name] = authed_client(self.users[name])
        return client


@pytest.fixture
def bank(db):
    """``bank.org``, ``.branch``, ``.service``, queues ``.normal`` (A, FIFO) and
    ``.priority`` (P), counters ``.counter1`` (agent1) and ``.counter2`` (agent2) serving
    both, users (owner, manager, agent1, agent2, plain member, clients alice and bob,
    platform staff, the other bank's owner) and a logged-in API client per user
    (``bank.api["alice"]``); ``bank.other`` is another bank with its own queue."""
    org = BankFactory(name="Banque Teranga", slug="banque-teranga")
    branch = DakarBranchFactory(organization=org, name="Agence Plateau")
    service = QueueServiceFactory(organization=org, name="Opérations courantes")
    normal = QueueFactory(
        organization=org,
        branch=branch,
        service=service,
        name="Guichet",
        prefix="A",
        kind=QueueKind.NORMAL,
        strategy=Strategy.FIFO,
    )
    priority = QueueFactory(
        organization=org,
        branch=branch,
        service=service,
        name="Prioritaire",
        prefix="P",
        kind=QueueKind.PRIORITY,
        strategy=Strategy.FIFO,
    )
    counter1 = CounterFactory(
        organization=org, branch=branch, name="Guichet 1", queues=[normal, priority]
    )
    counter2 = CounterFactory(
        organization=org, branch=branch, name="Guichet 2", queues=[normal, priority]
    )
    users = {
        "owner": member(org, Role.OWNER),
        "manager": member(org, Role.MANAGER),
        "agent1": member(org, Role.AGENT, first_name="Awa"),
        "agent2": member(org, Role.AGENT, first_name="Moussa"),
        "plain": member(org, Role.MEMBER),
        "alice": create_user("alice@example.test", first_name="Alice"),
        "bob": create_user("bob@example.test", first_name="Bob"),
        "staff": create_user("staff@example.test", is_staff=True),
    }
    other = BankFactory(name="Autre Banque", slug="autre-banque")
    other_branch = DakarBranchFactory(organization=other, name="Autre Agence")
    other_queue = QueueFactory(organization=other, branch=other_branch, prefix="A")
    other_counter = CounterFactory(organization=other, branch=other_branch, queues=[other_queue])
    users["other_owner"] = member(other, Role.OWNER)
    Membership.objects.filter(user=users["other_owner"]).update(role=Role.OWNER)
    staff_counter(counter1, users["agent1"])
    staff_counter(counter2, users["agent2"])
    clients = LoggedInClients(users)
    for name in ("manager", "agent1", "alice"):  # the usual ones: before any query count
        clients[name]
    return SimpleNamespace(
        org=org,
        branch=branch,
        service=service,
        normal=normal,
        priority=priority,
        counter1=counter1,
        counter2=counter2,
        users=users,
        api=clients,
        other=other,
        other_branch=other_branch,
        other_queue=other_queue,
        other_counter=other_counter,
    )
