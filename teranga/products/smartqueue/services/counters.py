"""Counter actions: agent sessions, call next, recall, start, finish, no-show, transfer,
park and bring back.

Locks, always in this order: the counter row, then the ticket rows. Calling next locks
the counter (one call at a time per counter, and its mixed-strategy credits), then
takes the first waiting ticket by the strategy with ``FOR UPDATE SKIP LOCKED``: a
ticket another counter is calling at the same instant is skipped, not waited for, and
the status change is re-checked on the locked row, so two agents never call the same
ticket. (SQLite has no row locks; ``transaction_mode=IMMEDIATE`` runs one writer at a
time there, which gives the same guarantee.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, CoreError, NotFound, ValidationFailed
from teranga.products.smartqueue.errors import SmartQueueError

from .. import effects
from ..models import (
    AT_COUNTER_STATUSES,
    AgentSession,
    Counter,
    Queue,
    Strategy,
    Ticket,
    TicketStatus,
)
from ..strategies import pick_class
from .tickets import lock_ticket, ticket_issue, transition

S = TicketStatus
#: Tickets looked at per attempt when the first ones are being called elsewhere.
CALL_ATTEMPTS = 5


def _lock_counter(counter_id) -> Counter:
    counter = (
        Counter.objects.select_for_update(of=("self",))
        .select_related("organization", "branch")
        .filter(pk=counter_id, is_active=True)
        .first()
    )
    if counter is None:
        raise NotFound(_("No such counter."), code=SmartQueueError.COUNTER_NOT_FOUND)
    return counter


def open_session(counter: Counter) -> AgentSession | None:
    return AgentSession.objects.filter(counter=counter, ended_at__isnull=True).first()


def _require_session(counter: Counter, agent) -> AgentSession:
    session = open_session(counter)
    if session is None or session.agent_id != agent.pk:
        raise Conflict(_("Open a session on this counter first."), code=SmartQueueError.NO_SESSION)
    return session


def current_ticket(counter: Counter) -> Ticket | None:
    return (
        Ticket.objects.select_related("queue", "queue__service", "organization")
        .filter(counter=counter, status__in=AT_COUNTER_STATUSES)
        .first()
    )


def _require_current(counter: Counter, ticket_id=None) -> Ticket:
    current = current_ticket(counter)
    if current is None or (ticket_id is not None and str(current.pk) != str(ticket_id)):
        raise Conflict(
            _("This counter has no ticket in hand."), code=SmartQueueError.NO_CURRENT_TICKET
        )
    return lock_ticket(current.pk)


@transaction.atomic
def session_open(*, counter_id, agent, now: datetime | None = None) -> AgentSession:
    """``agent`` starts staffing the counter (ending their session elsewhere)."""
    now = now or timezone.now()
    counter = _lock_counter(counter_id)
    existing = open_session(counter)
    if existing is not None:
        if existing.agent_id == agent.pk:
            return existing
        raise Conflict(_("Another agent is at this counter."), code=SmartQueueError.COUNTER_TAKEN)
    for other in AgentSession.objects.select_for_update().filter(
        agent=agent, ended_at__isnull=True
    ):
        _close_session(other, now)
    try:
        with transaction.atomic():
            session = AgentSession.objects.create(
                organization_id=counter.organization_id,
                counter=counter,
                agent=agent,
                started_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Another agent is at this counter."), code=SmartQueueError.COUNTER_TAKEN
        ) from exc
    effects.counter_changed(counter, action="session_open")
    return session


def _close_session(session: AgentSession, now: datetime) -> None:
    session.ended_at = now
    session.save(update_fields=["ended_at", "updated_at"])
    effects.counter_changed(session.counter, action="session_close")


@transaction.atomic
def session_close(*, counter_id, agent, now: datetime | None = None) -> AgentSession:
    """``agent`` leaves the counter. A ticket still in hand goes back to the queue head."""
    now = now or timezone.now()
    counter = _lock_counter(counter_id)
    session = _require_session(counter, agent)
    current = current_ticket(counter)
    if current is not None:
        ticket = lock_ticket(current.pk)
        transition(
            ticket,
            S.WAITING,
            action="requeue",
            actor=agent,
            counter=counter,
            now=now,
            fields={"counter": None, "agent": None, "parked_at": None},
        )
    _close_session(session, now)
    return session


def _candidates(counter: Counter, queue_ids: list):
    return Ticket.objects.filter(queue_id__in=queue_ids, status=S.WAITING, parked_at__isnull=True)


@transaction.atomic
def counter_call_next(*, counter_id, agent, now: datetime | None = None) -> Ticket | None:
    """Call the next ticket by the counter's strategy across its queues. ``None`` when
    nobody is waiting."""
    now = now or timezone.now()
    counter = _lock_counter(counter_id)
    _require_session(counter, agent)
    if current_ticket(counter) is not None:
        raise Conflict(
            _("Finish the current ticket before calling the next."),
            code=SmartQueueError.COUNTER_BUSY,
        )
    queue_ids = list(counter.queues.filter(is_active=True).values_list("pk", flat=True))
    for _attempt in range(CALL_ATTEMPTS):
        waiting = _candidates(counter, queue_ids)
        classes = set(waiting.values_list("ticket_class", flat=True).distinct())
        if not classes:
            return None
        rotation = counter.rotation
        if counter.strategy == Strategy.WEIGHTED:
            chosen, rotation = pick_class(classes, counter.strategy, counter.weights, rotation)
            pool, ordering = waiting.filter(ticket_class=chosen), ("sort_at", "created_at")
        elif counter.strategy == Strategy.PRIORITY:
            pool, ordering = waiting, ("class_rank", "sort_at", "created_at")
        else:
            pool, ordering = waiting, ("sort_at", "created_at")
        ticket = pool.select_for_update(skip_locked=True).order_by(*ordering).first()
        if ticket is None:
            continue  # every head is being called by another counter: look again
        ticket.refresh_from_db()
        if ticket.status != S.WAITING or ticket.parked_at is not None:
            continue
        if rotation != counter.rotation:
            counter.rotation = rotation
            counter.save(update_fields=["rotation", "updated_at"])
        return transition(
            ticket,
            S.CALLED,
            action="call",
            actor=agent,
            counter=counter,
            now=now,
            fields={"counter": counter, "agent": agent},
        )
    return None


@transaction.atomic
def counter_recall(*, counter_id, agent, now: datetime | None = None) -> Ticket:
    counter = _lock_counter(counter_id)
    _require_session(counter, agent)
    ticket = _require_current(counter)
    if ticket.status != S.CALLED:
        raise Conflict(
            _("Only a called ticket can be recalled."), code=CoreError.ILLEGAL_TRANSITION
        )
    return transition(
        ticket,
        S.CALLED,
        action="recall",
        actor=agent,
        counter=counter,
        now=now,
        fields={"recall_count": ticket.recall_count + 1},
    )


@transaction.atomic
def counter_start(*, counter_id, agent, now: datetime | None = None) -> Ticket:
    counter = _lock_counter(counter_id)
    _require_session(counter, agent)
    ticket = _require_current(counter)
    return transition(ticket, S.SERVING, action="start", actor=agent, counter=counter, now=now)


@transaction.atomic
def counter_finish(*, counter_id, agent, note: str = "", now: datetime | None = None) -> Ticket:
    counter = _lock_counter(counter_id)
    _require_session(counter, agent)
    ticket = _require_current(counter)
    return transition(
        ticket,
        S.SERVED,
        action="finish",
        actor=agent,
        counter=counter,
        now=now,
        fields={"note": note[:300]} if note else None,
    )


@transaction.atomic
def counter_no_show(*, counter_id, agent, now: datetime | None = None) -> Ticket:
    counter = _lock_counter(counter_id)
    _require_session(counter, agent)
    ticket = _require_current(counter)
    return transition(ticket, S.NO_SHOW, action="no_show", actor=agent, counter=counter, now=now)


@transaction.atomic
def counter_transfer(
    *,
    counter_id,
    agent,
    queue_id,
    keep_arrival: bool | None = None,
    ticket_id=None,
    now: datetime | None = None,
) -> Ticket:
    """Send the ticket in hand (or a waiting ``ticket_id`` of the counter's queues) to
    another queue of the branch. The new ticket keeps the original arrival time when
    ``keep_arrival`` (default: the target queue's setting). Returns the new ticket."""
    now = now or timezone.now()
    counter = _lock_counter(counter_id)
    _require_session(counter, agent)
    if ticket_id is None:
        ticket = _require_current(counter)
    else:
        ticket = lock_ticket(ticket_id)
        if ticket.branch_id != counter.branch_id or ticket.status != S.WAITING:
            raise NotFound(_("No such ticket."), code=SmartQueueError.TICKET_NOT_FOUND)
    target = (
        Queue.objects.select_related("organization", "service")
        .filter(pk=queue_id, branch_id=counter.branch_id, is_active=True)
        .first()
    )
    if target is None:
        raise ValidationFailed(
            code=SmartQueueError.INVALID_QUEUE,
            fields={"queue": [_("Choose an active queue of this branch.")]},
        )
    if target.pk == ticket.queue_id:
        raise ValidationFailed(
            code=SmartQueueError.SAME_QUEUE,
            fields={"queue": [_("The ticket is already in this queue.")]},
        )
    keep = target.keep_arrival_on_transfer if keep_arrival is None else keep_arrival
    transition(
        ticket,
        S.TRANSFERRED,
        action="transfer",
        actor=agent,
        counter=counter,
        now=now,
        fields={"parked_at": None},
    )
    user = ticket.user
    # The original is closed first, so the client's one-live-ticket rule holds.
    new = ticket_issue(
        queue=target,
        channel=ticket.channel,
        user=user,
        phone=ticket.phone,
        language=ticket.language,
        ticket_class=ticket.ticket_class if ticket.ticket_class != "appointment" else None,
        travel_mode=ticket.travel_mode,
        sort_at=ticket.sort_at if keep else now,
        actor=agent,
        check_open=False,
        now=now,
    )
    new.transferred_from = ticket
    new.origin_region_id = ticket.origin_region_id
    new.origin_commune = ticket.origin_commune
    new.save(update_fields=["transferred_from", "origin_region", "origin_commune"])
    return new


@transaction.atomic
def counter_park(*, counter_id, agent, now: datetime | None = None) -> Ticket:
    """Set the ticket in hand aside (missing paperwork …): it leaves the counter, keeps
    its place in no queue, and comes back with :func:`counter_unpark`."""
    counter = _lock_counter(counter_id)
    _require_session(counter, agent)
    ticket = _require_current(counter)
    now = now or timezone.now()
    return transition(
        ticket,
        S.WAITING,
        action="park",
        actor=agent,
        counter=counter,
        now=now,
        fields={"parked_at": now, "counter": counter, "agent": agent},
    )


@transaction.atomic
def counter_unpark(*, counter_id, agent, ticket_id, now: datetime | None = None) -> Ticket:
    """Bring a parked ticket of this counter back: it is called to the counter."""
    counter = _lock_counter(counter_id)
    _require_session(counter, agent)
    if current_ticket(counter) is not None:
        raise Conflict(
            _("Finish the current ticket before bringing another back."),
            code=SmartQueueError.COUNTER_BUSY,
        )
    ticket = lock_ticket(ticket_id)
    if ticket.counter_id != counter.pk or ticket.parked_at is None or ticket.status != S.WAITING:
        raise NotFound(_("No such parked ticket."), code=SmartQueueError.TICKET_NOT_FOUND)
    return transition(
        ticket,
        S.CALLED,
        action="unpark",
        actor=agent,
        counter=counter,
        now=now,
        fields={"parked_at": None, "agent": agent},
    )


def no_shows_mark(*, now: datetime | None = None) -> int:
    """Mark no-show the called tickets nobody started serving within their queue's
    timeout (the periodic job). Each ticket in its own transaction."""
    now = now or timezone.now()
    candidates = Ticket.objects.filter(status=S.CALLED, called_at__isnull=False).values_list(
        "pk", "called_at", "queue__no_show_timeout_seconds"
    )
    count = 0
    for ticket_id, called_at, timeout in candidates:
        if called_at + timedelta(seconds=timeout) > now:
            continue
        with transaction.atomic():
            ticket = lock_ticket(ticket_id)
            if ticket.status != S.CALLED or ticket.called_at + timedelta(seconds=timeout) > now:
                continue  # recalled or started meanwhile
            transition(ticket, S.NO_SHOW, action="no_show_timeout", counter=ticket.counter, now=now)
            count += 1
    return count
