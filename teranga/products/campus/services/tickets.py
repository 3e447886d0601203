"""Tickets: issued when an order is paid (one per seat), transferred to another user,
refunded.

* :func:`tickets_issue` — inside the paying transaction: one :class:`Ticket` per seat
  (an unguessable 20-character code; the QR encodes ``TERANGA-CAMPUS:<code>``), the
  ``sold`` counters, and a ``campus.ticket_issued`` notification per ticket (recorded in
  the transaction, delivered after commit).
* :func:`ticket_transfer` — the holder hands a valid ticket to another registered user,
  before the event starts and only if the organiser allows transfers; the ticket gets a
  new code (the old QR is void), the transfer is recorded, the new holder told.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.codes import random_code
from teranga.core.errors import Conflict, NotFound, ValidationFailed
from teranga.core.links import local_time_text, object_link
from teranga.core.validators import parse_uuid
from teranga.platform.notifications.services import notification_send

from ..errors import CampusError
from ..models import (
    EventStatus,
    Order,
    Ticket,
    TicketPresence,
    TicketStatus,
    TicketTransfer,
)
from ..ticket_notices import TICKET_ISSUED, TICKET_RECEIVED
from .seats import counts_of, seats_sold

#: Characters of a ticket code (32-letter alphabet: 100 bits).
CODE_LENGTH = 20
TICKET_LINK = "campus.ticket"


def ticket_page_path(code: str) -> str:
    return f"/campus/tickets/{code}/"


def ticket_context(ticket: Ticket, **extra) -> dict:
    event = ticket.event
    return {
        "ticket": str(ticket.pk),
        "event": event.title,
        "starts": local_time_text(event.starts_at, event.time_zone),
        "organization": event.organization.name,
        "ticket_type": ticket.ticket_type.name,
        "code": ticket.code,
        "page": ticket_page_path(ticket.code),
        **extra,
    }


def tickets_issue(*, order: Order) -> list[Ticket]:
    """Issue the tickets of ``order`` (locked, just marked paid): one per seat."""
    lines = list(order.lines.select_related("ticket_type"))
    tickets = [
        Ticket(
            organization_id=order.organization_id,
            event_id=order.event_id,
            order=order,
            ticket_type=line.ticket_type,
            holder_id=order.buyer_id,
            code=random_code(length=CODE_LENGTH),
            price=line.unit_price,
        )
        for line in lines
        for _seat in range(line.quantity)
    ]
    Ticket.objects.bulk_create(tickets)
    seats_sold(event_id=order.event_id, counts=counts_of(lines))
    buyer = order.buyer
    for ticket in tickets:
        ticket.event = order.event
        notification_send(
            recipient=buyer,
            kind=TICKET_ISSUED,
            context=ticket_context(ticket),
            link=object_link(TICKET_LINK, ticket.pk),
            idempotency_key=f"campus:ticket:{ticket.pk}:issued",
        )
    return tickets


def _recipient(email: str, holder):
    user = (
        get_user_model().objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    )
    if user is None:
        message = _("No Teranga account uses this email address.")
        raise ValidationFailed(
            message, code=CampusError.RECIPIENT_NOT_FOUND, fields={"email": [message]}
        )
    if user.pk == holder.pk:
        message = _("This ticket is already yours.")
        raise ValidationFailed(message, fields={"email": [message]})
    return user


@transaction.atomic
def ticket_transfer(*, user, ticket_id, email: str, now: datetime | None = None) -> Ticket:
    """Hand ``user``'s ticket to the user with ``email``: a new code, the transfer
    recorded, the new holder told. 404 ``ticket_not_found``; 409 ``ticket_not_valid``,
    ``event_started``, ``event_cancelled``, ``transfers_not_allowed``,
    ``ticket_checked_in``; 400 ``recipient_not_found``."""
    now = now or timezone.now()
    key = parse_uuid(ticket_id)
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("event__organization", "ticket_type")
        .filter(pk=key, holder=user)
        .first()
        if key
        else None
    )
    if ticket is None:
        raise NotFound(_("No such ticket."), code=CampusError.TICKET_NOT_FOUND)
    event = ticket.event
    if ticket.status != TicketStatus.VALID:
        raise Conflict(_("This ticket is no longer valid."), code=CampusError.TICKET_NOT_VALID)
    if event.status == EventStatus.CANCELLED:
        raise Conflict(_("This event is cancelled."), code=CampusError.EVENT_CANCELLED)
    if event.status != EventStatus.PUBLISHED or event.starts_at <= now:
        raise Conflict(
            _("Tickets cannot be transferred once the event has started."),
            code=CampusError.EVENT_STARTED,
        )
    if not event.transfers_allowed:
        raise Conflict(
            _("The organiser does not allow ticket transfers for this event."),
            code=CampusError.TRANSFERS_NOT_ALLOWED,
        )
    if TicketPresence.objects.filter(ticket=ticket, first_entry_at__isnull=False).exists():
        raise Conflict(
            _("This ticket was already used at the entrance."),
            code=CampusError.TICKET_CHECKED_IN,
        )
    recipient = _recipient(email, user)
    previous = ticket.code
    TicketTransfer.objects.create(
        ticket=ticket, from_user=user, to_user=recipient, previous_code=previous
    )
    ticket.holder = recipient
    ticket.code = random_code(length=CODE_LENGTH)
    ticket.save(update_fields=["holder", "code", "updated_at"])
    sender = user.get_full_name() if hasattr(user, "get_full_name") else ""
    notification_send(
        recipient=recipient,
        kind=TICKET_RECEIVED,
        context=ticket_context(ticket, from_name=sender or user.email),
        link=object_link(TICKET_LINK, ticket.pk),
        idempotency_key=f"campus:ticket:{ticket.pk}:received:{previous}",
    )
    return ticket
