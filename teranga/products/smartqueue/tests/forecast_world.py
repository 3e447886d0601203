"""Weeks of generated ticket history for a branch of the ``bank`` fixture (forecast
tests): the demo's generator, the branch's opening hours Monday–Friday 8–17 h (a
13–14 h break) and Saturday 9–13 h."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from teranga.platform.organizations.models import OpeningHours
from teranga.platform.scheduling.availability import public_holidays
from teranga.products.smartqueue.history import (
    Demand,
    history_tickets,
    hourly_arrivals,
    write_history,
)
from teranga.products.smartqueue.services.tickets import new_code


def open_branch(branch) -> None:
    rows = [
        OpeningHours(
            branch=branch,
            weekday=day,
            opens_at=time(8),
            closes_at=time(17),
            break_start=time(13),
            break_end=time(14),
        )
        for day in range(5)
    ]
    rows.append(OpeningHours(branch=branch, weekday=5, opens_at=time(9), closes_at=time(13)))
    OpeningHours.objects.bulk_create(rows)


def seed_history(queue, *, today: date, weeks: int = 8, per_day: float = 60, seed: int = 7):
    """``weeks`` weeks of tickets of ``queue`` before ``today`` (Senegal's holidays
    closed); returns the counts per day and hour."""
    organization = queue.organization
    first, last = today - timedelta(weeks=weeks), today - timedelta(days=1)
    holidays = set(public_holidays(organization.country, first, last))
    counts = hourly_arrivals(
        Demand(per_day=per_day, start=first), first, last, closed=holidays.__contains__, seed=seed
    )
    tickets, numbers = history_tickets(
        queue=queue,
        counts={day: hours for day, hours in counts.items() if hours},
        zone=ZoneInfo(organization.time_zone),
        service_seconds=300,
        seed=seed,
        code=new_code,
    )
    write_history(tickets, numbers, queue)
    return counts
