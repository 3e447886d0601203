"""The "leave now" notice: tell a waiting client when it is time to set off.

For a waiting ticket whose client shares a live position (``UserLocation`` not expired),
with ``position - 1`` people ahead::

    travel  = selectors.travel.travel_minutes(distance(client, branch), client's mode, now)
    wait    = estimated wait for ``position - 1`` ahead (selectors.estimates), in minutes
    due     = travel + queue.leave_now_margin_minutes >= wait

While the wait is unknown (no counter open on the queue: ``selectors.estimates``) it is
never due: nobody is calling, so there is no time to set off for.

When ``due``, ``smartqueue.leave_now`` is sent **once**: the ticket's ``leave_now_at`` is
set by a conditional UPDATE (``… WHERE leave_now_at IS NULL``, on a row taken with
``SKIP LOCKED``: ``services.notices.ticket_notice_claim``) in the transaction that
records the notification, so a location update, a queue change and the periodic sweep
racing each other send exactly one. A client already at the branch (closer than
:data:`ARRIVED_KM`) is not told to leave.

It is evaluated when the client sends a position (:func:`leave_now_for_user`), when the
queue moves (:func:`leave_now_queue`, from ``effects.ticket_changed``) and every minute
by :func:`leave_now_sweep` (one query for the candidates, then one estimate per queue
and a position per candidate).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from teranga.platform.geo.distance import haversine_km

from .models import Ticket, TicketStatus
from .notices import LEAVE_NOW
from .selectors.estimates import queue_paces, wait_seconds_for
from .selectors.positions import ticket_position
from .selectors.travel import TravelParams, travel_minutes, travel_model
from .services.notices import notify, ticket_notice_claim

ARRIVED_KM = 0.15
S = TicketStatus


@dataclass(frozen=True)
class Evaluation:
    ticket: Ticket
    position: int
    distance_km: float | None
    travel_minutes: float | None
    wait_minutes: float | None  # None: unknown (no counter open on the queue)
    due: bool
    sent: bool = False

    def as_dict(self) -> dict:
        return {
            "ticket": str(self.ticket.pk),
            "number": self.ticket.display_number,
            "position": self.position,
            "distance_km": None if self.distance_km is None else round(self.distance_km, 2),
            "travel_minutes": None if self.travel_minutes is None else round(self.travel_minutes),
            "wait_minutes": None if self.wait_minutes is None else round(self.wait_minutes),
            "leave_now": self.due,
            "leave_now_sent": self.sent or self.ticket.leave_now_at is not None,
        }


def wait_estimator(queue, *, now=None):
    """``ahead -> seconds`` for ``queue`` (the method of ``estimates.estimate_wait``, its
    counters and paces read once for every ticket of the queue)."""
    paces = queue_paces(queue, now=now)
    return lambda ahead: wait_seconds_for(ahead, paces)


def evaluate(ticket, location, *, position, wait_for, now, params: TravelParams) -> Evaluation:
    wait_seconds = wait_for(max(position - 1, 0))
    wait_minutes = None if wait_seconds is None else wait_seconds / 60.0
    branch = ticket.branch
    if branch.latitude is None or branch.longitude is None or position <= 0:
        return Evaluation(ticket, position, None, None, wait_minutes, False)
    distance = haversine_km(
        location.latitude, location.longitude, branch.latitude, branch.longitude
    )
    travel = travel_minutes(distance, location.mode, moment=now, params=params)
    margin = ticket.queue.leave_now_margin_minutes
    due = wait_minutes is not None and distance >= ARRIVED_KM and travel + margin >= wait_minutes
    return Evaluation(ticket, position, distance, travel, wait_minutes, due)


def _send(evaluation: Evaluation, location, now) -> Evaluation:
    ticket = evaluation.ticket
    if not evaluation.due or ticket.leave_now_at is not None:
        return evaluation
    with transaction.atomic():
        if not ticket_notice_claim(ticket_id=ticket.pk, field="leave_now_at", now=now):
            return evaluation
        ticket.leave_now_at = now
        notify(
            ticket,
            LEAVE_NOW,
            key=f"smartqueue:{ticket.pk}:leave_now",
            position=evaluation.position,
            travel_minutes=max(round(evaluation.travel_minutes), 1),
            wait_minutes=round(evaluation.wait_minutes),
            mode=location.mode,
        )
    return Evaluation(**{**evaluation.__dict__, "sent": True})


def _candidates(now):
    return (
        Ticket.objects.filter(
            status=S.WAITING,
            parked_at__isnull=True,
            leave_now_at__isnull=True,
            user__isnull=False,
            user__queue_location__expires_at__gt=now,
        )
        .select_related("user__queue_location", "organization", "branch")
        .order_by()
    )


def leave_now_queue(queue, *, now=None) -> int:
    """Evaluate the queue's waiting tickets whose clients share a position. Returns how
    many were told."""
    now = now or timezone.now()
    tickets = list(_candidates(now).filter(queue_id=queue.pk))
    if not tickets:
        return 0
    return _evaluate_queue(queue, tickets, now=now)


def _evaluate_queue(queue, tickets, *, now) -> int:
    """Each ticket's position is counted on its own (``ticket_position``: a few counts
    on the index): the work follows the clients sharing a position, not the length of
    the queue."""
    wait_for = wait_estimator(queue, now=now)
    params = travel_model()
    sent = 0
    for ticket in tickets:
        ticket.queue = queue
        position = ticket_position(ticket)
        location = ticket.user.queue_location
        evaluation = evaluate(
            ticket, location, position=position, wait_for=wait_for, now=now, params=params
        )
        sent += _send(evaluation, location, now).sent
    return sent


def leave_now_sweep(*, now=None) -> int:
    """Every minute: evaluate every waiting ticket whose client shares a live position
    and was not told yet. Returns how many were told."""
    now = now or timezone.now()
    by_queue: dict = defaultdict(list)
    queues = {}
    for ticket in _candidates(now).select_related("queue__service"):
        by_queue[ticket.queue_id].append(ticket)
        queues[ticket.queue_id] = ticket.queue
    sent = 0
    for queue_id, tickets in by_queue.items():
        sent += _evaluate_queue(queues[queue_id], tickets, now=now)
    return sent


def leave_now_for_user(user, location, *, now=None) -> list[Evaluation]:
    """Evaluate (and send when due) every waiting ticket of ``user`` from ``location``:
    what the location socket and endpoint answer."""
    now = now or timezone.now()
    tickets = (
        Ticket.objects.filter(user=user, status=S.WAITING)
        .select_related("queue__service", "organization", "branch", "user")
        .order_by("sort_at")
    )
    params = travel_model()
    results = []
    for ticket in tickets:
        position = ticket_position(ticket)
        evaluation = evaluate(
            ticket,
            location,
            position=position,
            wait_for=wait_estimator(ticket.queue, now=now),
            now=now,
            params=params,
        )
        results.append(_send(evaluation, location, now))
    return results
