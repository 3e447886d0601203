"""Orders: a cart that holds its seats for :data:`HOLD_MINUTES` while it is paid.

* :func:`order_create` — a signed-in student who may see the event orders seats of its
  ticket types: the event published and not started, each type on sale (active, inside
  its sales window), at most ``max_per_order`` per type and :data:`MAX_PER_ORDER` in all.
  The seats are taken at once (``services.seats``: 409 ``sold_out``), each line priced at
  that moment (tiers). A free order (total 0) is paid at once and issues its tickets;
  otherwise it is pending with ``hold_expires_at`` and is paid through the payable
  ``campus.order`` (``payables``). With a waiting-list ``offer``, the order is one seat
  of the offer's type, which the offer already holds.
* :func:`order_fulfil` — the payment succeeded: the order is paid and its tickets
  issued; a lapsed, expired or cancelled order is refused (the payment is refunded).
* :func:`order_cancel` — the buyer gives up a pending order: its seats go back.
* :data:`ORDER_HOLDS` — the held-order kind: ``core.holds_expire`` expires lapsed
  pending orders and gives their seats back.
* :func:`order_refunded` — a paid order's payment was refunded in full (staff): its
  tickets are refunded and their seats go back.

Every path that frees seats of a ticket type (expiry, cancel, refund — not an event's
cancellation) first offers them to the waiting list (``waitlist_seats_freed``) and gives
back only the rest. Lock order: the order row, then the seats (event, shared quotas,
ticket types), then the tickets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, Forbidden, Gone, NotFound, ValidationFailed
from teranga.core.holds import HeldOrderKind, hold_until
from teranga.core.validators import parse_uuid

from ..errors import CampusError
from ..models import (
    Event,
    EventStatus,
    Order,
    OrderLine,
    OrderStatus,
    Ticket,
    TicketKind,
    TicketStatus,
    TicketType,
    WaitingListEntry,
    WaitingStatus,
)
from ..models.tickets import HOLD_MINUTES, MAX_PER_ORDER
from ..selectors.access import event_for_viewer
from ..selectors.verification import is_verified_student
from .seats import SeatsUnavailable, seats_give_back, seats_take
from .ticket_types import unit_price
from .tickets import tickets_issue
from .waitlist import waitlist_seats_freed

PAYABLE = "campus.order"


def _order_not_found() -> NotFound:
    return NotFound(_("No such order."), code=CampusError.ORDER_NOT_FOUND)


def _check_event_on_sale(event, now: datetime, buyer) -> None:
    if event.status == EventStatus.CANCELLED:
        raise Conflict(_("This event is cancelled."), code=CampusError.EVENT_CANCELLED)
    if event.status != EventStatus.PUBLISHED:
        raise Conflict(_("This event is not on sale."), code=CampusError.EVENT_NOT_PUBLISHED)
    if event.starts_at <= now:
        raise Conflict(_("This event has already started."), code=CampusError.EVENT_STARTED)
    if event.requires_verified_student and not is_verified_student(buyer, event.university_id):
        raise Forbidden(
            _("Only verified students may get tickets for this event."),
            code=CampusError.VERIFIED_STUDENT_REQUIRED,
        )


def _check_on_sale(ticket_type: TicketType, now: datetime) -> None:
    closed = (
        not ticket_type.is_active
        or (ticket_type.sales_start is not None and now < ticket_type.sales_start)
        or (ticket_type.sales_end is not None and now >= ticket_type.sales_end)
    )
    if closed:
        raise Conflict(
            _("“%(name)s” is not on sale now.") % {"name": ticket_type.name},
            code=CampusError.SALES_CLOSED,
        )


def _wanted(event, lines: list[dict[str, Any]]) -> list[tuple[TicketType, int]]:
    """The lines as (ticket type of the event, quantity), checked."""
    if not lines:
        message = _("Order at least one ticket.")
        raise ValidationFailed(message, fields={"lines": [message]})
    keys = [parse_uuid(str(line["ticket_type"])) for line in lines]
    if len(set(keys)) != len(keys):
        message = _("Each ticket type appears once; give its quantity.")
        raise ValidationFailed(message, fields={"lines": [message]})
    types = {t.pk: t for t in TicketType.objects.filter(event=event, pk__in=[k for k in keys if k])}
    if len(types) != len(keys):
        raise NotFound(_("No such ticket type."), code=CampusError.TICKET_TYPE_NOT_FOUND)
    wanted = [(types[key], int(line["quantity"])) for key, line in zip(keys, lines, strict=True)]
    total = sum(quantity for _type, quantity in wanted)
    too_many = total > MAX_PER_ORDER or any(q > t.max_per_order for t, q in wanted)
    if too_many or any(q < 1 for _t, q in wanted):
        message = _("Too many tickets in one order (at most %(count)d).") % {
            "count": min([MAX_PER_ORDER, *(t.max_per_order for t, _q in wanted)])
        }
        raise ValidationFailed(
            message, code=CampusError.TOO_MANY_TICKETS, fields={"lines": [message]}
        )
    return wanted


def _offer_lock(offer: WaitingListEntry, *, buyer, event, now: datetime) -> WaitingListEntry:
    entry = (
        WaitingListEntry.objects.select_for_update()
        .select_related("ticket_type")
        .filter(pk=offer.pk, user=buyer, event=event)
        .first()
    )
    if (
        entry is None
        or entry.status != WaitingStatus.OFFERED
        or entry.hold_expires_at is None
        or entry.hold_expires_at <= now
    ):
        raise Conflict(
            _("This waiting-list offer is no longer valid."), code=CampusError.OFFER_NOT_VALID
        )
    return entry


def _mark_paid(order: Order, now: datetime) -> None:
    order.status = OrderStatus.PAID
    order.paid_at = now
    order.hold_expires_at = None
    order.save(update_fields=["status", "paid_at", "hold_expires_at", "updated_at"])
    tickets_issue(order=order)


def _visibly_sold_out(event, wanted: list[tuple[TicketType, int]]) -> None:
    """409 ``sold_out`` when the rows just read already show too few seats: refused
    without a write transaction (in a rush, most buyers arrive after the last seat).
    Only a shortcut: the conditional ``UPDATE``s decide."""
    total = sum(quantity for _type, quantity in wanted)
    short = any(t.quota - t.taken < q for t, q in wanted) or (
        event.capacity is not None and event.capacity - event.taken < total
    )
    if short:
        raise SeatsUnavailable(
            _("Not enough seats are left for this order."), code=CampusError.SOLD_OUT
        )


def order_create(*, buyer, event_id, lines, offer=None) -> Order:
    """A pending order of ``lines`` (``[{"ticket_type": id, "quantity": n}]``) for
    ``buyer``, its seats taken; paid at once when free. With ``offer`` (the buyer's
    waiting-list entry, offered and not lapsed): one seat of its type, already held.

    The checks read first, outside the write transaction (on SQLite a write transaction
    holds the database's one write lock from its start); the seats are then taken by the
    conditional ``UPDATE``s, which decide."""
    now = timezone.now()
    event = event_for_viewer(user=buyer, event_id=event_id)
    _check_event_on_sale(event, now, buyer)
    if offer is None:
        wanted = _wanted(event, list(lines or ()))
        for ticket_type, _quantity in wanted:
            _check_on_sale(ticket_type, now)
        _visibly_sold_out(event, wanted)
    with transaction.atomic():
        entry = None
        if offer is not None:
            entry = _offer_lock(offer, buyer=buyer, event=event, now=now)
            wanted = [(entry.ticket_type, 1)]
            _check_on_sale(entry.ticket_type, now)
        else:
            seats_take(event_id=event.pk, counts={t.pk: q for t, q in wanted})
            if any(t.kind == TicketKind.TIERED for t, _q in wanted):
                # Priced under the row locks the seats just took (tiers read ``sold``).
                fresh = TicketType.objects.in_bulk([t.pk for t, _q in wanted])
                wanted = [(fresh[t.pk], q) for t, q in wanted]
        priced = [(t, q, unit_price(t)) for t, q in wanted]
        order = Order.objects.create(
            organization_id=event.organization_id,
            event=event,
            buyer=buyer,
            status=OrderStatus.PENDING,
            total=sum(q * price for _t, q, price in priced),
            currency=event.currency,
            hold_expires_at=hold_until(now, HOLD_MINUTES),
            offer=entry,
        )
        OrderLine.objects.bulk_create(
            [OrderLine(order=order, ticket_type=t, quantity=q, unit_price=p) for t, q, p in priced]
        )
        if entry is not None:
            entry.status = WaitingStatus.ACCEPTED
            entry.closed_at = now
            entry.save(update_fields=["status", "closed_at", "updated_at"])
        order.event = event
        if order.total == 0:
            _mark_paid(order, now)
    return order


def _lock(order_id, **filters) -> Order:
    key = parse_uuid(order_id)
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("event__organization", "buyer")
        .filter(pk=key, **filters)
        .first()
        if key
        else None
    )
    if order is None:
        raise _order_not_found()
    return order


def _free_seats(order: Order, now: datetime, *, sold: bool = False) -> None:
    """Give back the seats of ``order`` (locked), offering them to the waiting list
    first: the offers keep the seats they hold, the rest go back."""
    lines = list(order.lines.select_related("ticket_type"))
    back: dict = {}
    for line in lines:
        offered = waitlist_seats_freed(ticket_type=line.ticket_type, count=line.quantity, now=now)
        offered = max(0, min(int(offered or 0), line.quantity))
        back[line.ticket_type_id] = line.quantity - offered
        if sold and offered:
            # Sold seats now held by offers: no longer sold, still taken.
            TicketType.objects.filter(pk=line.ticket_type_id).update(sold=F("sold") - offered)
            Event.objects.filter(pk=order.event_id).update(sold_count=F("sold_count") - offered)
    seats_give_back(event_id=order.event_id, counts=back, sold=sold)


def order_fulfil(*, order_id) -> Order:
    """The order's payment succeeded: paid, tickets issued. Gone ``hold_expired`` when
    its hold lapsed (or it expired, or was cancelled); Conflict when it is no longer
    pending or the event stopped selling: the payable refuses (refund)."""
    now = timezone.now()
    order = _lock(order_id)
    if order.status in (OrderStatus.EXPIRED, OrderStatus.CANCELLED) or order.hold_lapsed(now):
        raise Gone(_("The hold on these seats has expired."), code=CampusError.HOLD_EXPIRED)
    if order.status != OrderStatus.PENDING:
        raise Conflict(
            _("This order is not awaiting payment."), code=CampusError.NOT_AWAITING_PAYMENT
        )
    if order.event.status != EventStatus.PUBLISHED:
        raise Conflict(_("This event is cancelled."), code=CampusError.EVENT_CANCELLED)
    _mark_paid(order, now)
    return order


@transaction.atomic
def order_cancel(*, user, order_id) -> Order:
    """The buyer gives up a pending order: cancelled, its seats back."""
    now = timezone.now()
    order = _lock(order_id, buyer=user)
    if order.status != OrderStatus.PENDING:
        raise Conflict(
            _("Only an order awaiting payment can be cancelled."),
            code=CampusError.NOT_AWAITING_PAYMENT,
        )
    order.status = OrderStatus.CANCELLED
    order.closed_at = now
    order.hold_expires_at = None
    order.save(update_fields=["status", "closed_at", "hold_expires_at", "updated_at"])
    _free_seats(order, now)
    return order


def _order_expire(order: Order, *, now: datetime) -> None:
    """The held-order callback (row locked, still pending, hold lapsed): expired, its
    seats back. A payment still open expires with the hold (its ``expires_at``); one
    that succeeds late is refused and refunded (:func:`order_fulfil`)."""
    order.status = OrderStatus.EXPIRED
    order.closed_at = now
    order.save(update_fields=["status", "closed_at", "updated_at"])
    _free_seats(order, now)


#: Orders as a kind of held order (``Product.held_orders``).
ORDER_HOLDS = HeldOrderKind(
    model=Order, pending=OrderStatus.PENDING, expire=_order_expire, related=("event",)
)


@transaction.atomic
def order_refunded(*, order_id, fully: bool) -> None:
    """A refund of the order's payment succeeded. Fully refunded and still paid (a
    staff refund; an event's cancellation has already settled its orders): the order
    and its valid tickets are refunded, their seats back."""
    if not fully:
        return
    now = timezone.now()
    key = parse_uuid(str(order_id))
    order = (
        Order.objects.select_for_update(of=("self",)).select_related("event").filter(pk=key).first()
        if key
        else None
    )
    if order is None or order.status != OrderStatus.PAID:
        return
    order.status = OrderStatus.REFUNDED
    order.closed_at = now
    order.save(update_fields=["status", "closed_at", "updated_at"])
    valid = Ticket.objects.filter(order=order, status=TicketStatus.VALID)
    refunded = valid.update(status=TicketStatus.REFUNDED, updated_at=now)
    if refunded and order.event.status != EventStatus.CANCELLED:
        _free_seats(order, now, sold=True)
