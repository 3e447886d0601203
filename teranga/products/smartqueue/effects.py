"""What follows a change, in one place: the services call these inside their
transaction; each consumer defers its side effects to after commit.

* :mod:`.live` broadcasts to the WebSocket channels (queue positions, the branch board,
  the organisation monitor, the admin dashboard, the user's "your turn");
* :mod:`.services.locations` notes where a new ticket's client comes from;
* :mod:`.services.notices` and :mod:`.leave_now` record the notifications ("almost
  your turn", "your turn", "leave now") in the same transaction, so none is lost.
"""

from __future__ import annotations

from . import live
from .leave_now import leave_now_queue
from .models import TicketStatus
from .selectors.positions import queue_order
from .services import locations, notices


def ticket_changed(ticket, *, action: str, previous_status: str) -> None:
    if action == "issue":
        locations.ticket_issued(ticket)
    live.ticket_changed(ticket, action=action, previous_status=previous_status)
    _notify(ticket, action=action, previous_status=previous_status)


def _notify(ticket, *, action: str, previous_status: str) -> None:
    """Only does work when it must: a call notifies the called client; when a waiting
    ticket leaves the queue (called, cancelled, transferred) the queue's order is
    computed once and used for "almost your turn" and to re-evaluate "leave now"."""
    if action in notices.CALL_ACTIONS and ticket.status == TicketStatus.CALLED:
        notices.announce_called(ticket)
    if action in notices.QUEUE_MOVES and previous_status == TicketStatus.WAITING:
        queue = ticket.queue
        order = queue_order(queue)
        notices.announce_almost(queue, order)
        leave_now_queue(queue, order=order)


def counter_changed(counter, *, action: str) -> None:
    live.counter_changed(counter, action=action)


def ticket_rated(ticket) -> None:
    live.ticket_rated(ticket)


def queues_changed(queues, *, action: str) -> None:
    """``queues`` were opened (``action="open"``) or closed (``"close"``)."""
    live.queues_changed(queues, action=action)
