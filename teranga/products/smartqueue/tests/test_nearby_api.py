"""``GET /api/v1/smartqueue/nearby/``: branches by distance with their waits and the
travel time there, in a constant number of queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from teranga.platform.organizations.models import VerificationStatus
from teranga.products.smartqueue.models import ServiceCategory, Ticket, TicketStatus
from teranga.products.smartqueue.selectors.estimates import wait_seconds_for
from teranga.products.smartqueue.selectors.travel import travel_minutes, travel_model
from teranga.products.smartqueue.tests.factories import (
    BankFactory,
    DakarBranchFactory,
    QueueFactory,
    QueueServiceFactory,
)
from teranga.products.smartqueue.tests.travel_world import build_world, take

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


URL = "/api/v1/smartqueue/nearby/"
# Médina, about 1.3 km from the branch.
HERE = {"lat": "14.6810", "lng": "-17.4460"}


def branch_at(lat: str, lng: str, *, verified=True, category=ServiceCategory.BANKING, **kw):
    org = BankFactory(
        verification_status=VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING
    )
    branch = DakarBranchFactory(
        organization=org, latitude=Decimal(lat), longitude=Decimal(lng), **kw
    )
    service = QueueServiceFactory(organization=org, category=category)
    QueueFactory(organization=org, branch=branch, service=service, prefix="A")
    return branch


def ids(response) -> list[str]:
    return [item["branch"]["id"] for item in response.json()["results"]]


def test_nearest_first_with_waits_and_travel_time(api, world):
    for _ in range(4):
        take(world)
    yoff = branch_at("14.7560", "-17.4730")  # about 9 km
    ouakam = branch_at("14.7250", "-17.4930")  # about 6.5 km
    response = api.get(URL, {**HERE, "radius_km": 20})
    assert response.status_code == 200, response.content
    assert ids(response) == [str(world.branch.pk), str(ouakam.pk), str(yoff.pk)]
    first = response.json()["results"][0]
    assert 1.0 < first["distance_km"] < 1.8
    assert first["mode"] == "car"
    expected = travel_minutes(first["distance_km"], "car")
    assert abs(first["travel_minutes"] - expected) <= 1
    assert first["organization"] == {
        "id": str(world.org.pk),
        "name": "Banque Teranga",
        "kind": "bank",
    }
    (queue,) = first["queues"]
    assert queue["id"] == str(world.queue.pk)
    assert queue["waiting"] == 4 and queue["open_counters"] == 1 and queue["is_open"]
    # Nothing served yet: the service's configured 5 minutes per client, one counter.
    assert queue["estimated_wait_seconds"] == wait_seconds_for(4, [300])
    assert queue["service"]["category"] == "banking"


def test_wait_follows_recent_service_times(api, world):
    now = timezone.now()
    for _ in range(6):
        ticket = take(world)
        Ticket.objects.filter(pk=ticket.pk).update(
            status=TicketStatus.SERVED,
            counter=world.counter,
            called_at=now - timedelta(minutes=30),
            serving_at=now - timedelta(minutes=30),
            served_at=now - timedelta(minutes=28),  # 2 minutes each
        )
    for _ in range(3):
        take(world)
    response = api.get(URL, HERE)
    (queue,) = response.json()["results"][0]["queues"]
    assert queue["waiting"] == 3
    assert queue["estimated_wait_seconds"] == wait_seconds_for(3, [120])


def test_radius_category_mode_and_what_is_left_out(api, world):
    far = branch_at("14.7910", "-16.9360")  # Thiès, 55 km
    branch_at("14.6900", "-17.4400", verified=False)  # not verified
    branch_at("14.6910", "-17.4410", is_active=False)  # closed for good
    DakarBranchFactory(latitude=Decimal("14.6920"), longitude=Decimal("-17.4420"))  # no queue
    health = branch_at("14.6850", "-17.4450", category=ServiceCategory.HEALTH)
    assert ids(api.get(URL, HERE)) == [str(health.pk), str(world.branch.pk)]
    assert str(far.pk) not in ids(api.get(URL, {**HERE, "radius_km": 50}))
    only_health = api.get(URL, {**HERE, "service_category": "health"})
    assert ids(only_health) == [str(health.pk)]
    walking = api.get(URL, {**HERE, "mode": "walk"}).json()["results"][1]
    assert walking["mode"] == "walk"
    assert walking["travel_minutes"] == round(walking["distance_km"] * 1.35 / 4.5 * 60)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"lat": "14.69"},
        {"lat": "abc", "lng": "-17.44"},
        {"lat": "91", "lng": "-17.44"},
        {"lat": "14.69", "lng": "-181"},
        {**HERE, "radius_km": "0"},
        {**HERE, "radius_km": "51"},
        {**HERE, "mode": "horse"},
        {**HERE, "service_category": "bakery"},
        {**HERE, "unknown": "1"},
    ],
)
def test_bad_input_is_400(api, db, params):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert response.json()["error"]["code"]


def test_constant_query_count(api, world):
    travel_model()  # the parameters are cached, as in production
    api.get(URL, HERE)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(URL, {**HERE, "radius_km": 10})
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["results"])

    few, found = queries()
    assert found == 1
    for n in range(8):
        branch = branch_at(f"14.70{n}0", "-17.4500")
        QueueFactory(organization=branch.organization, branch=branch, prefix="B")
    many, found = queries()
    assert found == 9
    assert many == few <= 6


def test_pagination(api, world):
    for n in range(3):
        branch_at(f"14.70{n}0", "-17.4500")
    page = api.get(URL, {**HERE, "page_size": 2}).json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]
