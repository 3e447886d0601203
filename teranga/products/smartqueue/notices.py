"""Notifications to clients (filled in by the notifications work)."""

from __future__ import annotations


def ticket_changed(ticket, *, action: str, previous_status: str) -> None:
    """Called inside the transaction of every ticket change."""


def leave_now_sweep() -> int:
    return 0
