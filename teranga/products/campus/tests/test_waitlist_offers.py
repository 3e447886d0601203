"""A sold-out event fills from its waiting list: a freed seat is offered to the first one
waiting (not the second), an offer that lapses passes the seat on, leaving while offered
does the same, accepting makes an order with the held seat, and with nobody waiting the
seat goes back on sale. Two seats freed at once give two distinct offers (real threads;
``SKIP LOCKED`` on PostgreSQL, one writer on SQLite)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import authed_client, create_user
from teranga.core.holds import held_orders, holds_expire, holds_expire_kind
from teranga.platform.notifications.models import Notification
from teranga.products.campus.models import (
    Event,
    Order,
    OrderStatus,
    TicketType,
    WaitingListEntry,
    WaitingStatus,
)
from teranga.products.campus.services.orders import ORDER_HOLDS, order_cancel, order_create

from .factories import EventFactory, TicketTypeFactory

W = WaitingStatus


def expire_all(now):
    """What the periodic job ``core.holds_expire`` does at ``now``."""
    holds_expire(now=now)
    if "campus.order" not in held_orders.names():  # the tickets part registers it
        holds_expire_kind(ORDER_HOLDS, now=now)


def buy(ticket_type, buyer, quantity=1):
    return order_create(
        buyer=buyer,
        event_id=ticket_type.event_id,
        lines=[{"ticket_type": ticket_type.pk, "quantity": quantity}],
    )


def join(client, ticket_type):
    response = client.post(
        f"/api/v1/campus/events/{ticket_type.event_id}/waiting-list/",
        {"ticket_type": str(ticket_type.pk)},
        format="json",
    )
    assert response.status_code == 201, response.content
    return WaitingListEntry.objects.get(pk=response.json()["id"])


def taken(ticket_type):
    ticket_type.refresh_from_db()
    event = Event.objects.get(pk=ticket_type.event_id)
    return ticket_type.taken, event.taken


@pytest.fixture
def full(campus):
    """A one-seat type held by a pending order of ``buyer``; ``student`` then
    ``student2`` wait."""
    event = EventFactory(organization=campus.university, capacity=50)
    ticket_type = TicketTypeFactory(event=event, quota=1, price=2000)
    buyer = create_user("buyer@ucad.test")
    order = buy(ticket_type, buyer)
    first = join(campus.clients["student"], ticket_type)
    second = join(campus.clients["student2"], ticket_type)
    return ticket_type, order, first, second


@pytest.mark.django_db
def test_expired_order_offers_the_first_then_the_second(campus, full):
    ticket_type, order, first, second = full
    assert taken(ticket_type) == (1, 1)
    later = timezone.now() + timedelta(minutes=11)
    expire_all(later)
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == W.OFFERED and second.status == W.WAITING
    assert first.offered_at == later
    assert first.hold_expires_at == later + timedelta(minutes=60)
    assert taken(ticket_type) == (1, 1)  # the offer holds the seat
    notice = Notification.objects.get(recipient=campus.student, kind="campus.waitlist_offer")
    assert ticket_type.event.title in notice.title
    assert "/o/campus.waitlist_entry/" in notice.link
    assert not Notification.objects.filter(recipient=campus.student2).exists()

    mine = campus.clients["student"].get("/api/v1/campus/me/waiting-list/").json()["results"]
    assert mine[0]["status"] == "offered" and mine[0]["position"] is None
    assert (
        campus.clients["student2"]
        .get("/api/v1/campus/me/waiting-list/")
        .json()["results"][0]["position"]
        == 1
    )

    # The offer lapses: the seat goes to the second.
    lapse = later + timedelta(minutes=61)
    expire_all(lapse)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == W.EXPIRED and first.closed_at == lapse
    assert second.status == W.OFFERED
    assert taken(ticket_type) == (1, 1)
    assert Notification.objects.filter(
        recipient=campus.student2, kind="campus.waitlist_offer"
    ).exists()
    # Running the job again changes nothing (each offer expires once).
    expire_all(lapse)
    second.refresh_from_db()
    assert second.status == W.OFFERED

    # Nobody left waiting: the last offer lapses and the seat is back on sale.
    expire_all(lapse + timedelta(minutes=61))
    second.refresh_from_db()
    assert second.status == W.EXPIRED
    assert taken(ticket_type) == (0, 0)
    assert buy(ticket_type, create_user("late@ucad.test")).status == OrderStatus.PENDING


@pytest.mark.django_db
def test_leaving_while_offered_passes_the_seat_on(campus, full):
    ticket_type, order, first, second = full
    order_cancel(user=order.buyer, order_id=order.pk)  # the buyer gives up: seat freed
    first.refresh_from_db()
    assert first.status == W.OFFERED
    response = campus.clients["student"].delete(f"/api/v1/campus/waiting-list/{first.pk}/")
    assert response.status_code == 204
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == W.LEFT
    assert second.status == W.OFFERED
    assert taken(ticket_type) == (1, 1)
    # The second leaves too: nobody waits, the seat goes back on sale.
    response = campus.clients["student2"].delete(f"/api/v1/campus/waiting-list/{second.pk}/")
    assert response.status_code == 204
    assert taken(ticket_type) == (0, 0)


@pytest.mark.django_db
def test_leaving_while_waiting_frees_nothing(campus, full):
    ticket_type, _order, first, second = full
    response = campus.clients["student"].delete(f"/api/v1/campus/waiting-list/{first.pk}/")
    assert response.status_code == 204
    second.refresh_from_db()
    assert second.status == W.WAITING
    assert taken(ticket_type) == (1, 1)


@pytest.mark.django_db
def test_accept_makes_an_order_with_the_held_seat(campus, full):
    ticket_type, order, first, second = full
    order_cancel(user=order.buyer, order_id=order.pk)
    url = f"/api/v1/campus/waiting-list/{first.pk}/accept/"
    # Not the offered one: 404; still waiting: 409.
    assert campus.clients["student2"].post(url, {}, format="json").status_code == 404
    waiting = campus.clients["student2"].post(
        f"/api/v1/campus/waiting-list/{second.pk}/accept/", {}, format="json"
    )
    assert waiting.status_code == 409
    assert waiting.json()["error"]["code"] == "offer_not_open"

    response = campus.clients["student"].post(url, {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    made = Order.objects.get(pk=body["id"])
    assert made.buyer == campus.student and made.offer_id == first.pk
    assert made.status == OrderStatus.PENDING and made.total == 2000
    assert [(line.ticket_type_id, line.quantity) for line in made.lines.all()] == [
        (ticket_type.pk, 1)
    ]
    first.refresh_from_db()
    assert first.status == W.ACCEPTED
    assert taken(ticket_type) == (1, 1)  # the offer's seat, not a new one
    again = campus.clients["student"].post(url, {}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "offer_not_open"

    # The accepted order lapses unpaid: the seat goes to the second one waiting.
    expire_all(timezone.now() + timedelta(minutes=11))
    second.refresh_from_db()
    assert second.status == W.OFFERED


@pytest.mark.django_db
def test_accept_a_lapsed_offer_is_gone_and_passes_the_seat_on(campus, full):
    ticket_type, order, first, second = full
    past = timezone.now() - timedelta(minutes=1)
    WaitingListEntry.objects.filter(pk=first.pk).update(
        status=W.OFFERED, offered_at=past, hold_expires_at=past
    )
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)  # its seat: the offer's
    response = campus.clients["student"].post(
        f"/api/v1/campus/waiting-list/{first.pk}/accept/", {}, format="json"
    )
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "offer_expired"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == W.EXPIRED
    assert second.status == W.OFFERED
    assert not Order.objects.filter(offer=first).exists()
    assert taken(ticket_type) == (1, 1)


@pytest.mark.django_db
def test_no_offer_for_a_cancelled_event(campus, full):
    ticket_type, order, first, _second = full
    Event.objects.filter(pk=ticket_type.event_id).update(status="cancelled")
    from django.db import transaction

    from teranga.products.campus.services.waitlist import waitlist_seats_freed

    ticket_type = TicketType.objects.select_related("event").get(pk=ticket_type.pk)
    with transaction.atomic():
        assert waitlist_seats_freed(ticket_type=ticket_type, count=1, now=timezone.now()) == 0
    first.refresh_from_db()
    assert first.status == W.WAITING


BUYERS = 4
WAITERS = 6


@pytest.mark.django_db(transaction=True)
def test_seats_freed_at_once_give_distinct_offers(campus):
    """Four buyers cancel at the same moment (four transactions freeing a seat each): four
    distinct entries are offered, the oldest four, never one twice; the seats stay
    taken by the offers."""
    event = EventFactory(organization=campus.university)
    ticket_type = TicketTypeFactory(event=event, quota=BUYERS, price=1000)
    buyers = [create_user(f"buyer{i}@ucad.test") for i in range(BUYERS)]
    orders = [buy(ticket_type, buyer) for buyer in buyers]
    waiters = [create_user(f"waiter{i}@ucad.test") for i in range(WAITERS)]
    entries = [join(authed_client(waiter), ticket_type) for waiter in waiters]

    barrier = threading.Barrier(BUYERS, timeout=30)
    errors: list[BaseException] = []

    def cancel(order):
        try:
            barrier.wait()
            order_cancel(user=order.buyer, order_id=order.pk)
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    statuses = dict(WaitingListEntry.objects.values_list("pk", "status"))
    offered = [entry.pk for entry in entries if statuses[entry.pk] == W.OFFERED]
    assert len(offered) == BUYERS
    assert offered == [entry.pk for entry in entries[:BUYERS]]  # the oldest ones
    assert [statuses[entry.pk] for entry in entries[BUYERS:]] == [W.WAITING] * (WAITERS - BUYERS)
    assert Notification.objects.filter(kind="campus.waitlist_offer").count() == BUYERS
    assert taken(ticket_type) == (BUYERS, BUYERS)
    assert Order.objects.filter(status=OrderStatus.CANCELLED).count() == BUYERS
