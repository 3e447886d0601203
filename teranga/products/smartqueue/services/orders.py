"""Paid tickets: an order first, the ticket when the payment succeeds (filled in by the
appointments/payments work)."""

from __future__ import annotations


def ticket_order_create(*, queue, user, channel: str, travel_mode: str = ""):
    """A pending TicketOrder for ``queue`` (whose service has a price)."""
    raise NotImplementedError
