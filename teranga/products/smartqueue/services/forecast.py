"""Writes of the arrivals forecast: compute and store an organisation's forecast (the
nightly job, and a manager on demand), and set its staffing target."""

from __future__ import annotations

import logging
import time as timer
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from teranga.platform.organizations.models import Organization

from ..forecasting import WINDOW_WEEKS, forecast
from ..models import ArrivalForecast, Queue, StaffingTarget
from ..selectors.days import local_day
from ..selectors.forecast import (
    MAX_DAYS,
    branch_calendar,
    branch_counts,
    forecast_pairs,
    hour_start,
    local_midnight,
    service_history,
    service_plans,
)

logger = logging.getLogger(__name__)

#: Past forecasts are kept this long (what was forecast for an hour, beside what came).
KEEP_DAYS = 35


@transaction.atomic
def forecasts_compute(*, organization: Organization, now: datetime | None = None) -> dict:
    """Forecast the next :data:`MAX_DAYS` local days (from today) of every branch and
    service with an active queue, from the last
    :data:`~teranga.products.smartqueue.forecasting.WINDOW_WEEKS` weeks of tickets
    before today, and replace the stored rows from today on. One grouped ticket query
    and three small ones per branch, then a bulk insert."""
    started = timer.perf_counter()
    now = now or timezone.now()
    today = local_day(organization, now)
    first = today - timedelta(weeks=WINDOW_WEEKS)
    last = today - timedelta(days=1)
    horizon_end = today + timedelta(days=MAX_DAYS - 1)
    rows: list[ArrivalForecast] = []
    pairs = forecast_pairs(organization)
    for branch, service_ids in pairs.items():
        counts = branch_counts(organization, branch, first, last)
        calendar = branch_calendar(organization, branch, service_ids, first, horizon_end)
        for service_id in service_ids:
            history = service_history(counts, calendar, service_id, first, last)
            plans = service_plans(calendar, service_id, history, today, MAX_DAYS)
            for hour in forecast(history, plans):
                rows.append(
                    ArrivalForecast(
                        organization=organization,
                        branch=branch,
                        service_id=service_id,
                        hour_start=hour_start(hour.day, hour.hour, calendar.zone),
                        expected=hour.expected,
                        low=hour.low,
                        high=hour.high,
                        computed_at=now,
                    )
                )
    since = local_midnight(today, ZoneInfo(organization.time_zone))
    ArrivalForecast.objects.filter(organization=organization, hour_start__gte=since).delete()
    ArrivalForecast.objects.filter(
        organization=organization, hour_start__lt=now - timedelta(days=KEEP_DAYS)
    ).delete()
    ArrivalForecast.objects.bulk_create(rows, batch_size=500)
    elapsed = (timer.perf_counter() - started) * 1000
    logger.debug(
        "forecast computed",
        extra={"organization": str(organization.pk), "rows": len(rows), "ms": round(elapsed)},
    )
    return {
        "organization": organization.pk,
        "computed_at": now,
        "date_from": today,
        "date_to": horizon_end,
        "branches": len(pairs),
        "series": sum(len(services) for services in pairs.values()),
        "hours": len(rows),
        "duration_ms": round(elapsed, 1),
    }


def forecasts_compute_all(now: datetime | None = None) -> int:
    """The nightly job: every organisation with an active queue, each in its own
    transaction (one that fails is logged and the others go on). Returns how many were
    computed. Idempotent: a second run replaces the same rows."""
    done = 0
    ids = Queue.objects.filter(is_active=True).values_list("organization_id", flat=True).distinct()
    for organization in Organization.objects.filter(pk__in=list(ids)).order_by("pk"):
        try:
            forecasts_compute(organization=organization, now=now)
        except Exception:
            logger.exception("forecast failed", extra={"organization": str(organization.pk)})
            continue
        done += 1
    return done


@transaction.atomic
def staffing_target_set(
    *, organization: Organization, wait_minutes: int, service_level: int
) -> StaffingTarget:
    target, _created = StaffingTarget.objects.update_or_create(
        organization=organization,
        defaults={"wait_minutes": wait_minutes, "service_level": service_level},
    )
    return target
