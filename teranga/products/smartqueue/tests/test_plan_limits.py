"""The plan's limits: counters (active counters) and branches (branches with an active
queue), free tier without a subscription (1 branch, 1 counter)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conftest import authed_client
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import member
from teranga.platform.payments.models import Plan, Subscription
from teranga.products.smartqueue.models import Counter, Queue
from teranga.products.smartqueue.tests.factories import (
    BankFactory,
    DakarBranchFactory,
    QueueServiceFactory,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/smartqueue"


@pytest.fixture
def fresh():
    org = BankFactory()
    branches = [DakarBranchFactory(organization=org) for _ in range(3)]
    service = QueueServiceFactory(organization=org)
    client = authed_client(member(org, Role.MANAGER))
    return org, branches, service, client


def subscribe(org, code):
    now = timezone.now()
    return Subscription.objects.create(
        organization=org,
        plan=Plan.objects.get(code=code),
        period="monthly",
        currency=org.currency,
        status="active",
        current_period_start=now,
        current_period_end=now + timezone.timedelta(days=30),
    )


def new_queue(client, org, branch, service, prefix):
    body = {
        "organization": str(org.pk),
        "branch": str(branch.pk),
        "service": str(service.pk),
        "name": f"File {prefix}",
        "prefix": prefix,
    }
    return client.post(f"{BASE}/queues/", body)


def new_counter(client, org, branch, name):
    body = {"organization": str(org.pk), "branch": str(branch.pk), "name": name}
    return client.post(f"{BASE}/counters/", body)


def test_free_tier_one_branch(fresh):
    org, (b1, b2, _b3), service, client = fresh
    assert new_queue(client, org, b1, service, "A").status_code == 201
    assert new_queue(client, org, b1, service, "B").status_code == 201  # same branch: free
    refused = new_queue(client, org, b2, service, "A")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "plan_limit_reached"
    assert "branches" in refused.json()["error"]["fields"]
    assert not Queue.objects.filter(branch=b2).exists()


def test_subscription_raises_the_branches(fresh):
    org, (b1, b2, b3), service, client = fresh
    subscribe(org, "business")  # 5 branches
    for branch in (b1, b2, b3):
        assert new_queue(client, org, branch, service, "A").status_code == 201
    assert Queue.objects.filter(organization=org).values("branch").distinct().count() == 3


def test_a_branch_whose_queues_are_gone_frees_its_place(fresh):
    org, (b1, b2, _b3), service, client = fresh
    queue_id = new_queue(client, org, b1, service, "A").json()["id"]
    assert client.delete(f"{BASE}/queues/{queue_id}/").status_code == 204
    assert new_queue(client, org, b2, service, "A").status_code == 201


def test_free_tier_one_counter(fresh):
    org, (b1, _b2, _b3), service, client = fresh
    response = new_counter(client, org, b1, "Guichet 1")
    assert response.status_code == 201
    refused = new_counter(client, org, b1, "Guichet 2")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "plan_limit_reached"
    assert Counter.objects.filter(organization=org).count() == 1
    # a deleted (never used) counter frees its place
    assert client.delete(f"{BASE}/counters/{response.json()['id']}/").status_code == 204
    assert new_counter(client, org, b1, "Guichet 2").status_code == 201


def test_plan_counters(fresh):
    org, (b1, _b2, _b3), service, client = fresh
    subscribe(org, "starter")  # 3 counters
    for index in range(3):
        assert new_counter(client, org, b1, f"Guichet {index}").status_code == 201
    assert new_counter(client, org, b1, "Guichet 9").status_code == 409


def test_suspended_subscription_falls_back_to_the_free_tier(fresh):
    org, (b1, _b2, _b3), service, client = fresh
    subscription = subscribe(org, "business")
    assert new_counter(client, org, b1, "Guichet 1").status_code == 201
    Subscription.objects.filter(pk=subscription.pk).update(status="suspended")
    assert new_counter(client, org, b1, "Guichet 2").status_code == 409
