"""An on-sale rush with real threads: more buyers than seats order at the same moment.
Exactly the quota is sold — never one more — on SQLite and on PostgreSQL, whether the
limit is the ticket type's quota, a shared quota or the event's capacity; and the seats
that lapsed holds give back are sold again, still without overselling."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import create_user
from teranga.core.errors import Conflict
from teranga.core.holds import holds_expire
from teranga.products.campus.models import Event, Order, SharedQuota, TicketType
from teranga.products.campus.services.orders import order_create

from .factories import EventFactory, TicketTypeFactory, UniversityFactory

BUYERS = 24


def rush(event, lines_of, buyers) -> tuple[list, list]:
    """Every buyer orders at once (a barrier); returns (orders, refusals)."""
    barrier = threading.Barrier(len(buyers), timeout=60)
    made, refused, errors = [], [], []

    def buy(buyer) -> None:
        try:
            barrier.wait()
            made.append(order_create(buyer=buyer, event_id=event.pk, lines=lines_of(buyer)))
        except Conflict as refusal:
            refused.append(refusal.code)
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return made, refused


@pytest.fixture
def buyers(transactional_db):
    return [create_user(f"rush{i}@ucad.test") for i in range(BUYERS)]


@pytest.mark.django_db(transaction=True)
def test_the_type_quota_is_never_oversold(buyers):
    event = EventFactory(organization=UniversityFactory())
    standard = TicketTypeFactory(event=event, quota=7)
    made, refused = rush(event, lambda b: [{"ticket_type": standard.pk, "quantity": 1}], buyers)
    assert len(made) == 7
    assert set(refused) == {"sold_out"} and len(refused) == BUYERS - 7
    standard.refresh_from_db()
    assert standard.taken == 7
    assert Event.objects.get(pk=event.pk).taken == 7
    assert Order.objects.count() == 7


@pytest.mark.django_db(transaction=True)
def test_capacity_and_shared_quota_hold_across_types(buyers):
    event = EventFactory(organization=UniversityFactory(), capacity=9)
    first = TicketTypeFactory(event=event, quota=20)
    second = TicketTypeFactory(event=event, quota=20)
    third = TicketTypeFactory(event=event, quota=20)
    quota = SharedQuota.objects.create(event=event, name="Balcon", size=5)
    quota.ticket_types.set([first, second])

    def lines_of(buyer):
        index = buyers.index(buyer)
        chosen = (first, second, third)[index % 3]
        return [{"ticket_type": chosen.pk, "quantity": 2}]

    made, refused = rush(event, lines_of, buyers)
    seats = sum(line.quantity for o in made for line in o.lines.all())
    event.refresh_from_db()
    quota.refresh_from_db()
    assert event.taken == seats <= 9
    assert quota.taken <= 5
    balcony = sum(
        TicketType.objects.filter(pk__in=[first.pk, second.pk]).values_list("taken", flat=True)
    )
    assert quota.taken == balcony
    assert set(refused) <= {"sold_out"}
    # Pairs of seats: at most 4 orders fit in 9 seats, and as many as fit were sold.
    assert len(made) == 4


@pytest.mark.django_db(transaction=True)
def test_lapsed_holds_release_seats_that_sell_again_once(buyers):
    event = EventFactory(organization=UniversityFactory())
    standard = TicketTypeFactory(event=event, quota=5)
    first, _refused = rush(
        event, lambda b: [{"ticket_type": standard.pk, "quantity": 1}], buyers[:12]
    )
    assert len(first) == 5
    assert holds_expire(now=timezone.now() + timedelta(minutes=11), kinds=["campus.order"]) == {
        "campus.order": 5
    }
    standard.refresh_from_db()
    assert standard.taken == 0
    second, _refused = rush(
        event, lambda b: [{"ticket_type": standard.pk, "quantity": 1}], buyers[12:]
    )
    assert len(second) == 5
    standard.refresh_from_db()
    assert standard.taken == 5
    assert Order.objects.filter(status="pending").count() == 5
    assert Order.objects.filter(status="expired").count() == 5
