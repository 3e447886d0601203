"""What the engine tells people about bookings (placeholder, replaced below)."""

from __future__ import annotations


def announce(booking, event: str, **extra) -> None:
    """Record the notifications of ``event`` on ``booking`` in the current transaction."""
