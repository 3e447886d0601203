"""Tickets: issue with a gapless day number, the state machine, cancel and rating.

Every status change goes through :func:`transition`: it refuses what the state machine
(:data:`TICKETS`, a core :class:`~teranga.core.state_machine.StateMachine`) does not
allow (409 ``illegal_transition``), stamps the status's time field, appends a
:class:`TicketEvent`, and hands the change to :mod:`..effects` (live boards, queue
positions, notifications), which act after commit.

Numbering: the :class:`QueueDay` row of the queue and the local day is locked
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite runs writers one at a time with
``transaction_mode=IMMEDIATE``), incremented, and the ticket inserted in the same
transaction, under a unique ``(queue, day, number)`` constraint. A rolled-back issue
rolls its number back too, so numbers are gapless.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.codes import random_code
from teranga.core.db import integrity_constraint
from teranga.core.encryption import phone_hash
from teranga.core.errors import Conflict, CoreError, NotFound, ValidationFailed
from teranga.core.state_machine import StateMachine
from teranga.products.smartqueue.errors import SmartQueueError

from .. import effects
from ..models import (
    ACTIVE_STATUSES,
    CLASS_RANK,
    Channel,
    Queue,
    QueueDay,
    QueueKind,
    Ticket,
    TicketClass,
    TicketEvent,
    TicketStatus,
)
from ..selectors.days import local_day
from ..selectors.estimates import queue_paces, wait_seconds_for
from ..selectors.positions import ticket_position
from . import locations

S = TicketStatus

#: What each status may become. ``called -> called`` is a recall; ``called|serving ->
#: waiting`` parks the ticket (set aside at its counter, brought back later).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.WAITING: frozenset({S.CALLED, S.CANCELLED, S.EXPIRED, S.TRANSFERRED}),
    S.CALLED: frozenset({S.CALLED, S.SERVING, S.NO_SHOW, S.WAITING, S.CANCELLED, S.TRANSFERRED}),
    S.SERVING: frozenset({S.SERVED, S.WAITING, S.TRANSFERRED}),
    S.SERVED: frozenset(),
    S.NO_SHOW: frozenset(),
    S.CANCELLED: frozenset(),
    S.TRANSFERRED: frozenset(),
    S.EXPIRED: frozenset(),
}
#: The time field each status stamps.
STAMPS: dict[str, str] = {
    S.CALLED: "called_at",
    S.SERVING: "serving_at",
    S.SERVED: "served_at",
    S.NO_SHOW: "no_show_at",
    S.CANCELLED: "cancelled_at",
    S.TRANSFERRED: "transferred_at",
    S.EXPIRED: "expired_at",
}


def _illegal_message(current: str, target: str) -> str:
    return _("A %(from)s ticket cannot become %(to)s.") % {
        "from": S(current).label,
        "to": S(target).label,
    }


def _event_record(
    ticket: Ticket, from_status: str, to_status: str, *, now: datetime, action: str, actor, counter
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        from_status=from_status,
        to_status=to_status,
        counter=counter,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=now,
    )


#: The machine every status change goes through (409 ``illegal_transition``).
TICKETS = StateMachine(
    transitions=TRANSITIONS,
    stamps=STAMPS,
    code=CoreError.ILLEGAL_TRANSITION,
    message=_illegal_message,
    record=_event_record,
)
CODE_LENGTH = 8  # unambiguous letters and digits (no 0/O, 1/I): read aloud, typed by SMS


def new_code() -> str:
    return random_code(length=CODE_LENGTH)


def format_number(prefix: str, number: int) -> str:
    return f"{prefix}{number:03d}"


def class_for(queue: Queue, requested: str | None) -> str:
    """The ticket's class: the queue's type unless a priority was asked for (an elderly
    or pregnant client flagged by an agent or a kiosk)."""
    if requested:
        return requested
    return {
        QueueKind.VIP: TicketClass.VIP,
        QueueKind.PRIORITY: TicketClass.PRIORITY,
        QueueKind.APPOINTMENT: TicketClass.APPOINTMENT,
        QueueKind.EXPRESS: TicketClass.EXPRESS,
    }.get(queue.kind, TicketClass.NORMAL)


def transition(
    ticket: Ticket,
    to_status: str,
    *,
    action: str,
    actor=None,
    counter=None,
    now: datetime | None = None,
    fields: dict | None = None,
) -> Ticket:
    """Move a locked ``ticket`` to ``to_status``; refuses illegal moves."""
    now = now or timezone.now()
    previous = TICKETS.move(
        ticket, to_status, now=now, fields=fields, action=action, actor=actor, counter=counter
    )
    effects.ticket_changed(ticket, action=action, previous_status=previous)
    return ticket


def lock_ticket(ticket_id) -> Ticket:
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue", "queue__service", "organization")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise NotFound(_("No such ticket."), code=SmartQueueError.TICKET_NOT_FOUND)
    return ticket


def _next_number(queue: Queue, day) -> int:
    """Take the queue's next number of ``day``: the row is locked by the increment
    (``UPDATE … SET last_number = last_number + 1``) until the transaction ends. The
    same read brings the queue's state as it is under that lock (``is_open``,
    ``is_active``, ``max_size``, set on ``queue``): one statement, not two."""
    rows = QueueDay.objects.filter(queue=queue, day=day)
    if not rows.update(last_number=F("last_number") + 1):
        QueueDay.objects.get_or_create(queue=queue, day=day)
        rows.update(last_number=F("last_number") + 1)
    number, queue.is_open, queue.is_active, queue.max_size = rows.values_list(
        "last_number", "queue__is_open", "queue__is_active", "queue__max_size"
    ).get()
    return number


def _loaded(instance, name: str):
    """``instance.<name>`` when that relation is already loaded, else None (no query)."""
    field = instance._meta.get_field(name)
    return getattr(instance, name) if field.is_cached(instance) else None


def ticket_issue(
    *,
    queue: Queue,
    channel: str,
    user=None,
    phone: str = "",
    language: str = "fr",
    ticket_class: str | None = None,
    travel_mode: str = "",
    sort_at: datetime | None = None,
    actor=None,
    check_open: bool = True,
    now: datetime | None = None,
) -> Ticket:
    """Give the next ticket of ``queue`` today.

    Refuses (409) a closed or inactive queue (unless ``check_open`` is off: a checked-in
    appointment or a transfer), a full queue, and a second live ticket of the same
    client (user or phone) in the queue. ``sort_at`` orders the ticket in its class
    (arrival by default; an appointment's time; a transfer's original arrival).

    What needs no lock is read first, outside the transaction (the arguments, the
    client's origin, the open counters' paces, a first look for a live ticket of the
    same user); the transaction then holds the queue's day row only for the checks, the
    number, the position and two inserts: issuers of one queue wait for each other that
    long, not longer.
    """
    if channel not in Channel.values:
        raise ValidationFailed(
            code=SmartQueueError.INVALID_CHANNEL, fields={"channel": [_("Unknown channel.")]}
        )
    if ticket_class is not None and ticket_class not in TicketClass.values:
        raise ValidationFailed(
            code=SmartQueueError.INVALID_CLASS, fields={"ticket_class": [_("Unknown class.")]}
        )
    now = now or timezone.now()
    live = Ticket.objects.filter(queue=queue, status__in=ACTIVE_STATUSES)
    if user is not None and live.filter(user=user).exists():  # the constraint decides
        raise Conflict(
            _("You already have a ticket in this queue."), code=SmartQueueError.ALREADY_IN_QUEUE
        )
    cls = class_for(queue, ticket_class)
    ticket = Ticket(
        organization=queue.organization,
        branch_id=queue.branch_id,
        queue=queue,
        service_id=queue.service_id,
        day=local_day(queue.organization, now),
        status=S.WAITING,
        channel=channel,
        ticket_class=cls,
        class_rank=CLASS_RANK.get(cls, 2),
        user=user,
        phone=phone,
        language=(getattr(user, "language", None) or language or "fr")[:5],
        sort_at=sort_at or now,
        travel_mode=travel_mode,
    )
    place = locations.ticket_origin(getattr(user, "pk", None), now=now)
    if place is not None:
        ticket.origin_region_id, ticket.origin_commune = place
    # The branch and service the caller loaded (the answer shows them) go on the
    # ticket as they are: no second read of either.
    for name in ("branch", "service"):
        if (related := _loaded(queue, name)) is not None:
            setattr(ticket, name, related)
    paces = queue_paces(queue, now=now)
    # The ticket's unique code is drawn before its transaction; in the (32^8) case of a
    # clash the whole transaction is rolled back (number included) and run again with
    # another: no savepoint around the insert on the usual path.
    for _attempt in range(3):
        ticket.code = new_code()
        try:
            return _ticket_insert(
                ticket, paces=paces, phone=phone, actor=actor, check_open=check_open, now=now
            )
        except IntegrityError as exc:
            violated = integrity_constraint(exc, Ticket)
            if violated == "sq_ticket_one_active_per_user":
                raise Conflict(
                    _("You already have a ticket in this queue."),
                    code=SmartQueueError.ALREADY_IN_QUEUE,
                ) from exc
            if violated != "code":
                raise
    raise Conflict(code=SmartQueueError.CODE_EXHAUSTED)  # pragma: no cover - 32^8 codes


@transaction.atomic
def _ticket_insert(ticket: Ticket, *, paces, phone, actor, check_open, now) -> Ticket:
    queue = ticket.queue
    # The lock: one issuer of this queue at a time; the queue's state is read with it.
    number = _next_number(queue, ticket.day)
    if not queue.is_active:
        raise NotFound(_("No such queue."), code=SmartQueueError.QUEUE_NOT_FOUND)
    if check_open and not queue.is_open:
        raise Conflict(_("This queue is closed."), code=SmartQueueError.QUEUE_CLOSED)
    waiting = Ticket.objects.filter(queue=queue, status=S.WAITING)
    if check_open and queue.max_size is not None and waiting.count() >= queue.max_size:
        raise Conflict(
            _("This queue is full. Please try again later."), code=SmartQueueError.QUEUE_FULL
        )
    live = Ticket.objects.filter(queue=queue, status__in=ACTIVE_STATUSES)
    if phone and ticket.user_id is None and live.filter(phone_hash=phone_hash(phone)).exists():
        raise Conflict(
            _("This number already has a ticket in this queue."),
            code=SmartQueueError.ALREADY_IN_QUEUE,
        )
    ticket.number = number
    ticket.display_number = format_number(queue.prefix, number)
    # Its position before it is inserted: everyone before it waits already (a few
    # counts on the index; its ``created_at`` is set at insert, after everyone's).
    ticket.created_at = now
    ticket.position_at_issue = ticket_position(ticket)
    ticket.estimated_wait_at_issue = wait_seconds_for(ticket.position_at_issue - 1, paces)
    ticket.save(force_insert=True)
    TicketEvent.objects.create(
        ticket=ticket,
        action="issue",
        from_status="",
        to_status=S.WAITING,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=now,
    )
    effects.ticket_changed(ticket, action="issue", previous_status="")
    return ticket


@transaction.atomic
def ticket_cancel(*, ticket_id, user=None, phone: str = "") -> Ticket:
    """The client gives up their ticket (waiting or just called)."""
    ticket = lock_ticket(ticket_id)
    owner = (user is not None and ticket.user_id == user.pk) or (
        phone and ticket.user_id is None and ticket.phone == phone
    )
    if not owner:
        raise NotFound(_("No such ticket."), code=SmartQueueError.TICKET_NOT_FOUND)
    if ticket.status not in (S.WAITING, S.CALLED):
        raise Conflict(
            _("This ticket can no longer be cancelled."), code=CoreError.ILLEGAL_TRANSITION
        )
    return transition(ticket, S.CANCELLED, action="cancel", actor=user, fields={"parked_at": None})


@transaction.atomic
def ticket_rate(*, ticket_id, user, rating: int, comment: str = "") -> Ticket:
    """A 1–5 rating (and a comment) after the ticket was served; once."""
    ticket = lock_ticket(ticket_id)
    if ticket.user_id != getattr(user, "pk", None):
        raise NotFound(_("No such ticket."), code=SmartQueueError.TICKET_NOT_FOUND)
    if ticket.status != S.SERVED:
        raise Conflict(
            _("You can rate a visit once you have been served."), code=SmartQueueError.NOT_SERVED
        )
    if ticket.rated_at is not None:
        raise Conflict(_("You have already rated this visit."), code=SmartQueueError.ALREADY_RATED)
    if not 1 <= int(rating) <= 5:
        raise ValidationFailed(
            code=SmartQueueError.INVALID_RATING,
            fields={"rating": [_("Give a rating from 1 to 5.")]},
        )
    ticket.rating = int(rating)
    ticket.rating_comment = comment[:1000]
    ticket.rated_at = timezone.now()
    ticket.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    effects.ticket_rated(ticket)
    return ticket


@transaction.atomic
def tickets_expire(*, queue_id, before_day=None, now: datetime | None = None) -> int:
    """Expire the queue's waiting tickets (queue closed for the day, or tickets of a
    past day still waiting). Returns how many."""
    now = now or timezone.now()
    queryset = Ticket.objects.select_for_update().filter(queue_id=queue_id, status=S.WAITING)
    if before_day is not None:
        queryset = queryset.filter(day__lt=before_day)
    count = 0
    for ticket in queryset.order_by("sort_at"):
        transition(ticket, S.EXPIRED, action="expire", now=now, fields={"parked_at": None})
        count += 1
    return count
