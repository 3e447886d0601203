"""Calendar sources: what products add to a person's calendar besides bookings.

A product registers a *calendar source* (through ``Product.calendar_sources``) under a
name in its namespace: ``source(user, starts_from, ends_before) -> list[CalendarEntry]``,
the entries of ``user`` overlapping ``[starts_from, ends_before)``. The engine merges them
with the bookings in the personal agenda (``GET /api/v1/calendar/entries/``) and in the
personal iCal feed (a ``CalendarFeed`` without organisation), never in an organisation's
feed. A source must answer with a fixed number of queries, whatever the number of
entries, and must only return what ``user`` may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from teranga.core.registry import Registry


class EntryStatus(StrEnum):
    CONFIRMED = "confirmed"
    TENTATIVE = "tentative"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One item of a person's calendar. ``uid`` is stable (the same entry keeps it from
    one fetch to the next; the iCal UID is ``<uid>@teranga``); ``url`` is a page link
    (``teranga.core.links``), never an API path."""

    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    status: EntryStatus = EntryStatus.CONFIRMED
    location: str = ""
    url: str = ""
    description: str = ""
    #: Filled by the engine: the name the source is registered under.
    source: str = ""


CalendarSource = Callable[[object, datetime, datetime], list[CalendarEntry]]

calendar_sources: Registry[CalendarSource] = Registry("calendar source")


def calendar_entries_of(
    *, user, starts_from: datetime, ends_before: datetime
) -> list[CalendarEntry]:
    """The entries of every registered source for ``user`` in the range, each tagged with
    its source's name, in time order (then by uid)."""
    entries: list[CalendarEntry] = []
    for name, source in sorted(calendar_sources.items()):
        for entry in source(user, starts_from, ends_before):
            entries.append(replace(entry, source=name))
    entries.sort(key=lambda entry: (entry.starts_at, entry.uid))
    return entries
