"""The one "order with a hold that expires" primitive (``teranga.core.holds``) on its own:
the expiry time, the kinds' registration (through the product contract too), due holds
expiring once and in batches with their after-commit effects, a failing kind not stopping
the others, and concurrent runs never expiring a row twice. The scheduling engine's
bookings serve as the held rows (their own kind, ``scheduling.booking``, is registered)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from teranga.core.holds import (
    HeldOrderKind,
    held_order_register,
    held_orders,
    hold_until,
    holds_due,
    holds_expire,
    holds_expire_kind,
)
from teranga.core.registry import thawed
from teranga.platform import contract
from teranga.platform.contract import Product
from teranga.platform.scheduling.models import Booking, BookingEvent, BookingStatus, Resource
from teranga.platform.scheduling.services.bookings import BOOKING_HOLDS
from teranga.platform.scheduling.tests.factories import occupy, resource_with_rules

NOW = timezone.now().replace(microsecond=0)


def held(resource, count: int, *, lapsed: bool = True, start_hour: int = 1):
    """``count`` pending bookings on hold, run out (``lapsed``) or still holding."""
    hold = NOW - timedelta(minutes=1) if lapsed else NOW + timedelta(minutes=4)
    return [
        occupy(
            resource,
            NOW + timedelta(days=1, hours=start_hour + i),
            status=BookingStatus.PENDING,
            hold_expires_at=hold,
        )
        for i in range(count)
    ]


def _mark(booking, *, now):
    booking.status = BookingStatus.EXPIRED
    booking.save(update_fields=["status", "updated_at"])


def test_hold_until_adds_minutes_or_a_span():
    assert hold_until(NOW, 15) == NOW + timedelta(minutes=15)
    assert hold_until(NOW, timedelta(seconds=90)) == NOW + timedelta(seconds=90)
    with pytest.raises(ValueError):
        hold_until(NOW, 0)


def test_a_kind_must_be_a_held_order_with_its_index():
    BOOKING_HOLDS.check()
    assert "scheduling.booking" in held_orders and "smartqueue.ticket_order" in held_orders
    with pytest.raises(ImproperlyConfigured, match="not a HeldOrder"):
        HeldOrderKind(model=Resource, pending="pending", expire=_mark).check()


def test_a_product_registers_its_kinds_in_its_namespace():
    kind = HeldOrderKind(model=Booking, pending=BookingStatus.PENDING, expire=_mark)
    with thawed(contract.products, held_orders):
        contract.install(
            Product(label="holdtest", name="Hold test", held_orders={"holdtest.cart": kind})
        )
        assert held_orders.get("holdtest.cart") is kind
        assert held_orders.origin("holdtest.cart") == "holdtest"
        with pytest.raises(ImproperlyConfigured, match="must start with"):
            contract.install(Product(label="holdtwo", name="Two", held_orders={"cart": kind}))
    assert "holdtest.cart" not in held_orders


def test_due_holds_expire_once_with_their_effects_after_commit(
    db, django_capture_on_commit_callbacks
):
    resource = resource_with_rules(rules=False)
    due = held(resource, 2)
    waiting = held(resource, 1, lapsed=False, start_hour=5)[0]
    confirmed = occupy(resource, NOW + timedelta(days=2), hold_expires_at=NOW - timedelta(hours=1))
    seen: list = []
    kind = HeldOrderKind(
        model=Booking, pending=BookingStatus.PENDING, expire=_mark, on_expired=seen.append
    )
    with thawed(held_orders):
        held_order_register("holdtest.booking", kind)
        assert set(holds_due(kind, now=NOW)) == set(due)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert holds_expire(now=NOW, kinds=["holdtest.booking"]) == {"holdtest.booking": 2}
        assert seen == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert [sorted(ids) for ids in seen] == [sorted(b.pk for b in due)]
        with django_capture_on_commit_callbacks(execute=True):
            assert holds_expire(now=NOW, kinds=["holdtest.booking"]) == {"holdtest.booking": 0}
        assert len(seen) == 1  # a run with nothing to do has no effect
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert {statuses[b.pk] for b in due} == {BookingStatus.EXPIRED}
    assert statuses[waiting.pk] == BookingStatus.PENDING
    assert statuses[confirmed.pk] == BookingStatus.CONFIRMED


def test_the_job_expires_every_registered_kind_in_batches(db):
    from teranga.core.tasks import holds_expire_periodic

    resource = resource_with_rules(rules=False)
    due = held(resource, 5)
    small = HeldOrderKind(model=Booking, pending=BookingStatus.PENDING, expire=_mark, batch_size=2)
    assert holds_expire_kind(small, now=NOW) == 2  # one batch
    with thawed(held_orders):
        held_order_register("holdtest.small", small)
        assert holds_expire(now=NOW, kinds=["holdtest.small"]) == {"holdtest.small": 3}
    held(resource, 2, start_hour=10)
    counts = holds_expire_periodic.call_local()
    assert counts["scheduling.booking"] == 2 and counts["smartqueue.ticket_order"] == 0
    assert Booking.objects.filter(status=BookingStatus.PENDING).count() == 0
    assert BookingEvent.objects.filter(action="expired").count() == 2  # the engine's history
    assert Booking.objects.filter(pk__in=[b.pk for b in due], status="expired").count() == 5


def test_a_failing_kind_does_not_stop_the_others(db):
    resource = resource_with_rules(rules=False)
    held(resource, 1)

    def broken(order, *, now):
        raise RuntimeError("boom")

    with thawed(held_orders):
        held_order_register(
            "holdtest.broken",
            HeldOrderKind(model=Booking, pending=BookingStatus.PENDING, expire=broken),
        )
        counts = holds_expire(now=NOW, kinds=["holdtest.broken", "scheduling.booking"])
    assert counts == {"holdtest.broken": 0, "scheduling.booking": 1}


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_never_expire_a_hold_twice():
    resource = resource_with_rules(rules=False)
    due = held(resource, 12)
    runners = 4
    barrier = threading.Barrier(runners, timeout=30)
    results: list[int] = []
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait()
            results.append(holds_expire_kind(BOOKING_HOLDS, now=NOW))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(results) == len(due)
    assert Booking.objects.filter(status=BookingStatus.EXPIRED).count() == len(due)
    assert BookingEvent.objects.filter(action="expired").count() == len(due)
