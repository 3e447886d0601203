"""Sending SmartQueue's notices (the types and their texts: :mod:`..notices`).

* "almost your turn" (:func:`announce_almost`) is sent once per ticket: the ticket's
  ``ahead_notified_at`` is set by a conditional UPDATE (``… WHERE ahead_notified_at IS
  NULL``, :func:`ticket_notice_claim`) in the same transaction as the notification row.
* "your turn" (:func:`announce_called`) on every call, recall and return of a parked
  ticket (idempotency key: the ticket and its call count, :func:`called_key`).
* "leave now" is decided by :mod:`..leave_now`, which claims and sends through here.

An SMS costs the organisation one unit of its plan's allowance (``services.usage``): it
is taken before the notification is recorded, and when the allowance is spent — or the
user has no verified phone, which takes nothing — the SMS channel is left out.
Tickets without an account (taken by SMS or at a kiosk) with a phone number get
"almost" and "called" as a plain SMS (``sms_send``), once each, in the ticket's
language.

``effects`` calls these inside the transaction of every ticket change. Rows of other
tickets are taken with ``SKIP LOCKED`` so that two counters calling at once never wait
on each other (a row another transaction holds is looked at again on the next change).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from teranga.core.links import object_link
from teranga.platform.notifications.models import Channel
from teranga.platform.notifications.services import notification_send, sms_send

from ..links import TICKET_LINK
from ..models import Ticket, TicketStatus
from ..notices import ALMOST, CALLED, CHANNELS, plain_sms
from .usage import sms_quota_take

logger = logging.getLogger(__name__)

#: Actions that put a ticket at a counter: its client is told "your turn".
CALL_ACTIONS = frozenset({"call", "recall", "unpark"})
#: Actions after which the queue may have moved forward, when the ticket was waiting
#: (expiry is left out: the queue is closing, nobody's turn is coming).
QUEUE_MOVES = frozenset({"call", "cancel", "transfer"})

S = TicketStatus


def ticket_context(ticket: Ticket, **extra: Any) -> dict[str, Any]:
    queue = ticket.queue
    context = {
        "ticket": str(ticket.pk),
        "number": ticket.display_number,
        "queue": queue.name,
        "organization": ticket.organization.name,
        "branch": ticket.branch.name,
    }
    context.update(extra)
    return context


def _has_verified_phone(user) -> bool:
    return bool(getattr(user, "phone", None)) and bool(getattr(user, "phone_verified", False))


def _channels_for(user, organization) -> tuple[str, ...]:
    """The type's channels, without SMS when the user has no verified phone (nothing is
    taken then) or the organisation's SMS allowance is spent."""
    verified = _has_verified_phone(user) and not getattr(user, "erased_at", None)
    if verified and sms_quota_take(organization=organization):
        return CHANNELS
    return tuple(c for c in CHANNELS if c != Channel.SMS)


def notify(ticket: Ticket, kind: str, *, key: str, **extra: Any) -> bool:
    """Tell the ticket's client (an account, else a phone number by plain SMS). Returns
    whether anything was recorded. Call it inside the transaction of the change."""
    context = ticket_context(ticket, **extra)
    user = ticket.user if ticket.user_id else None
    if user is not None:
        if not user.is_active:
            return False
        notification_send(
            recipient=user,
            kind=kind,
            context=context,
            link=object_link(TICKET_LINK, ticket.pk),
            idempotency_key=key,
            channels=_channels_for(user, ticket.organization),
        )
        return True
    if not ticket.phone:
        return False
    if not sms_quota_take(organization=ticket.organization):
        logger.info("sms allowance spent", extra={"organization": str(ticket.organization_id)})
        return False
    text = plain_sms(kind, context, language=ticket.language)
    sms_send(to=ticket.phone, body=text, purpose=kind)
    return True


def called_key(ticket: Ticket) -> str:
    called = int(ticket.called_at.timestamp()) if ticket.called_at else 0
    return f"smartqueue:{ticket.pk}:called:{ticket.recall_count}:{called}"


def announce_called(ticket: Ticket) -> None:
    """Tell the client of ``ticket``, just called to its counter: "your turn"."""
    counter = ticket.counter.name if ticket.counter_id else ""
    notify(ticket, CALLED, key=called_key(ticket), counter=counter)


def ticket_notice_claim(*, ticket_id, field: str, now) -> bool:
    """Set ``field`` (a "sent at" marker: ``ahead_notified_at``, ``leave_now_at``) on the
    waiting ticket ``ticket_id`` if nobody did: True for the one caller who set it. A row
    another transaction holds is skipped."""
    with transaction.atomic():
        held = list(
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(pk=ticket_id, status=S.WAITING, **{f"{field}__isnull": True})
            .values_list("pk", flat=True)
        )
        if not held:
            return False
        updated = Ticket.objects.filter(
            pk=ticket_id, status=S.WAITING, **{f"{field}__isnull": True}
        ).update(**{field: now, "updated_at": now})
        return updated == 1


def announce_almost(queue, order: list, *, now=None) -> int:
    """Send "almost your turn" to the tickets now at position ``queue.notify_ahead`` or
    better that were not told yet. Returns how many were told."""
    if not queue.notify_ahead or not order:
        return 0
    now = now or timezone.now()
    head = order[: queue.notify_ahead]
    fresh = (
        Ticket.objects.filter(pk__in=head, ahead_notified_at__isnull=True, status=S.WAITING)
        .select_related("user", "organization", "branch")
        .order_by()
    )
    told = 0
    for ticket in fresh:
        if not ticket_notice_claim(ticket_id=ticket.pk, field="ahead_notified_at", now=now):
            continue
        ticket.queue = queue
        position = head.index(ticket.pk) + 1
        notify(ticket, ALMOST, key=f"smartqueue:{ticket.pk}:almost", position=position)
        told += 1
    return told
