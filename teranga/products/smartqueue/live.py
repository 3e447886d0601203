"""Real-time fan-out of SmartQueue changes (filled in by the realtime work)."""

from __future__ import annotations


def ticket_changed(ticket, *, action: str, previous_status: str) -> None:
    """Called inside the transaction of every ticket change."""


def counter_changed(counter, *, action: str) -> None:
    """Called inside the transaction of an agent session opening or closing."""


def ticket_rated(ticket) -> None:
    """Called inside the transaction of a rating."""
