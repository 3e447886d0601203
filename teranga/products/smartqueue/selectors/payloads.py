"""Tickets and counter states as plain dicts: the one shape the REST API answers
(``api.counter_serializers``; ``api.ticket_serializers.TicketSerializer`` gives the same
for a ticket) and the counters' sockets send (``live``).

Values are written the way Django REST framework writes them, so a payload is the same
byte for byte over HTTP and over a socket: UUIDs as strings, dates in ISO 8601,
datetimes in the current time zone in ISO 8601 with ``Z`` for UTC, ``None`` kept.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from ..models import Ticket, TicketStatus
from .tickets import CounterState

#: The datetime fields of a ticket, in the order they are sent.
TICKET_TIMES = (
    "created_at",
    "called_at",
    "serving_at",
    "served_at",
    "no_show_at",
    "cancelled_at",
    "transferred_at",
    "expired_at",
)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _day(value: date | str | None) -> str | None:
    """As ``rest_framework.fields.DateField`` (ISO 8601) writes it."""
    if not value or isinstance(value, str):
        return value or None
    return value.isoformat()


def _moment(value: datetime | str | None) -> str | None:
    """As ``rest_framework.fields.DateTimeField`` (ISO 8601) writes it: in the current
    time zone, ``Z`` for UTC."""
    if not value or isinstance(value, str):
        return value or None
    if not settings.USE_TZ:
        value = timezone.make_naive(value, UTC) if timezone.is_aware(value) else value
    elif timezone.is_aware(value):
        value = value.astimezone(timezone.get_current_timezone())
    else:
        value = timezone.make_aware(value, timezone.get_current_timezone())
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _named(obj) -> dict | None:
    return None if obj is None else {"id": _text(obj.pk), "name": _text(obj.name)}


def _queue(queue) -> dict | None:
    if queue is None:
        return None
    return {
        "id": _text(queue.pk),
        "name": _text(queue.name),
        "prefix": _text(queue.prefix),
        "kind": _text(queue.kind),
    }


def _branch(branch) -> dict | None:
    if branch is None:
        return None
    return {
        "id": _text(branch.pk),
        "name": _text(branch.name),
        "address": _text(branch.address),
        "commune": _text(branch.commune),
    }


def ticket_payload(ticket: Ticket) -> dict:
    """A ticket in a list: what it is and where it went, no live figures (the fields of
    ``TicketSerializer``, in its order). Reads only the relations selected with it."""
    payload = {
        "id": _text(ticket.pk),
        "number": _text(ticket.display_number),
        "day": _day(ticket.day),
        "queue": _queue(ticket.queue),
        "service": _named(ticket.service),
        "branch": _branch(ticket.branch),
        "organization": _named(ticket.organization),
        "status": _text(ticket.status),
        "channel": _text(ticket.channel),
        "ticket_class": _text(ticket.ticket_class),
        "code": _text(ticket.code),
        "counter": _named(ticket.counter),
        "is_parked": ticket.parked_at is not None and ticket.status == TicketStatus.WAITING,
    }
    for name in TICKET_TIMES:
        payload[name] = _moment(getattr(ticket, name))
    payload["recall_count"] = ticket.recall_count
    payload["rating"] = ticket.rating
    payload["rated_at"] = _moment(ticket.rated_at)
    return payload


def counter_state_payload(state: CounterState) -> dict:
    """A counter's console state (``selectors.tickets.counter_state``): its ticket in
    hand, its parked tickets and the waiting count of each of its queues."""
    return {
        "counter": _named(state.counter),
        "agent": _text(state.agent_id),
        "current": None if state.current is None else ticket_payload(state.current),
        "parked": [ticket_payload(ticket) for ticket in state.parked],
        "queues": [{"queue": _queue(item.queue), "waiting": item.waiting} for item in state.queues],
    }
