"""Recurrence: the dates of a weekly rule ("every Tuesday and Thursday at 19:00 Paris
time for 8 weeks"), each turned into UTC on its own date.

A product that plans a series of dated things (sessions of a training, club meetings)
asks here for the occurrences and stores them as its own rows; changing one date then
changes only that row. Each local start is converted with :mod:`zoneinfo` on its own
date, so a session at 19:00 stays at 19:00 local time across a change of daylight-saving
time. A time that does not exist that day (the hour skipped in spring) is taken with the
offset before the change, as zoneinfo does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class TooManyOccurrences(ValueError):
    """The rule gives more than the caller's ``max_occurrences``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"more than {limit} occurrences")


@dataclass(frozen=True, slots=True)
class Occurrence:
    starts_at: datetime  # aware, UTC
    ends_at: datetime


def weekly_dates(
    *, weekdays: list[int], first_date: date, last_date: date, max_occurrences: int
) -> list[date]:
    """The dates from ``first_date`` to ``last_date`` (both included) that fall on
    ``weekdays`` (0 = Monday), in order. Raises :class:`TooManyOccurrences` past
    ``max_occurrences``."""
    wanted = set(weekdays)
    dates: list[date] = []
    day = first_date
    while day <= last_date:
        if day.weekday() in wanted:
            dates.append(day)
            if len(dates) > max_occurrences:
                raise TooManyOccurrences(max_occurrences)
        day += timedelta(days=1)
    return dates


def local_start(day: date, start_time: time, time_zone: str) -> datetime:
    """``start_time`` on ``day`` in ``time_zone``, as an aware UTC datetime."""
    local = datetime.combine(day, start_time.replace(tzinfo=None), tzinfo=ZoneInfo(time_zone))
    return local.astimezone(UTC)


def weekly_occurrences(
    *,
    weekdays: list[int],
    first_date: date,
    last_date: date,
    start_time: time,
    duration_minutes: int,
    time_zone: str,
    max_occurrences: int,
) -> list[Occurrence]:
    """Every occurrence of the weekly rule, each ``duration_minutes`` long."""
    duration = timedelta(minutes=duration_minutes)
    return [
        Occurrence(start, start + duration)
        for start in (
            local_start(day, start_time, time_zone)
            for day in weekly_dates(
                weekdays=weekdays,
                first_date=first_date,
                last_date=last_date,
                max_occurrences=max_occurrences,
            )
        )
    ]
