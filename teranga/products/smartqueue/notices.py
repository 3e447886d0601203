"""What SmartQueue tells its clients, through the notifications module.

Three types, on push, SMS and the user's live socket (no email: it would come too late):

* ``smartqueue.almost`` — "you're next": a waiting ticket reached position
  ``queue.notify_ahead`` or better (0 turns it off). Sent once per ticket: the ticket's
  ``ahead_notified_at`` is set by a conditional UPDATE (``… WHERE ahead_notified_at IS
  NULL``) in the same transaction as the notification row.
* ``smartqueue.called`` — "your turn: A012 at Guichet 3", on every call, recall and
  return of a parked ticket (idempotency key: the ticket and its call count). Urgent:
  quiet hours never hold it back.
* ``smartqueue.leave_now`` — "leave now: about N min by car; your turn in about M min",
  once, when the client's travel time plus the queue's margin reaches the estimated
  wait (see :mod:`.leave_now`).

An SMS costs the organisation one unit of its plan's allowance (``services.usage``): it
is taken before the notification is recorded, and when the allowance is spent — or the
user has no verified phone, which takes nothing — the SMS channel is left out.
Tickets without an account (taken by SMS or at a kiosk) with a phone number get
"almost" and "called" as a plain SMS (``sms_send``), once each, in the ticket's
language.

:func:`ticket_changed` runs inside the transaction of every ticket change (see
``effects``). It only does work when it must: a call notifies the called client; when
a waiting ticket leaves the queue (called, cancelled, transferred) the queue's order is
computed once and used for "almost" and to re-evaluate "leave now". Rows of other
tickets are taken with ``SKIP LOCKED`` so that two counters calling at once never wait
on each other (a row another transaction holds is looked at again on the next change).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from teranga.platform.notifications.models import Channel
from teranga.platform.notifications.services import notification_send, sms_send
from teranga.platform.notifications.types import (
    NotificationType,
    json_context,
    notification_type,
    rendering,
    sms_text,
)

from .models import Ticket, TicketStatus
from .selectors.positions import queue_order

logger = logging.getLogger(__name__)

ALMOST = "smartqueue.almost"
CALLED = "smartqueue.called"
LEAVE_NOW = "smartqueue.leave_now"
CHANNELS = (Channel.PUSH, Channel.SMS, Channel.WEBSOCKET)

#: Actions that put a ticket at a counter: its client is told "your turn".
CALL_ACTIONS = frozenset({"call", "recall", "unpark"})
#: Actions after which the queue may have moved forward, when the ticket was waiting
#: (expiry is left out: the queue is closing, nobody's turn is coming).
QUEUE_MOVES = frozenset({"call", "cancel", "transfer"})

S = TicketStatus


# --- Texts -----------------------------------------------------------------------------------


def _mode_phrase(mode: str) -> str:
    return {
        "car": _("by car"),
        "taxi": _("by taxi"),
        "public": _("by public transport"),
        "walk": _("on foot"),
    }.get(mode or "car", _("by car"))


def _ahead(ctx: dict[str, Any]) -> int:
    return max(int(ctx.get("position") or 1) - 1, 0)


def _almost_title(ctx):
    return _("Almost your turn: %(number)s") % {"number": ctx.get("number", "")}


def _almost_body(ctx):
    values = {
        "number": ctx.get("number", ""),
        "branch": ctx.get("branch", ""),
        "count": _ahead(ctx),
    }
    if values["count"] == 0:
        return _("Ticket %(number)s: you are next at %(branch)s. Get ready.") % values
    return (
        ngettext(
            "Ticket %(number)s: %(count)d person before you at %(branch)s. Get ready.",
            "Ticket %(number)s: %(count)d people before you at %(branch)s. Get ready.",
            values["count"],
        )
        % values
    )


def _almost_sms(ctx):
    values = {"number": ctx.get("number", ""), "count": _ahead(ctx)}
    if values["count"] == 0:
        return _("%(number)s: you are next. Come to the counters.") % values
    return _("%(number)s: your turn soon, %(count)d before you.") % values


def _called_title(ctx):
    return _("Your turn: %(number)s at %(counter)s") % {
        "number": ctx.get("number", ""),
        "counter": ctx.get("counter", ""),
    }


def _called_body(ctx):
    return _("Ticket %(number)s, please go to %(counter)s (%(branch)s).") % {
        "number": ctx.get("number", ""),
        "counter": ctx.get("counter", ""),
        "branch": ctx.get("branch", ""),
    }


def _called_sms(ctx):
    return _("%(number)s: your turn, go to %(counter)s.") % {
        "number": ctx.get("number", ""),
        "counter": ctx.get("counter", ""),
    }


def _leave_values(ctx):
    return {
        "number": ctx.get("number", ""),
        "branch": ctx.get("branch", ""),
        "travel": int(ctx.get("travel_minutes") or 0),
        "wait": int(ctx.get("wait_minutes") or 0),
        "mode": _mode_phrase(ctx.get("mode", "")),
    }


def _leave_now_title(ctx):
    return _("Leave now for %(branch)s") % {"branch": ctx.get("branch", "")}


def _leave_now_body(ctx):
    return _(
        "Leave now: about %(travel)d min %(mode)s; your turn in about %(wait)d min "
        "(ticket %(number)s)."
    ) % _leave_values(ctx)


def _leave_now_sms(ctx):
    return _("%(number)s: leave now. %(travel)d min %(mode)s, your turn in %(wait)d min.") % (
        _leave_values(ctx)
    )


SAMPLE = {
    "ticket": "00000000-0000-4000-8000-000000000001",
    "number": "A012",
    "queue": "Guichet",
    "organization": "Banque Teranga",
    "branch": "Agence Plateau",
    "counter": "Guichet 3",
    "position": 3,
    "travel_minutes": 18,
    "wait_minutes": 20,
    "mode": "car",
}

#: SmartQueue's notification types (declared in ``product``).
TYPES = {
    name: NotificationType(
        name=name,
        channels=CHANNELS,
        title=title,
        body=body,
        sms=sms,
        urgent=urgent,
        sample=SAMPLE,
        label=label,
    )
    for name, title, body, sms, urgent, label in (
        (
            ALMOST,
            _almost_title,
            _almost_body,
            _almost_sms,
            False,
            gettext_lazy("Queue: almost your turn"),
        ),
        (CALLED, _called_title, _called_body, _called_sms, True, gettext_lazy("Queue: your turn")),
        (
            LEAVE_NOW,
            _leave_now_title,
            _leave_now_body,
            _leave_now_sms,
            False,
            gettext_lazy("Queue: time to leave"),
        ),
    )
}


# --- Sending ---------------------------------------------------------------------------------


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
    from .services.usage import sms_quota_take

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
            idempotency_key=key,
            channels=_channels_for(user, ticket.organization),
        )
        return True
    if not ticket.phone:
        return False
    from .services.usage import sms_quota_take

    if not sms_quota_take(organization=ticket.organization):
        logger.info("sms allowance spent", extra={"organization": str(ticket.organization_id)})
        return False
    kind_type = notification_type(kind)
    data = json_context(context)
    with rendering(ticket.language):
        title, body = kind_type.render_title(data), kind_type.render_body(data)
        text = sms_text(kind_type, data, title=title, body=body)
    sms_send(to=ticket.phone, body=text, purpose=kind)
    return True


def called_key(ticket: Ticket) -> str:
    called = int(ticket.called_at.timestamp()) if ticket.called_at else 0
    return f"smartqueue:{ticket.pk}:called:{ticket.recall_count}:{called}"


def _announce_called(ticket: Ticket) -> None:
    counter = ticket.counter.name if ticket.counter_id else ""
    notify(ticket, CALLED, key=called_key(ticket), counter=counter)


def _claim(field: str, pk, now) -> bool:
    """Set ``field`` (a "sent at" marker) on the waiting ticket ``pk`` if nobody did:
    True for the one caller who set it. A row another transaction holds is skipped."""
    with transaction.atomic():
        held = list(
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status=S.WAITING, **{f"{field}__isnull": True})
            .values_list("pk", flat=True)
        )
        if not held:
            return False
        updated = Ticket.objects.filter(
            pk=pk, status=S.WAITING, **{f"{field}__isnull": True}
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
        if not _claim("ahead_notified_at", ticket.pk, now):
            continue
        ticket.queue = queue
        position = head.index(ticket.pk) + 1
        notify(ticket, ALMOST, key=f"smartqueue:{ticket.pk}:almost", position=position)
        told += 1
    return told


def ticket_changed(ticket: Ticket, *, action: str, previous_status: str) -> None:
    """Called inside the transaction of every ticket change (see ``effects``)."""
    if action in CALL_ACTIONS and ticket.status == S.CALLED:
        _announce_called(ticket)
    if action in QUEUE_MOVES and previous_status == S.WAITING:
        from .leave_now import leave_now_queue

        queue = ticket.queue
        order = queue_order(queue)
        announce_almost(queue, order)
        leave_now_queue(queue, order=order)


def leave_now_sweep(*, now=None) -> int:
    """The periodic "leave now" sweep (see :mod:`.leave_now`)."""
    from .leave_now import leave_now_sweep as sweep

    return sweep(now=now)
