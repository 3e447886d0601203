"""Where each waiting ticket stands in its queue (the queue's own strategy)."""

from __future__ import annotations

from django.db.models import Q

from ..models import Queue, Strategy, Ticket, TicketStatus
from ..strategies import Waiting, order


def waiting_tickets(queue_id):
    """The queue's waiting tickets that can be called (parked ones are set aside)."""
    return Ticket.objects.filter(
        queue_id=queue_id, status=TicketStatus.WAITING, parked_at__isnull=True
    )


def queue_order(queue: Queue) -> list:
    """The waiting tickets' ids in calling order (one query)."""
    rows = waiting_tickets(queue.pk).values_list("pk", "ticket_class", "sort_at", "created_at")
    items = [Waiting(pk, cls, sort_at, created) for pk, cls, sort_at, created in rows]
    return [item.key for item in order(items, queue.strategy, queue.weights)]


def ticket_position(ticket: Ticket) -> int:
    """1 for the next to be called; 0 when the ticket is not waiting."""
    if ticket.status != TicketStatus.WAITING or ticket.parked_at is not None:
        return 0
    queue = ticket.queue
    same_time = Q(sort_at=ticket.sort_at, created_at__lt=ticket.created_at)
    earlier = Q(sort_at__lt=ticket.sort_at) | same_time
    if queue.strategy == Strategy.FIFO:  # a count on the index, not the whole list
        return waiting_tickets(queue.pk).filter(earlier).count() + 1
    if queue.strategy == Strategy.PRIORITY:
        ahead = Q(class_rank__lt=ticket.class_rank) | (Q(class_rank=ticket.class_rank) & earlier)
        return waiting_tickets(queue.pk).filter(ahead).count() + 1
    ids = queue_order(ticket.queue)
    try:
        return ids.index(ticket.pk) + 1
    except ValueError:
        return 0
