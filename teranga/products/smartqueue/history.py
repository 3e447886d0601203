"""Synthetic ticket history for the demo, the forecast's tests and its benchmark: weeks
of arrivals at a bank branch with what makes real ones hard to forecast.

* a **weekly pattern** (Monday and Friday busy, Saturday morning only, Sunday closed);
* **daily peaks** (the morning rush at 9–11 h, a second one at 15 h; the 13–14 h break;
  Friday's prayer hours quiet);
* a **trend** (demand growing by ``growth_per_week``);
* **public holidays** (closed: the organisation's country's, ``holidays``) and the
  **catch-up** on the next open day (``rebound``);
* **month ends** (salaries: the last 3 and first 2 days of a month busier);
* **noise**: each day's level is drawn around its mean (a gamma with ``day_noise``
  relative spread, e.g. rain or a strike), then each hour's count is Poisson.

:func:`hourly_arrivals` draws the counts; :func:`history_tickets` turns them into
:class:`~teranga.products.smartqueue.models.Ticket` rows (served, with call and service
times; a few no-shows and cancellations) for ``bulk_create``: history is written
directly with its timestamps, not through the services (which stamp the current time
and notify people).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Relative arrivals per local hour, Monday–Friday (a 13–14 h break) and Saturday.
WEEKDAY_HOURS = {8: 0.7, 9: 1.4, 10: 1.5, 11: 1.2, 12: 0.9, 14: 0.8, 15: 1.2, 16: 0.9}
SATURDAY_HOURS = {9: 1.2, 10: 1.5, 11: 1.2, 12: 0.7}
WEEKDAY_FACTORS = (1.3, 1.0, 0.95, 1.0, 1.2, 0.8, 0.0)


@dataclass
class Demand:
    """Arrivals of one service at one branch: ``per_day`` tickets on an ordinary
    Tuesday at ``start``."""

    per_day: float
    start: date
    growth_per_week: float = 0.01
    rebound: float = 1.35
    month_end: float = 1.15
    day_noise: float = 0.08
    weekday_factors: tuple = WEEKDAY_FACTORS
    hours: dict = field(
        default_factory=lambda: dict.fromkeys(range(5), WEEKDAY_HOURS) | {5: SATURDAY_HOURS}
    )

    def mean_hours(self, day: date, *, after_closure: bool) -> dict[int, float]:
        shape = self.hours.get(day.weekday(), {})
        factor = self.weekday_factors[day.weekday()]
        if not shape or not factor:
            return {}
        weeks = (day - self.start).days / 7
        total = self.per_day * factor * math.exp(self.growth_per_week * weeks)
        if after_closure:
            total *= self.rebound
        if day.day >= 26 or day.day <= 2:
            total *= self.month_end
        weight = sum(shape.values())
        hourly = {}
        for hour, share in shape.items():
            value = total * share / weight
            if day.weekday() == 4 and hour == 14:  # Friday prayer
                value *= 0.5
            hourly[hour] = value
        return hourly


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method for small means, normal above 60)."""
    if mean <= 0:
        return 0
    if mean > 60:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def hourly_arrivals(
    demand: Demand, first: date, last: date, *, closed: Callable[[date], bool], seed: int
) -> dict[date, dict[int, int]]:
    """Tickets per local hour of each day from ``first`` to ``last`` (closed days: none)."""
    rng = random.Random(seed)  # noqa: S311 (synthetic figures, not secrets)
    result: dict[date, dict[int, int]] = {}
    day, closed_before = first, False
    while day <= last:
        usual = bool(demand.hours.get(day.weekday())) and demand.weekday_factors[day.weekday()]
        if closed(day) or not usual:
            result[day] = {}
            closed_before = closed_before or bool(usual)
        else:
            means = demand.mean_hours(day, after_closure=closed_before)
            level = rng.gammavariate(1 / demand.day_noise**2, demand.day_noise**2)
            result[day] = {hour: _poisson(rng, mean * level) for hour, mean in means.items()}
            closed_before = False
        day += timedelta(days=1)
    return result


def history_tickets(
    *,
    queue,
    counts: dict[date, dict[int, int]],
    zone: ZoneInfo,
    service_seconds: float,
    seed: int,
    code: Callable[[], str],
    counter=None,
):
    """Unsaved tickets of ``queue`` for ``counts`` (arrival times spread in each hour),
    numbered per day, and the ``(day, last number)`` of each day. Most are served
    (called a few minutes after arriving, then served for a log-normal time around
    ``service_seconds``), about 6 % no-shows and 5 % cancellations."""
    from .models import TicketClass, TicketStatus
    from .models.tickets import CLASS_RANK, Ticket

    rng = random.Random(seed)  # noqa: S311
    tickets, last_numbers = [], {}
    for day in sorted(counts):
        moments = []
        for hour, count in counts[day].items():
            start = datetime.combine(day, time(hour), tzinfo=zone)
            moments += [start + timedelta(seconds=rng.uniform(0, 3599)) for _ in range(count)]
        moments.sort()
        for number, arrived in enumerate(moments, start=1):
            ticket = Ticket(
                organization_id=queue.organization_id,
                branch_id=queue.branch_id,
                queue=queue,
                service_id=queue.service_id,
                day=day,
                number=number,
                display_number=f"{queue.prefix}{number:03d}",
                channel=rng.choice(("kiosk", "kiosk", "mobile", "sms", "web")),
                ticket_class=TicketClass.NORMAL,
                class_rank=CLASS_RANK[TicketClass.NORMAL],
                code=code(),
                sort_at=arrived,
                counter=counter,
            )
            outcome = rng.random()
            if outcome < 0.05:
                ticket.status = TicketStatus.CANCELLED
                ticket.cancelled_at = arrived + timedelta(minutes=rng.randint(5, 25))
                ticket.counter = None
            else:
                ticket.called_at = arrived + timedelta(seconds=rng.uniform(60, 900))
                if outcome < 0.11:
                    ticket.status = TicketStatus.NO_SHOW
                    ticket.no_show_at = ticket.called_at + timedelta(minutes=3)
                else:
                    ticket.status = TicketStatus.SERVED
                    ticket.serving_at = ticket.called_at + timedelta(seconds=rng.randint(20, 60))
                    spent = rng.lognormvariate(math.log(service_seconds) - 0.08, 0.4)
                    ticket.served_at = ticket.serving_at + timedelta(seconds=spent)
            tickets.append(ticket)
        if moments:
            last_numbers[day] = len(moments)
    return tickets, last_numbers


def write_history(tickets, last_numbers, queue) -> None:
    """Insert the tickets (in batches) with their arrival as ``created_at`` (which
    ``bulk_create`` stamps with the current time: one ``UPDATE`` per batch sets it from
    ``sort_at``), and each day's numbering row."""
    from django.db.models import F

    from .models import QueueDay, Ticket

    for start in range(0, len(tickets), 500):
        batch = Ticket.objects.bulk_create(tickets[start : start + 500])
        Ticket.objects.filter(pk__in=[t.pk for t in batch]).update(
            created_at=F("sort_at"), updated_at=F("sort_at")
        )
    existing = set(
        QueueDay.objects.filter(queue=queue, day__in=list(last_numbers)).values_list(
            "day", flat=True
        )
    )
    QueueDay.objects.bulk_create(
        [
            QueueDay(queue=queue, day=day, last_number=number)
            for day, number in last_numbers.items()
            if day not in existing
        ]
    )
