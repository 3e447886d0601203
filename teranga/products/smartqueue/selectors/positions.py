"""Where each waiting ticket stands in its queue (the queue's own strategy).

A position is a rank under the queue's strategy (``strategies``): the tickets that come
before a ticket are those with a smaller *order key* — ``(sort_at, created_at, id)``
under FIFO, ``(class rank, sort_at, created_at, id)`` under strict priority — and under
the weighted strategy its position follows from its index within its class and the
number waiting in each class (:func:`..strategies.weighted_position`). So a position is
one or two counts on the waiting index, never the whole list.

Two views of the waiting set:

* the *true* one (``status = waiting``, not parked): what the REST API answers;
* the *listed* one (``Ticket.listed``): what the queue's watchers were told, moved one
  ticket at a time by ``live.publish_queue_change`` under the queue's lock. The queue
  socket computes snapshots from it, so a snapshot and the events after it agree
  exactly (see ``consumers.QueueConsumer``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q

from ..models import Queue, Strategy, Ticket, TicketStatus
from ..strategies import Waiting, order, weighted_position

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def waiting_tickets(queue_id):
    """The queue's waiting tickets that can be called (parked ones are set aside)."""
    return Ticket.objects.filter(
        queue_id=queue_id, status=TicketStatus.WAITING, parked_at__isnull=True
    )


def listed_tickets(queue_id):
    """The queue's tickets its watchers were last told are waiting (``Ticket.listed``)."""
    return Ticket.objects.filter(queue_id=queue_id, listed=True)


def micros(moment: datetime) -> int:
    """``moment`` as whole microseconds since the epoch (exact, for order keys)."""
    return (moment - EPOCH) // MICROSECOND


def order_key(strategy: str, *, class_rank: int, sort_at, created_at, ticket_id) -> list:
    """The key that orders tickets under ``strategy`` (under the weighted strategy: within
    a class). Plain JSON values: it travels in the queue's events."""
    fifo = [micros(sort_at), micros(created_at), str(ticket_id)]
    return [class_rank, *fifo] if strategy == Strategy.PRIORITY else fifo


def ticket_order_key(ticket: Ticket, strategy: str) -> list:
    return order_key(
        strategy,
        class_rank=ticket.class_rank,
        sort_at=ticket.sort_at,
        created_at=ticket.created_at,
        ticket_id=ticket.pk,
    )


def comes_before(ticket: Ticket, strategy: str) -> Q:
    """The tickets that come before ``ticket`` under ``strategy`` (same class only under
    the weighted strategy: the classes are then interleaved by the counts)."""
    earlier = (
        Q(sort_at__lt=ticket.sort_at)
        | Q(sort_at=ticket.sort_at, created_at__lt=ticket.created_at)
        | Q(sort_at=ticket.sort_at, created_at=ticket.created_at, pk__lt=ticket.pk)
    )
    if strategy == Strategy.PRIORITY:
        return Q(class_rank__lt=ticket.class_rank) | (Q(class_rank=ticket.class_rank) & earlier)
    if strategy == Strategy.WEIGHTED:
        return Q(ticket_class=ticket.ticket_class) & earlier
    return earlier


def precedes(strategy: str, other: dict, mine: dict) -> bool:
    """Whether ``other`` comes before ``mine`` under ``strategy`` (under the weighted
    strategy: in the same class), both as ``{"class", "rank", "key"}`` with the FIFO key
    of :func:`order_key` — what the queue's events carry. The same rule as
    :func:`comes_before`."""
    if strategy == Strategy.WEIGHTED:
        return other["class"] == mine["class"] and other["key"] < mine["key"]
    if strategy == Strategy.PRIORITY:
        return (other["rank"], other["key"]) < (mine["rank"], mine["key"])
    return other["key"] < mine["key"]


def class_counts(queryset) -> dict[str, int]:
    """``{class: number}`` of ``queryset`` (one grouped count)."""
    rows = queryset.order_by().values("ticket_class").annotate(n=Count("pk"))
    return {row["ticket_class"]: row["n"] for row in rows}


def ranked_position(
    queryset, ticket: Ticket, strategy: str, weights, counts: dict | None = None
) -> int:
    """The position of ``ticket`` among ``queryset`` (which holds it) under ``strategy``:
    one count, plus the class counts under the weighted strategy (``counts`` when the
    caller has them)."""
    ahead = queryset.filter(comes_before(ticket, strategy)).count()
    if strategy != Strategy.WEIGHTED:
        return ahead + 1
    counts = dict(class_counts(queryset) if counts is None else counts)
    # The ticket itself may not be in ``queryset`` yet (a ticket being issued).
    counts[ticket.ticket_class] = max(counts.get(ticket.ticket_class, 0), ahead + 1)
    return weighted_position(ahead, ticket.ticket_class, counts, weights)


def ticket_position(ticket: Ticket) -> int:
    """1 for the next to be called; 0 when the ticket is not waiting (a few counts on
    the waiting index, whatever the length of the queue)."""
    if ticket.status != TicketStatus.WAITING or ticket.parked_at is not None:
        return 0
    queue = ticket.queue
    return ranked_position(waiting_tickets(queue.pk), ticket, queue.strategy, queue.weights)


def queue_order(queue: Queue) -> list:
    """Every waiting ticket's id in calling order (one query; proportional to the queue:
    for reports and tests, not for anything done per change)."""
    rows = waiting_tickets(queue.pk).values_list("pk", "ticket_class", "sort_at", "created_at")
    items = [Waiting(pk, cls, sort_at, created) for pk, cls, sort_at, created in rows]
    items.sort(key=lambda item: str(item.key))  # the id breaks ties, as in the counts
    return [item.key for item in order(items, queue.strategy, queue.weights)]


def queue_head(queue: Queue, size: int) -> list:
    """The ids of the first ``size`` waiting tickets in calling order: at most ``size``
    rows per class read, whatever the length of the queue."""
    if size <= 0:
        return []
    waiting = waiting_tickets(queue.pk)
    fields = ("pk", "ticket_class", "sort_at", "created_at")
    if queue.strategy == Strategy.WEIGHTED:
        rows = []
        for cls in class_counts(waiting):
            head = waiting.filter(ticket_class=cls).order_by("sort_at", "created_at", "pk")
            rows.extend(head.values_list(*fields)[:size])
    else:
        by = ("sort_at", "created_at", "pk")
        if queue.strategy == Strategy.PRIORITY:
            by = ("class_rank", *by)
        rows = list(waiting.order_by(*by).values_list(*fields)[:size])
    items = [Waiting(pk, cls, sort_at, created) for pk, cls, sort_at, created in rows]
    items.sort(key=lambda item: str(item.key))
    return [item.key for item in order(items, queue.strategy, queue.weights)][:size]
