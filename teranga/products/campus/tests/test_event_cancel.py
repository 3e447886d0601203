"""Cancelling an event over HTTP: every paid order refunded through the payments module
(sandbox refunds), free tickets cancelled, pending orders cancelled with their seats
back, holders told; idempotent; a payment that succeeds afterwards is refunded; an
interrupted cancellation is settled by the periodic job."""

from __future__ import annotations

from django.utils import timezone

from teranga.platform.notifications.models import Notification
from teranga.platform.payments.models import Payment, Refund
from teranga.products.campus.models import Event, Order, Ticket, TicketType
from teranga.products.campus.services import event_cancel as cancelling

from .ticket_support import assert_error, buy, event_of, free_type, order, paid_type, pay, press


def cancel(client, event, reason="Grève des transports"):
    return client.post(
        f"/api/v1/campus/events/{event.pk}/cancel/", {"reason": reason}, format="json"
    )


def test_cancel_refunds_everything_and_tells_the_holders(
    campus, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    event = event_of(campus, capacity=100)
    standard = paid_type(event, price=3000)
    free = free_type(event)
    paid_order, paid_payment = buy(campus.clients["student"], event, (standard, 2), capture=capture)
    other_order, other_payment = buy(
        campus.clients["student2"], event, (standard, 1), capture=capture
    )
    with capture(execute=True):
        free_order = order(campus.clients["student2"], event, (free, 1)).json()["id"]
        pending = order(campus.clients["outsider"], event, (standard, 3)).json()["id"]
        late_payment = pay(campus.clients["outsider"], pending).json()["id"]
    assert Event.objects.get(pk=event.pk).taken == 7

    with capture(execute=True):
        response = cancel(campus.clients["manager"], event)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled" and body["cancelled_at"]
    assert (body["orders_refunded"], body["orders_cancelled"]) == (3, 1)
    assert (body["tickets_cancelled"], body["refunds_opened"]) == (4, 2)

    for payment_id, amount in ((paid_payment, 6000), (other_payment, 3000)):
        payment = Payment.objects.get(pk=payment_id)
        assert payment.status == "refunded"
        refund = Refund.objects.get(payment=payment)
        assert refund.automatic and refund.amount == amount and refund.status == "succeeded"
        assert "Grève" in refund.reason
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[uuid(paid_order)] == "refunded" and statuses[uuid(other_order)] == "refunded"
    assert statuses[uuid(free_order)] == "cancelled" and statuses[uuid(pending)] == "cancelled"
    assert set(Ticket.objects.filter(order_id=paid_order).values_list("status", flat=True)) == {
        "refunded"
    }
    assert Ticket.objects.get(order_id=free_order).status == "cancelled"
    cancelled = Event.objects.get(pk=event.pk)
    assert (cancelled.taken, cancelled.sold_count) == (0, 0)
    assert TicketType.objects.get(pk=standard.pk).taken == 0
    told = Notification.objects.filter(kind="campus.event_cancelled")
    assert set(told.values_list("recipient_id", flat=True)) == {
        campus.student.pk,
        campus.student2.pk,
    }
    assert "Grève" in told.get(recipient=campus.student).body

    # The pending order's buyer pays on the provider's page after all: refunded.
    with capture(execute=True):
        press(late_payment)
    late = Payment.objects.get(pk=late_payment)
    assert late.status == "refunded" and Refund.objects.get(payment=late).automatic
    assert not Ticket.objects.filter(order_id=pending).exists()

    # Idempotent: nothing more is opened, nobody is told twice.
    with capture(execute=True):
        again = cancel(campus.clients["manager"], event)
    assert again.status_code == 200
    assert again.json()["refunds_opened"] == 0 and again.json()["orders_refunded"] == 0
    assert Refund.objects.count() == 3
    assert told.count() == 2
    # A cancelled event sells nothing.
    assert_error(order(campus.clients["student"], event, (standard, 1)), 409, "event_cancelled")


def uuid(value):
    import uuid as uuid_module

    return uuid_module.UUID(str(value))


def test_who_may_cancel(campus):
    event = event_of(campus)
    assert_error(cancel(campus.clients["agent"], event), 403)
    assert_error(cancel(campus.clients["other_manager"], event), 404, "event_not_found")
    assert_error(cancel(campus.clients["student"], event), 404, "event_not_found")
    assert_error(
        campus.clients["manager"].post(
            f"/api/v1/campus/events/{event.pk}/cancel/", {"reason": "x" * 301}, format="json"
        ),
        400,
        "invalid",
    )
    assert_error(
        campus.clients["manager"].post(
            f"/api/v1/campus/events/{event.pk}/cancel/", {"why": "x"}, format="json"
        ),
        400,
        "invalid",
    )
    finished = event_of(campus, status="finished")
    assert_error(cancel(campus.clients["manager"], finished), 409, "event_started")
    assert Event.objects.filter(status="cancelled").count() == 0


def test_an_interrupted_cancellation_is_settled_by_the_job(
    campus, django_capture_on_commit_callbacks
):
    event = event_of(campus)
    standard = paid_type(event)
    order_id, payment_id = buy(
        campus.clients["student"], event, (standard, 1), capture=django_capture_on_commit_callbacks
    )
    # Only the first step ran (the process stopped before settling).
    cancelling._event_mark_cancelled(user=campus.manager, event_id=event.pk, now=timezone.now())
    assert Order.objects.get(pk=order_id).status == "paid"
    with django_capture_on_commit_callbacks(execute=True):
        assert cancelling.cancelled_events_settle() == 1
    assert Order.objects.get(pk=order_id).status == "refunded"
    assert Payment.objects.get(pk=payment_id).status == "refunded"
    assert cancelling.cancelled_events_settle() == 0


def test_cancel_closes_the_waiting_list_and_gives_back_an_offers_seat(
    campus, django_capture_on_commit_callbacks
):
    """A sold-out event with two waiting: a seat frees up (an order cancelled), the first
    waiting is offered it; cancelling the event closes both entries and the offer's seat
    goes back with the rest."""
    from teranga.products.campus.models import WaitingListEntry

    capture = django_capture_on_commit_callbacks
    event = event_of(campus)
    seat = free_type(event, quota=1)
    first = paid_type(event, quota=1, price=1000)
    with capture(execute=True):
        held = order(campus.clients["student"], event, (first, 1)).json()["id"]
    for name in ("student2", "outsider"):
        joined = campus.clients[name].post(
            f"/api/v1/campus/events/{event.pk}/waiting-list/",
            {"ticket_type": str(first.pk)},
            format="json",
        )
        assert joined.status_code == 201, joined.content
    with capture(execute=True):
        assert (
            campus.clients["student"].post(f"/api/v1/campus/orders/{held}/cancel/").status_code
            == 200
        )
    assert WaitingListEntry.objects.get(user=campus.student2).status == "offered"
    assert TicketType.objects.get(pk=first.pk).taken == 1  # held by the offer

    with capture(execute=True):
        response = cancel(campus.clients["manager"], event)
    assert response.status_code == 200, response.content
    assert response.json()["waiting_closed"] == 2
    assert set(WaitingListEntry.objects.values_list("status", flat=True)) == {"expired"}
    assert TicketType.objects.get(pk=first.pk).taken == 0
    assert Event.objects.get(pk=event.pk).taken == 0
    assert TicketType.objects.get(pk=seat.pk).taken == 0
