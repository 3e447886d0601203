"""Wait estimates.

**Method.** A counter's pace for a service is a rolling statistic of the service times
(``served_at - serving_at``) of its last :data:`SAMPLE_SIZE` tickets of that service in
the last :data:`SAMPLE_DAYS` days: the median by default, the 80th percentile when a
cautious figure is wanted (``quantile=0.8``). A counter with fewer than
:data:`MIN_SAMPLES` such tickets uses the service's statistic across all its counters,
and with fewer still the service's configured average service time.

The open counters serving the queue (a counter with an agent session open) work in
parallel, so together they serve ``sum(1 / pace_c)`` tickets per second, and the wait
of someone with ``ahead`` people before them is::

    wait = ahead / sum(1 / pace_c)          (= ahead * pace / n for n equal counters)

With no counter open, one counter at the service's pace is assumed (the queue opens
later; the figure is a floor, not a promise). The estimate is evaluated against what
really happened on a replayed day of data in ``tests/test_estimates.py``.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from ..models import AgentSession, Counter, Queue, Ticket, TicketStatus

SAMPLE_SIZE = 30
SAMPLE_DAYS = 14
MIN_SAMPLES = 5
CACHE_SECONDS = 60


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (linear interpolation; median for 0.5)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    if q == 0.5:
        return float(statistics.median(ordered))
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _durations(service_id, counter_id=None, *, now) -> list[float]:
    queryset = Ticket.objects.filter(
        service_id=service_id,
        status=TicketStatus.SERVED,
        serving_at__isnull=False,
        served_at__gte=now - timedelta(days=SAMPLE_DAYS),
        served_at__lte=now,
    )
    if counter_id is not None:
        queryset = queryset.filter(counter_id=counter_id)
    rows = queryset.order_by("-served_at").annotate(duration=F("served_at") - F("serving_at"))
    return [
        max(row.total_seconds(), 1.0)
        for row in rows.values_list("duration", flat=True)[:SAMPLE_SIZE]
        if row is not None
    ]


@dataclass(frozen=True)
class Pace:
    seconds: float
    source: str  # "counter", "service" or "configured"


def service_pace(service, counter_ids, *, quantile_q: float = 0.5, now=None) -> dict:
    """``{counter_id: Pace}`` for ``counter_ids``, plus ``None``: the service-wide pace."""
    now = now or timezone.now()
    cache_key = f"sq:pace:{service.pk}:{quantile_q}:{','.join(sorted(map(str, counter_ids)))}"
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    overall = _durations(service.pk, now=now)
    if len(overall) >= MIN_SAMPLES:
        fallback = Pace(quantile(overall, quantile_q), "service")
    else:
        fallback = Pace(float(service.average_service_minutes * 60), "configured")
    result: dict = {None: fallback}
    for counter_id in counter_ids:
        own = _durations(service.pk, counter_id, now=now)
        result[counter_id] = (
            Pace(quantile(own, quantile_q), "counter") if len(own) >= MIN_SAMPLES else fallback
        )
    cache.set(cache_key, result, CACHE_SECONDS)
    return result


def open_counter_ids(queue: Queue) -> list:
    """Counters serving ``queue`` with an agent on them now."""
    staffed = AgentSession.objects.filter(ended_at__isnull=True).values("counter_id")
    return list(
        Counter.objects.filter(queues=queue, is_active=True, pk__in=staffed).values_list(
            "pk", flat=True
        )
    )


def wait_seconds_for(ahead: int, paces: list[float]) -> int:
    """The wait behind ``ahead`` people with counters of these paces (seconds)."""
    if ahead <= 0:
        return 0
    rate = sum(1.0 / pace for pace in paces if pace > 0)
    return int(round(ahead / rate)) if rate > 0 else 0


def estimate_wait(queue: Queue, ahead: int, *, quantile_q: float = 0.5, now=None) -> int:
    """Estimated seconds before someone with ``ahead`` people before them is called."""
    if ahead <= 0:
        return 0
    counters = open_counter_ids(queue)
    paces = service_pace(queue.service, counters, quantile_q=quantile_q, now=now)
    if counters:
        return wait_seconds_for(ahead, [paces[c].seconds for c in counters])
    return wait_seconds_for(ahead, [paces[None].seconds])
