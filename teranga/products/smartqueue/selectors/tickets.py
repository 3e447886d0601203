"""Reads of tickets and counters for the API: who may see what, lists, live state.

* A ticket is visible to its client, and to the agents and above (and staff) of its
  organisation (``TICKETS_VIEW``); anyone else gets 404.
* A counter is operated by the agents and above of its organisation
  (``COUNTER_OPERATE``): another organisation's counter is 404, a member below agent 403.
* Lists select their relations in one query; their size never changes the query count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.db import related_only
from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.access import can, ensure, get_organization_for
from teranga.platform.organizations.models import VerificationStatus
from teranga.products.smartqueue.errors import SmartQueueError

from ..access import COUNTER_OPERATE, TICKETS_VIEW
from ..models import (
    ACTIVE_STATUSES,
    AT_COUNTER_STATUSES,
    AgentSession,
    Counter,
    Queue,
    Ticket,
    TicketStatus,
)
from ..qr import QR_PREFIX
from .catalog import owned
from .estimates import estimate_wait
from .positions import ticket_position

TICKET_RELATIONS = ("queue", "service", "branch", "counter", "organization")


def _tickets():
    return Ticket.objects.select_related(*TICKET_RELATIONS)


def listed(queryset):
    """``queryset`` with only what a list shows of the queue, service, branch, counter
    and organisation (``TicketSerializer``)."""
    return related_only(
        queryset,
        queue=["name", "prefix", "kind"],
        service=["name"],
        branch=["name", "address", "commune"],
        counter=["name"],
        organization=["name"],
    )


# --- Taking a ticket ---------------------------------------------------------------------


def queue_for_ticket_taking(*, queue_id) -> Queue:
    """An active queue of a verified organisation (else 404 ``queue_not_found``)."""
    key = parse_uuid(queue_id)
    queue = (
        Queue.objects.select_related("organization", "branch", "service")
        .filter(
            pk=key,
            is_active=True,
            branch__is_active=True,
            service__is_active=True,
            organization__verification_status=VerificationStatus.VERIFIED,
        )
        .first()
        if key
        else None
    )
    if queue is None:
        raise NotFound(_("No such queue."), code=SmartQueueError.QUEUE_NOT_FOUND)
    return queue


# --- One ticket --------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveEstimate:
    """Where a ticket stands now: 1 = next; 0 when it is not waiting. ``wait_seconds``
    and ``call_at`` are ``None`` while the wait is unknown (no counter open on the
    queue: ``selectors.estimates``)."""

    position: int
    wait_seconds: int | None
    call_at: datetime | None


def _call_at(start: datetime, wait: int | None) -> datetime | None:
    return None if wait is None else start + timedelta(seconds=wait)


def ticket_live_estimate(ticket: Ticket, *, now: datetime | None = None) -> LiveEstimate:
    now = now or timezone.now()
    position = ticket_position(ticket)
    if position <= 0:
        return LiveEstimate(0, 0, None)
    wait = estimate_wait(ticket.queue, position - 1, now=now)
    return LiveEstimate(position, wait, _call_at(now, wait))


def issued_estimate(ticket: Ticket) -> LiveEstimate:
    """The estimate computed when the ticket was issued (no extra query)."""
    if ticket.status != TicketStatus.WAITING:
        return LiveEstimate(0, 0, None)
    wait = ticket.estimated_wait_at_issue
    return LiveEstimate(ticket.position_at_issue, wait, _call_at(ticket.created_at, wait))


def ticket_for_viewer(*, user, ticket_id) -> Ticket:
    """The ticket if ``user`` is its client or may see its organisation's tickets."""
    key = parse_uuid(ticket_id)
    ticket = _tickets().filter(pk=key).first() if key else None
    if ticket is None or not (
        (ticket.user_id is not None and ticket.user_id == getattr(user, "pk", None))
        or can(user, ticket.organization, TICKETS_VIEW)
    ):
        raise NotFound(_("No such ticket."), code=SmartQueueError.TICKET_NOT_FOUND)
    return ticket


def normalize_code(code: str) -> str:
    """A scanned QR (``TERANGA-SQ:ABCD2345``) or a typed code, as stored."""
    value = (code or "").strip()
    if value.upper().startswith(QR_PREFIX):
        value = value[len(QR_PREFIX) :]
    return value.strip().upper()


def ticket_by_code(*, user, code: str, organization_id=None) -> Ticket:
    """The ticket with this code, for its organisation's agents and above (and staff):
    404 when there is none or the caller is not of its organisation (or of
    ``organization_id`` when given), 403 for a member below agent."""
    queryset = _tickets().filter(code=normalize_code(code))
    if organization_id is not None:
        queryset = queryset.filter(organization_id=organization_id)
    ticket = queryset.first()
    if ticket is None:
        raise NotFound(_("No ticket has this code."), code=SmartQueueError.TICKET_NOT_FOUND)
    try:
        ensure(user, ticket.organization, TICKETS_VIEW)
    except NotFound:
        raise NotFound(
            _("No ticket has this code."), code=SmartQueueError.TICKET_NOT_FOUND
        ) from None
    return ticket


# --- Lists -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketFilters:
    statuses: tuple[str, ...] = ()
    active: bool | None = None
    branch_id: object = None
    queue_id: object = None
    day: date | None = None


def _filtered(queryset, filters: TicketFilters):
    if filters.statuses:
        queryset = queryset.filter(status__in=filters.statuses)
    if filters.active is True:
        queryset = queryset.filter(status__in=ACTIVE_STATUSES)
    elif filters.active is False:
        queryset = queryset.exclude(status__in=ACTIVE_STATUSES)
    if filters.branch_id:
        queryset = queryset.filter(branch_id=filters.branch_id)
    if filters.queue_id:
        queryset = queryset.filter(queue_id=filters.queue_id)
    if filters.day:
        queryset = queryset.filter(day=filters.day)
    return queryset


def tickets_of_user(*, user, filters: TicketFilters):
    """The caller's own tickets, newest first."""
    return _filtered(_tickets().filter(user=user), filters).order_by("-created_at", "-id")


def tickets_of_organization(*, user, organization_id, filters: TicketFilters):
    """An organisation's tickets (agents and above, and staff), newest first."""
    organization = get_organization_for(user, organization_id, TICKETS_VIEW)
    queryset = _tickets().filter(organization=organization)
    return _filtered(queryset, filters).order_by("-day", "-created_at", "-id")


# --- Counters ----------------------------------------------------------------------------


def counter_for_agent(*, user, counter_id) -> Counter:
    """An active counter the user may operate: 404 for another organisation's (or none),
    403 for a member below agent."""
    return owned(
        Counter.objects.filter(is_active=True).select_related("branch"),
        user=user,
        object_id=counter_id,
        action=COUNTER_OPERATE,
        code=SmartQueueError.COUNTER_NOT_FOUND,
    )


@dataclass(frozen=True)
class QueueWaiting:
    queue: Queue
    waiting: int


@dataclass(frozen=True)
class CounterState:
    counter: Counter
    agent_id: object
    current: Ticket | None
    parked: list
    queues: list


def counter_state(*, counter: Counter) -> CounterState:
    """The counter's ticket in hand, its parked tickets and the waiting count of each of
    its queues (four queries, whatever the numbers)."""
    session = AgentSession.objects.filter(counter=counter, ended_at__isnull=True).first()
    at_counter = list(
        _tickets().filter(
            Q(status__in=AT_COUNTER_STATUSES)
            | Q(status=TicketStatus.WAITING, parked_at__isnull=False),
            counter=counter,
        )
    )
    current = next((t for t in at_counter if t.status in AT_COUNTER_STATUSES), None)
    parked = sorted(
        (t for t in at_counter if t.status == TicketStatus.WAITING), key=lambda t: t.parked_at
    )
    queues = list(
        counter.queues.filter(is_active=True)
        .annotate(
            waiting_count=Count(
                "tickets",
                filter=Q(tickets__status=TicketStatus.WAITING, tickets__parked_at__isnull=True),
            )
        )
        .order_by("prefix")
    )
    return CounterState(
        counter=counter,
        agent_id=session.agent_id if session else None,
        current=current,
        parked=parked,
        queues=[QueueWaiting(queue, queue.waiting_count) for queue in queues],
    )
