"""What follows a change, in one place: the services call these inside their
transaction; each consumer defers its side effects to after commit.

* :mod:`.live` broadcasts to the WebSocket channels (queue positions, the branch board,
  the organisation monitor, the admin dashboard, the user's "your turn");
* :mod:`.services.locations` notes where a new ticket's client comes from;
* :mod:`.notices` records the notifications ("almost your turn", "your turn", "leave
  now") in the same transaction, so none is lost.
"""

from __future__ import annotations

from . import live, notices
from .services import locations


def ticket_changed(ticket, *, action: str, previous_status: str) -> None:
    if action == "issue":
        locations.ticket_issued(ticket)
    live.ticket_changed(ticket, action=action, previous_status=previous_status)
    notices.ticket_changed(ticket, action=action, previous_status=previous_status)


def counter_changed(counter, *, action: str) -> None:
    live.counter_changed(counter, action=action)


def ticket_rated(ticket) -> None:
    live.ticket_rated(ticket)


def queues_changed(queues, *, action: str) -> None:
    """``queues`` were opened (``action="open"``) or closed (``"close"``)."""
    live.queues_changed(queues, action=action)
