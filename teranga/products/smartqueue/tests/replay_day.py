"""A replayed day of a bank branch, for evaluating the wait estimates.

:func:`plan_day` draws a deterministic, realistic day (seeded): ~200 walk-in clients
from 8 h to 16 h with a morning peak (9–11 h), three counters whose service times
follow a lognormal law each (medians 4, 5 and 6 minutes, σ = 0.45), 15–45 s for a
called client to reach the counter, and 5 % of called clients who never come (marked
no-show after 2 minutes).

:func:`replay` runs that day through the real services — ``ticket_issue`` at each
arrival, ``counter_call_next`` / ``counter_start`` / ``counter_finish`` /
``counter_no_show`` when each agent would act — with the clock moved to each event
(time_machine), and records for every ticket the estimates made when it was issued and
the wait it really had (``called_at - created_at``).
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import time_machine

from teranga.products.smartqueue.models import Ticket
from teranga.products.smartqueue.selectors.estimates import estimate_wait
from teranga.products.smartqueue.services import counters, tickets

SEED = 20260309
#: Arrivals per local hour (8 h … 15 h): a morning peak, a lull at lunch.
ARRIVALS_PER_HOUR = {8: 20, 9: 40, 10: 38, 11: 28, 12: 18, 13: 16, 14: 20, 15: 20}
#: Per counter: the median service time (seconds) and the lognormal σ.
COUNTER_SERVICE = [(240.0, 0.45), (300.0, 0.45), (360.0, 0.45)]
WALK_SECONDS = (15, 45)
NO_SHOW_SHARE = 0.05
NO_SHOW_AFTER = 120


@dataclass(frozen=True)
class Arrival:
    at: datetime
    no_show: bool


@dataclass
class DayPlan:
    day: date
    arrivals: list[Arrival]
    rng: random.Random  # service and walk times, drawn as the day unfolds


@dataclass
class Record:
    ticket_id: object
    ahead: int
    estimate_p50: int
    estimate_p80: int
    baseline: int
    actual: float | None = None


@dataclass
class ReplayResult:
    records: list[Record] = field(default_factory=list)

    @property
    def called(self) -> list[Record]:
        return [record for record in self.records if record.actual is not None]


def plan_day(day: date = date(2026, 3, 9), seed: int = SEED) -> DayPlan:
    """A day's arrivals (UTC = Dakar time): a Poisson process per hour."""
    rng = random.Random(seed)
    arrivals = []
    for hour, count in ARRIVALS_PER_HOUR.items():
        start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
        for offset in sorted(rng.uniform(0, 3600) for _ in range(count)):
            moment = start + timedelta(seconds=round(offset))
            arrivals.append(Arrival(moment, rng.random() < NO_SHOW_SHARE))
    return DayPlan(day=day, arrivals=arrivals, rng=random.Random(seed + 1))


def service_seconds(rng: random.Random, counter_index: int) -> float:
    median, sigma = COUNTER_SERVICE[counter_index]
    return round(rng.lognormvariate(math.log(median), sigma))


def replay(plan: DayPlan, *, queue, counter_list, agents, baseline_pace: float) -> ReplayResult:
    """Run ``plan`` through the services on ``queue`` served by ``counter_list`` (each
    with an open session of the matching agent). ``baseline_pace``: the configured
    average service time (seconds) of the naive estimate."""
    result = ReplayResult()
    by_id: dict = {}
    no_shows = {}
    # Events: (time, order, kind, payload). Arrivals sort before counters at a tie.
    events: list = []
    sequence = 0
    for arrival in plan.arrivals:
        heapq.heappush(events, (arrival.at, 0, sequence, "arrive", arrival))
        sequence += 1
    idle = set(range(len(counter_list)))
    first = plan.arrivals[0].at
    with time_machine.travel(first, tick=False) as clock:

        def call(index: int, moment: datetime) -> None:
            nonlocal sequence
            counter, agent = counter_list[index], agents[index]
            ticket = counters.counter_call_next(counter_id=counter.pk, agent=agent, now=moment)
            if ticket is None:
                idle.add(index)
                return
            idle.discard(index)
            record = by_id[ticket.pk]
            record.actual = (ticket.called_at - ticket.created_at).total_seconds()
            if no_shows.get(ticket.pk):
                done = moment + timedelta(seconds=NO_SHOW_AFTER)
                heapq.heappush(events, (done, 1, sequence, "no_show", index))
            else:
                walk = plan.rng.randint(*WALK_SECONDS)
                begin = moment + timedelta(seconds=walk)
                heapq.heappush(events, (begin, 1, sequence, "start", index))
                sequence += 1
                done = begin + timedelta(seconds=service_seconds(plan.rng, index))
                heapq.heappush(events, (done, 1, sequence, "finish", index))
            sequence += 1

        while events:
            moment, _order, _seq, kind, payload = heapq.heappop(events)
            clock.move_to(moment)
            if kind == "arrive":
                ticket = tickets.ticket_issue(queue=queue, channel="kiosk", now=moment)
                ahead = ticket.position_at_issue - 1
                no_shows[ticket.pk] = payload.no_show
                record = Record(
                    ticket_id=ticket.pk,
                    ahead=ahead,
                    estimate_p50=ticket.estimated_wait_at_issue,
                    estimate_p80=estimate_wait(queue, ahead, quantile_q=0.8, now=moment),
                    baseline=int(round(max(ahead, 0) * baseline_pace)),
                )
                by_id[ticket.pk] = record
                result.records.append(record)
                if idle:
                    call(min(idle), moment)
            elif kind == "start":
                counters.counter_start(counter_id=counter_list[payload].pk, agent=agents[payload])
            elif kind == "finish":
                counters.counter_finish(counter_id=counter_list[payload].pk, agent=agents[payload])
                call(payload, moment)
            elif kind == "no_show":
                counters.counter_no_show(counter_id=counter_list[payload].pk, agent=agents[payload])
                call(payload, moment)
    left = Ticket.objects.filter(queue=queue, status="waiting").count()
    assert left == 0, f"{left} tickets never called"
    return result
