"""The wait estimate: its arithmetic, and its evaluation on a replayed day.

The replayed day (``replay_day``) is a bank branch with three counters and ~200
clients; every ticket's estimate at issue is compared with the wait it really had.
Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache

from teranga.products.smartqueue.models import AgentSession, Ticket
from teranga.products.smartqueue.selectors.estimates import (
    estimate_wait,
    quantile,
    service_pace,
    wait_seconds_for,
)
from teranga.products.smartqueue.services import counters, tickets
from teranga.products.smartqueue.tests.factories import CounterFactory, QueueFactory
from teranga.products.smartqueue.tests.replay_day import plan_day, replay

# --- arithmetic ------------------------------------------------------------------------


def test_quantile():
    assert quantile([3, 1, 2], 0.5) == 2.0
    assert quantile([4, 1, 3, 2], 0.5) == 2.5
    assert quantile([10, 20, 30, 40, 50], 0.8) == 42.0  # (5-1)×0.8 = 3.2 → 40 + 0.2×10
    assert quantile([10, 20], 0.0) == 10
    assert quantile([10, 20], 1.0) == 20
    assert quantile([7], 0.8) == 7
    with pytest.raises(ValueError):
        quantile([], 0.5)


def test_wait_seconds_for():
    assert wait_seconds_for(0, [300.0]) == 0
    assert wait_seconds_for(-1, [300.0]) == 0
    # 4 ahead and the client at the counter, half-way: 4.5 × 300 s.
    assert wait_seconds_for(4, [300.0]) == 1350
    assert wait_seconds_for(4, [300.0, 300.0]) == 675  # two counters in parallel
    # 1/200 + 1/600 = 1/150 tickets a second.
    assert wait_seconds_for(3, [200.0, 600.0]) == 525
    assert wait_seconds_for(3, [0.0, 300.0]) == 1050  # a zero pace is ignored
    assert wait_seconds_for(3, []) is None  # no counter: unknown
    assert wait_seconds_for(0, []) is None


# --- the method on a small known history ----------------------------------------------

NOW = datetime(2026, 3, 9, 12, tzinfo=UTC)


def serve(counter, agent, minutes: int, at: datetime, queue) -> datetime:
    """A ticket called at ``at``, served from a minute later, done ``minutes`` after the
    call (the counter's hold)."""
    with time_machine.travel(at, tick=False):
        tickets.ticket_issue(queue=queue, channel="kiosk")
        counters.counter_call_next(counter_id=counter.pk, agent=agent)
    with time_machine.travel(at + timedelta(minutes=1), tick=False):
        counters.counter_start(counter_id=counter.pk, agent=agent)
    end = at + timedelta(minutes=minutes)
    with time_machine.travel(end, tick=False):
        counters.counter_finish(counter_id=counter.pk, agent=agent)
    return end


def test_paces_come_from_each_counter_then_the_service_then_the_configuration(bank):
    service, queue = bank.service, bank.normal
    agent1 = bank.users["agent1"]
    paces = service_pace(service, [bank.counter1.pk], now=NOW)
    assert paces[None].source == "configured"
    assert paces[None].seconds == service.average_service_minutes * 60
    moment = NOW - timedelta(hours=3)
    for minutes in (2, 4, 6, 8, 10):
        moment = serve(bank.counter1, agent1, minutes, moment, queue)
    # Paces are cached for CACHE_SECONDS (statistics of the last weeks: a minute old is
    # fine), and the publications of the serves above computed them before this history
    # existed: what is checked here is the computation.
    cache.clear()
    paces = service_pace(service, [bank.counter1.pk, bank.counter2.pk], now=NOW)
    assert paces[bank.counter1.pk].seconds == paces[None].seconds  # the same five tickets
    assert paces[bank.counter1.pk].source == "counter"
    assert paces[bank.counter1.pk].seconds == 360.0  # the median, from the call
    assert paces[bank.counter2.pk].source == "service"  # no history of its own
    cautious = service_pace(service, [bank.counter1.pk], quantile_q=0.8, now=NOW)
    assert cautious[bank.counter1.pk].seconds == 8.4 * 60
    # Two open counters at 360 s each: 4 people ahead wait 4.5 × 360 / 2.
    assert estimate_wait(queue, 4, now=NOW) == 810
    assert estimate_wait(queue, 0, now=NOW) == 0
    # Nobody at the counters: the wait is unknown.
    AgentSession.objects.update(ended_at=NOW)
    assert estimate_wait(queue, 4, now=NOW + timedelta(minutes=2)) is None
    assert estimate_wait(queue, 0, now=NOW + timedelta(minutes=2)) is None


def test_old_history_is_ignored(bank):
    moment = NOW - timedelta(days=20)
    for minutes in (2, 2, 2, 2, 2):
        moment = serve(bank.counter1, bank.users["agent1"], minutes, moment, bank.normal)
    assert service_pace(bank.service, [], now=NOW)[None].source == "configured"


# --- evaluation on a replayed day -------------------------------------------------------


def figures(records, attribute: str) -> dict:
    errors = [getattr(r, attribute) - r.actual for r in records]
    absolute = [abs(e) for e in errors]
    return {
        "median_abs_error_s": statistics.median(absolute),
        "mean_abs_error_s": statistics.fmean(absolute),
        "mean_error_s": statistics.fmean(errors),
        "underestimated_share": sum(e < 0 for e in errors) / len(errors),
        "underestimated_by_5min_share": sum(e < -300 for e in errors) / len(errors),
    }


@pytest.fixture
def branch_day(bank, settings):
    """Queue A of the bank, served by three counters (one agent each), on a local
    memory cache whose expiry follows the replayed clock (as the real one does)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    AgentSession.objects.all().delete()
    queue = QueueFactory(
        organization=bank.org, branch=bank.branch, service=bank.service, prefix="R", name="Replay"
    )
    counter_list = [
        CounterFactory(
            organization=bank.org, branch=bank.branch, name=f"Replay {n}", queues=[queue]
        )
        for n in (1, 2, 3)
    ]
    agents = [bank.users["agent1"], bank.users["agent2"], bank.users["manager"]]
    plan = plan_day()
    with time_machine.travel(plan.arrivals[0].at - timedelta(minutes=5), tick=False):
        for counter, agent in zip(counter_list, agents, strict=True):
            counters.session_open(counter_id=counter.pk, agent=agent)
    return plan, queue, counter_list, agents


def test_estimates_on_a_replayed_day(bank, branch_day):
    plan, queue, counter_list, agents = branch_day
    configured = bank.service.average_service_minutes * 60
    result = replay(
        plan, queue=queue, counter_list=counter_list, agents=agents, baseline_pace=configured
    )
    records = result.called
    assert len(records) == len(plan.arrivals) >= 190
    served = Ticket.objects.filter(queue=queue, status="served").count()
    assert served >= 180
    waits = [r.actual for r in records]
    queued = [r for r in records if r.ahead > 0]
    p50, p80, naive = (figures(records, a) for a in ("estimate_p50", "estimate_p80", "baseline"))
    p50_queued = figures(queued, "estimate_p50")
    print(
        f"\nReplayed day: {len(records)} tickets, {served} served, 3 counters; actual wait "
        f"median {statistics.median(waits):.0f} s, p90 {quantile(waits, 0.9):.0f} s, "
        f"max {max(waits):.0f} s; {len(queued)} clients found someone ahead."
    )
    for name, row in (("p50", p50), ("p80", p80), ("naive", naive), ("p50 queued", p50_queued)):
        print(
            f"  {name:>10}: median |error| {row['median_abs_error_s']:.0f} s, mean |error| "
            f"{row['mean_abs_error_s']:.0f} s, bias {row['mean_error_s']:+.0f} s, "
            f"under {row['underestimated_share']:.0%}, under by >5 min "
            f"{row['underestimated_by_5min_share']:.0%}"
        )
    # Useful: within about a minute for half the clients, far better than the naive
    # "configured average × people ahead", and without a systematic lag.
    assert p50["median_abs_error_s"] <= 120
    assert p50["median_abs_error_s"] < naive["median_abs_error_s"] / 3
    assert p50["mean_abs_error_s"] < naive["mean_abs_error_s"] / 3
    assert abs(p50["mean_error_s"]) <= 180
    assert p50_queued["median_abs_error_s"] <= 240
    # p80 is the cautious figure: fewer and smaller underestimates than the median.
    assert p80["underestimated_share"] < p50["underestimated_share"] - 0.2
    assert p80["underestimated_by_5min_share"] <= 0.02
    assert p80["mean_error_s"] > p50["mean_error_s"]
