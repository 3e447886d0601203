"""Extension points for what lives beside the engine without the engine knowing it:

* :data:`booking_observers` — ``observer(booking, action)`` runs inside the transaction of
  every change of a booking (created, confirmed, cancelled, rescheduled, expired …: each
  history row), so an app can record its own follow-up (a row processed after commit) in
  the same transaction. An observer must not query per booking more than a few times and
  must never call anything remote.
* :data:`busy_sources` — ``source(resource, range_from, range_to) -> [(start, end), …]``:
  other times the resource is busy (a staff member's external calendar). The engine
  treats them as occupations of nobody's offering: no slot overlapping them is offered
  or booked. A source answers with a fixed number of queries (one, typically).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from teranga.core.registry import Registry

BookingObserver = Callable[[object, str], None]
BusySource = Callable[[object, datetime, datetime], list[tuple[datetime, datetime]]]

booking_observers: Registry[BookingObserver] = Registry("booking observer")
busy_sources: Registry[BusySource] = Registry("busy source")


def booking_changed(booking, action: str) -> None:
    """Tell every observer that ``booking`` changed (``action``: the history row's)."""
    for observer in booking_observers.values():
        observer(booking, action)


def external_busy(
    resource, range_from: datetime, range_to: datetime
) -> list[tuple[datetime, datetime]]:
    """Every registered source's busy intervals of ``resource`` overlapping the range."""
    intervals: list[tuple[datetime, datetime]] = []
    for source in busy_sources.values():
        intervals.extend(source(resource, range_from, range_to))
    return intervals
