"""Paid tickets: an order first, the ticket when the payment succeeds.

A client taking a ticket in a paid service's queue gets a pending :class:`TicketOrder`
(the take-ticket endpoint answers 202 with it) and pays payable
``smartqueue.ticket_order`` with the order's id. The order lives
:data:`ORDER_LIFETIME`; the payment cannot outlive it. When the payment succeeds the
fulfilment issues the ticket (:func:`ticket_order_fulfil`): the queue must still be open
and not full — otherwise the fulfilment is refused and the payment refunded
automatically (the client did not get what they paid for, a ticket *now*). A payment
that ends unpaid releases the order.

One pending order per client and queue: asking again while one is pending returns it
(the client resumes paying). Locks: the client's user row (one order at a time per
client), then the queue's numbering row (tickets).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, NotFound

from ..models import ACTIVE_STATUSES, OrderStatus, Queue, Ticket, TicketOrder
from .tickets import ticket_issue

ORDER_LIFETIME = timedelta(minutes=15)


@transaction.atomic
def ticket_order_create(
    *, queue: Queue, user, channel: str, travel_mode: str = "", now: datetime | None = None
) -> TicketOrder:
    """A pending TicketOrder for ``queue`` (whose service has a price). 409
    ``queue_closed``, ``service_free`` (take the ticket directly), ``already_in_queue``."""
    now = now or timezone.now()
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    queue = Queue.objects.select_related("service", "organization").get(pk=queue.pk)
    if not queue.is_active:
        raise NotFound(_("No such queue."), code="queue_not_found")
    if not queue.is_open:
        raise Conflict(_("This queue is closed."), code="queue_closed")
    service = queue.service
    if not service.is_paid:
        raise Conflict(_("This service is free: take a ticket directly."), code="service_free")
    if Ticket.objects.filter(queue=queue, user=user, status__in=ACTIVE_STATUSES).exists():
        raise Conflict(_("You already have a ticket in this queue."), code="already_in_queue")
    pending = (
        TicketOrder.objects.filter(
            queue=queue, user=user, status=OrderStatus.PENDING, expires_at__gt=now
        )
        .order_by("-created_at")
        .first()
    )
    if pending is not None:
        return pending
    return TicketOrder.objects.create(
        organization=queue.organization,
        queue=queue,
        user=user,
        channel=channel,
        travel_mode=travel_mode,
        price_amount=service.price_amount,
        currency=service.currency,
        expires_at=now + ORDER_LIFETIME,
    )


def _lock(order_id) -> TicketOrder:
    order = (
        TicketOrder.objects.select_for_update(of=("self",))
        .select_related("queue", "queue__organization", "user")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(_("No such order."), code="order_not_found")
    return order


def ticket_order_fulfil(*, order_id) -> TicketOrder:
    """The payment succeeded: issue the ticket. Raises Conflict when it cannot be
    issued now (queue closed or full, a live ticket already): the payable refuses the
    fulfilment and the payment is refunded."""
    order = _lock(order_id)
    if order.status != OrderStatus.PENDING:
        raise Conflict(code="order_not_pending")
    ticket = ticket_issue(
        queue=order.queue,
        channel=order.channel,
        user=order.user,
        travel_mode=order.travel_mode,
        actor=order.user,
    )
    order.ticket = ticket
    order.status = OrderStatus.FULFILLED
    order.save(update_fields=["ticket", "status", "updated_at"])
    return order


def ticket_order_end(*, order_id, status: str) -> None:
    """The payment ended unpaid (``released``) or was refunded after a refused
    fulfilment (``refused``): a pending order ends so."""
    order = TicketOrder.objects.select_for_update().filter(pk=order_id).first()
    if order is not None and order.status == OrderStatus.PENDING:
        order.status = status
        order.save(update_fields=["status", "updated_at"])
