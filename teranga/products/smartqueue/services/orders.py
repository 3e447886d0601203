"""Paid tickets: an order first, the ticket when the payment succeeds.

A client taking a ticket in a paid service's queue gets a pending :class:`TicketOrder`
(the take-ticket endpoint answers 202 with it) and pays payable
``smartqueue.ticket_order`` with the order's id. The order is a held order
(``teranga.core.holds``): held :data:`ORDER_LIFETIME`, then ``expired`` by the platform's
job (:data:`TICKET_ORDER_HOLDS`); the payment cannot outlive the hold, and a payment that
succeeds after it is refused (refunded). When the payment succeeds the
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

from teranga.core.errors import Conflict, Gone, NotFound
from teranga.core.holds import HeldOrderKind, hold_until
from teranga.products.smartqueue.errors import SmartQueueError

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
        raise NotFound(_("No such queue."), code=SmartQueueError.QUEUE_NOT_FOUND)
    if not queue.is_open:
        raise Conflict(_("This queue is closed."), code=SmartQueueError.QUEUE_CLOSED)
    service = queue.service
    if not service.is_paid:
        raise Conflict(
            _("This service is free: take a ticket directly."), code=SmartQueueError.SERVICE_FREE
        )
    if Ticket.objects.filter(queue=queue, user=user, status__in=ACTIVE_STATUSES).exists():
        raise Conflict(
            _("You already have a ticket in this queue."), code=SmartQueueError.ALREADY_IN_QUEUE
        )
    pending = (
        TicketOrder.objects.filter(
            queue=queue, user=user, status=OrderStatus.PENDING, hold_expires_at__gt=now
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
        hold_expires_at=hold_until(now, ORDER_LIFETIME),
    )


def _lock(order_id) -> TicketOrder:
    order = (
        TicketOrder.objects.select_for_update(of=("self",))
        .select_related("queue", "queue__organization", "user")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(_("No such order."), code=SmartQueueError.ORDER_NOT_FOUND)
    return order


def ticket_order_fulfil(*, order_id) -> TicketOrder:
    """The payment succeeded: issue the ticket. Raises Conflict when it cannot be
    issued now (queue closed or full, a live ticket already): the payable refuses the
    fulfilment and the payment is refunded; Gone when the order's hold ran out (expired,
    or about to be)."""
    order = _lock(order_id)
    if order.status == OrderStatus.EXPIRED or order.hold_lapsed(timezone.now()):
        raise Gone(
            _("This order has expired: take a ticket again."),
            code=SmartQueueError.ORDER_EXPIRED,
        )
    if order.status != OrderStatus.PENDING:
        raise Conflict(code=SmartQueueError.ORDER_NOT_PENDING)
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


def _ticket_order_expire(order: TicketOrder, *, now: datetime) -> None:
    """The held-order callback: an order not paid in time is ``expired``. It held no
    ticket and no number, so there is nothing to give back; a payment still open for it
    expires with it (its ``expires_at`` is the hold), and one that succeeds late is
    refused and refunded (:func:`ticket_order_fulfil`)."""
    order.status = OrderStatus.EXPIRED
    order.save(update_fields=["status", "updated_at"])


#: Ticket orders as a kind of held order (``Product.held_orders``).
TICKET_ORDER_HOLDS = HeldOrderKind(
    model=TicketOrder, pending=OrderStatus.PENDING, expire=_ticket_order_expire
)
