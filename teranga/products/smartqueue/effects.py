"""What follows a change, in one place: the services call these inside their
transaction; each consumer defers its side effects to after commit.

* :mod:`.live` broadcasts to the WebSocket channels (queue positions, the branch board,
  the organisation monitor, the admin dashboard, the user's "your turn");
* :mod:`.services.notices` and :mod:`.leave_now` record the notifications ("almost
  your turn", "your turn", "leave now") in the same transaction, so none is lost.
"""

from __future__ import annotations

from . import live
from .leave_now import leave_now_queue
from .models import TicketStatus
from .selectors.positions import queue_head
from .services import notices


def ticket_changed(ticket, *, action: str, previous_status: str) -> None:
    live.ticket_changed(ticket, action=action, previous_status=previous_status)
    _notify(ticket, action=action, previous_status=previous_status)


def _notify(ticket, *, action: str, previous_status: str) -> None:
    """Only does work when it must: a call notifies the called client; when a waiting
    ticket leaves the queue (called, cancelled, transferred), the head of the queue is
    read for "almost your turn" (``notify_ahead`` tickets, not the whole queue) and
    "leave now" is re-evaluated for the clients sharing a position."""
    if action in notices.CALL_ACTIONS and ticket.status == TicketStatus.CALLED:
        notices.announce_called(ticket)
    if action in notices.QUEUE_MOVES and previous_status == TicketStatus.WAITING:
        queue = ticket.queue
        if queue.notify_ahead:
            notices.announce_almost(queue, queue_head(queue, queue.notify_ahead))
        leave_now_queue(queue)


def counter_changed(counter, *, action: str) -> None:
    live.counter_changed(counter, action=action)


def ticket_rated(ticket) -> None:
    live.ticket_rated(ticket)


def queues_changed(queues, *, action: str) -> None:
    """``queues`` were opened (``action="open"``) or closed (``"close"``)."""
    live.queues_changed(queues, action=action)
