""" "Leave now": fires once when travel time + margin reaches the estimated wait — not
before — whatever races it (a sweep, a location update, the queue moving)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from teranga.platform.notifications.models import Notification
from teranga.products.smartqueue.leave_now import leave_now_sweep
from teranga.products.smartqueue.models import Ticket, UserLocation
from teranga.products.smartqueue.notices import LEAVE_NOW
from teranga.products.smartqueue.selectors.estimates import wait_seconds_for
from teranga.products.smartqueue.services import counters, locations, travel
from teranga.products.smartqueue.tests.travel_world import build_world, make_client, take

MEDINA = (Decimal("14.681000"), Decimal("-17.446000"))  # ~1.3 km: 3.5 min by car
YOFF = (Decimal("14.756000"), Decimal("-17.473000"))  # ~7.4 km: ~20 min by car


@pytest.fixture
def world(db):
    world = build_world()
    # No traffic at any hour: the figures below do not depend on when the tests run.
    travel.travel_model_update(actor=None, peak_windows=[], night_factor=1, weekend_factor=1)
    return world


def leave_notices(user=None):
    notices = Notification.objects.filter(kind=LEAVE_NOW)
    return list(notices.filter(recipient=user) if user else notices)


def queue_with(world, user, ahead: int) -> Ticket:
    for _ in range(ahead):
        take(world, channel="kiosk")
    return take(world, user)


@pytest.mark.django_db
def test_not_before_the_condition_holds_then_once(world):
    alice = make_client()
    mine = queue_with(world, alice, ahead=5)  # 5 × 5 min: 25 min of wait and more
    _location, [evaluation] = locations.location_update(
        user=alice, latitude=MEDINA[0], longitude=MEDINA[1]
    )
    assert evaluation.position == 6
    assert evaluation.wait_minutes == pytest.approx(wait_seconds_for(5, [300]) / 60)
    assert 3 < evaluation.travel_minutes < 4.5
    assert not evaluation.due and leave_notices() == []
    assert leave_now_sweep() == 0
    # The queue moves: 4 served, 1 ahead (5 to 8 min) <= 3.5 min + 5 min margin.
    for _ in range(4):
        counters.counter_call_next(counter_id=world.counter.pk, agent=world.agent)
        counters.counter_start(counter_id=world.counter.pk, agent=world.agent)
        counters.counter_finish(counter_id=world.counter.pk, agent=world.agent)
    (notice,) = leave_notices(alice)  # sent by the queue change itself
    assert notice.data["number"] == mine.display_number
    assert notice.data["wait_minutes"] == round(wait_seconds_for(1, [300]) / 60)
    assert notice.data["mode"] == "car"
    assert notice.language == "fr"
    mine.refresh_from_db()
    assert mine.leave_now_at is not None
    for _ in range(3):
        assert leave_now_sweep() == 0
    locations.location_update(user=alice, latitude=YOFF[0], longitude=YOFF[1])
    assert len(leave_notices(alice)) == 1


@pytest.mark.django_db
def test_a_far_position_fires_on_the_update_in_wolof(world):
    awa = make_client(language="wo")
    queue_with(world, awa, ahead=4)  # 20 min
    _location, [evaluation] = locations.location_update(
        user=awa, latitude=YOFF[0], longitude=YOFF[1], mode="taxi"
    )
    assert evaluation.due and evaluation.sent
    (notice,) = leave_notices(awa)
    assert notice.language == "wo" and notice.data["mode"] == "taxi"
    assert notice.data["travel_minutes"] == round(evaluation.travel_minutes)


@pytest.mark.django_db
def test_the_sweep_finds_it(world):
    alice = make_client()
    mine = queue_with(world, alice, ahead=2)  # 10 min
    now = timezone.now()
    UserLocation.objects.create(
        user=alice,
        latitude=YOFF[0],
        longitude=YOFF[1],
        recorded_at=now,
        expires_at=now + locations.KEEP_FOR,
    )
    assert leave_now_sweep() == 1
    assert leave_now_sweep() == 0
    assert Ticket.objects.get(pk=mine.pk).leave_now_at is not None
    assert len(leave_notices(alice)) == 1


@pytest.mark.django_db
def test_nobody_at_the_branch_is_told_to_leave(world):
    alice = make_client()
    queue_with(world, alice, ahead=0)
    branch = world.branch
    _location, [evaluation] = locations.location_update(
        user=alice, latitude=branch.latitude, longitude=branch.longitude
    )
    assert not evaluation.due and leave_notices() == []


@pytest.mark.django_db(transaction=True)
def test_racing_sweeps_and_location_updates_send_exactly_one(world):
    alice = make_client()
    mine = queue_with(world, alice, ahead=3)
    now = timezone.now()
    UserLocation.objects.create(
        user=alice,
        latitude=YOFF[0],
        longitude=YOFF[1],
        recorded_at=now,
        expires_at=now + locations.KEEP_FOR,
    )
    start = threading.Barrier(8)
    errors = []

    def sweep():
        try:
            start.wait()
            leave_now_sweep()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def update():
        try:
            start.wait()
            locations.location_update(user=alice, latitude=YOFF[0], longitude=YOFF[1])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep if i % 2 else update) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert len(leave_notices(alice)) == 1
    for _ in range(3):
        leave_now_sweep()
    assert len(leave_notices(alice)) == 1
    assert Ticket.objects.get(pk=mine.pk).leave_now_at is not None
