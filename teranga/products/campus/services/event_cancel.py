"""Cancelling an event: every ticket refunded, every hold released, every holder told.

Two steps, each one transaction, both idempotent:

1. :func:`event_cancel` (staff, ``campus.events.manage``) marks the event cancelled.
   From that commit on nothing sells: a new order's seat ``UPDATE`` requires a
   published event, a payment's quote refuses, and a payment that succeeds late is
   refused by the fulfilment (refunded automatically).
2. :func:`event_cancel_settle` settles its orders: every paid order gets its payments
   refunded through the platform (``refunds_open_for_target``: pending refund rows,
   executed after commit), is marked refunded (a free one: cancelled) with its valid
   tickets; every pending order is cancelled; the seats go back (not to the waiting
   list: the event is over); each holder gets ``campus.event_cancelled`` (recorded in
   the transaction, delivered after commit).

The endpoint runs both. Should the process stop between them, calling it again settles
what is left, and so does the periodic job ``campus.cancelled_events_settle``. Locks:
each payment before its order (as the payment's fulfilment does), then the orders, then
the seats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict
from teranga.core.links import local_time_text, object_link
from teranga.platform.notifications.services import notification_send
from teranga.platform.payments.services.refunds import refunds_open_for_target

from ..errors import CampusError
from ..models import (
    Event,
    EventStatus,
    Order,
    OrderStatus,
    Ticket,
    TicketStatus,
    WaitingListEntry,
    WaitingStatus,
)
from ..selectors.access import event_for_staff
from ..ticket_notices import EVENT_CANCELLED
from .seats import counts_of, seats_give_back

MANAGE = "campus.events.manage"
PAYABLE = "campus.order"
EVENT_LINK = "campus.event"
#: Events settled per run of the periodic job.
SETTLE_BATCH = 20


@dataclass
class CancelOutcome:
    event: Event
    orders_refunded: int = 0
    orders_cancelled: int = 0
    tickets_cancelled: int = 0
    refunds_opened: int = 0
    waiting_closed: int = 0


@transaction.atomic
def _event_mark_cancelled(*, user, event_id, now: datetime) -> Event:
    event = event_for_staff(user=user, event_id=event_id, action=MANAGE, lock=True)
    if event.status == EventStatus.CANCELLED:
        return event
    if event.status == EventStatus.FINISHED:
        raise Conflict(_("A finished event cannot be cancelled."), code=CampusError.EVENT_STARTED)
    event.status = EventStatus.CANCELLED
    event.cancelled_at = now
    event.save(update_fields=["status", "cancelled_at", "updated_at"])
    return event


def event_cancel(*, user, event_id, reason: str = "") -> CancelOutcome:
    """Cancel the event (staff) and settle its orders; idempotent."""
    now = timezone.now()
    event = _event_mark_cancelled(user=user, event_id=event_id, now=now)
    outcome = event_cancel_settle(event_id=event.pk, reason=reason, actor=user)
    outcome.event = Event.objects.select_related("organization").get(pk=event.pk)
    return outcome


def _link(event: Event) -> str:
    return object_link(EVENT_LINK, event.pk)


@transaction.atomic
def event_cancel_settle(*, event_id, reason: str = "", actor=None) -> CancelOutcome:
    """Settle the orders of a cancelled event (see the module); idempotent."""
    now = timezone.now()
    event = Event.objects.select_related("organization").get(pk=event_id)
    outcome = CancelOutcome(event=event)
    if event.status != EventStatus.CANCELLED:
        return outcome
    refund_reason = (reason or _("Event cancelled by the organiser.")).strip()[:300]
    holders: dict = {}
    sold_back: dict = {}
    paid_ids = list(
        Order.objects.filter(event=event, status=OrderStatus.PAID)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for order_id in paid_ids:
        # The payment first (the fulfilment's order), then the order.
        opened = refunds_open_for_target(
            target_type=PAYABLE, target_id=str(order_id), reason=refund_reason, actor=actor
        )
        outcome.refunds_opened += len(opened)
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or order.status != OrderStatus.PAID:
            continue
        paid = order.total > 0
        order.status = OrderStatus.REFUNDED if paid else OrderStatus.CANCELLED
        order.closed_at = now
        order.save(update_fields=["status", "closed_at", "updated_at"])
        tickets = Ticket.objects.filter(order=order, status=TicketStatus.VALID)
        for holder_id, ticket_type_id in tickets.values_list("holder_id", "ticket_type_id"):
            holders[holder_id] = holders.get(holder_id, False) or paid
            sold_back[ticket_type_id] = sold_back.get(ticket_type_id, 0) + 1
        outcome.tickets_cancelled += tickets.update(
            status=TicketStatus.REFUNDED if paid else TicketStatus.CANCELLED, updated_at=now
        )
        outcome.orders_refunded += 1
    pending = list(
        Order.objects.select_for_update(of=("self",))
        .filter(event=event, status=OrderStatus.PENDING)
        .order_by("pk")
    )
    held_back: dict = {}
    for order in pending:
        order.status = OrderStatus.CANCELLED
        order.closed_at = now
        order.hold_expires_at = None
        order.save(update_fields=["status", "closed_at", "hold_expires_at", "updated_at"])
        for type_id, count in counts_of(order.lines.all()).items():
            held_back[type_id] = held_back.get(type_id, 0) + count
        outcome.orders_cancelled += 1
    # The waiting list closes: nobody waits for a cancelled event, and an offer's held
    # seat goes back with the rest.
    for entry in (
        WaitingListEntry.objects.select_for_update(of=("self",))
        .filter(event=event, status__in=(WaitingStatus.WAITING, WaitingStatus.OFFERED))
        .order_by("pk")
    ):
        if entry.status == WaitingStatus.OFFERED:
            held_back[entry.ticket_type_id] = held_back.get(entry.ticket_type_id, 0) + 1
        entry.status = WaitingStatus.EXPIRED
        entry.closed_at = now
        entry.hold_expires_at = None
        entry.save(update_fields=["status", "closed_at", "hold_expires_at", "updated_at"])
        outcome.waiting_closed += 1
    seats_give_back(event_id=event.pk, counts=sold_back, sold=True)
    seats_give_back(event_id=event.pk, counts=held_back)
    if holders:
        from django.contrib.auth import get_user_model

        starts = local_time_text(event.starts_at, event.time_zone)
        link = _link(event)
        for holder in get_user_model().objects.filter(pk__in=list(holders)):
            notification_send(
                recipient=holder,
                kind=EVENT_CANCELLED,
                context={
                    "event": event.title,
                    "starts": starts,
                    "organization": event.organization.name,
                    "reason": reason[:300],
                    "refunded": holders[holder.pk],
                },
                link=link,
                idempotency_key=f"campus:event:{event.pk}:cancelled:{holder.pk}",
            )
    return outcome


def cancelled_events_settle() -> int:
    """The periodic job: settle cancelled events whose orders are not settled yet (a
    cancellation interrupted between its two steps). Returns how many were settled."""
    event_ids = list(
        Order.objects.filter(
            status__in=(OrderStatus.PENDING, OrderStatus.PAID),
            event__status=EventStatus.CANCELLED,
        )
        .values_list("event_id", flat=True)
        .distinct()[:SETTLE_BATCH]
    )
    for event_id in event_ids:
        event_cancel_settle(event_id=event_id)
    return len(event_ids)
