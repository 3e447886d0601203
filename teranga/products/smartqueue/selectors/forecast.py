"""Reads for the arrivals forecast and the staffing advice.

* :func:`branch_history`: a branch's tickets per service, local day and local hour over
  a range of days, in **one grouped query** (the database converts ``created_at`` to the
  organisation's local hour), plus the days it was open;
* :func:`day_plans`: the open local hours of each coming day for a branch and service
  (the service's hours when it has any, else the branch's opening hours, breaks
  excluded; closures and public holidays closed);
* :func:`forecast_report` and :func:`staffing_report`: what the API and the KPI page
  show, in a fixed number of queries whatever the number of branches and services.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max
from django.db.models.functions import ExtractHour

from teranga.platform.organizations.models import Branch, Closure, OpeningHours
from teranga.platform.scheduling.availability import public_holidays

from ..forecasting import DayHistory, DayPlan
from ..models import (
    ArrivalForecast,
    Counter,
    Queue,
    QueueService,
    ServiceHours,
    StaffingTarget,
    Ticket,
    TicketStatus,
)
from ..models.forecast import DEFAULT_TARGET_SERVICE_LEVEL, DEFAULT_TARGET_WAIT_MINUTES
from ..staffing import counters_needed, staffing_for
from .days import local_day

MAX_DAYS = 14
#: Served tickets of this many past days give a service's mean service time.
SERVICE_TIME_DAYS = 28
#: Fewer served tickets than this: the service's configured average.
SERVICE_TIME_MIN_SAMPLES = 5
SERVICE_TIME = ExpressionWrapper(F("served_at") - F("serving_at"), output_field=DurationField())


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def hour_start(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone)


# --- What was open ---------------------------------------------------------------------


@dataclass
class Calendar:
    """A branch's hours, closures and holidays over a range of days."""

    zone: ZoneInfo
    branch_periods: dict  # weekday -> [(opens, closes, break_start, break_end)]
    service_periods: dict  # service id -> weekday -> [(opens, closes, None, None)]
    services_with_hours: set
    closed: set  # dates closed (closures, and holidays unless the organisation opts out)
    holidays: set  # public holidays the organisation opens on

    def open_hours(self, service_id, day: date) -> frozenset[int] | None:
        """The open local hours of ``day`` (empty when closed); None when neither the
        service nor the branch has any hours (the history decides)."""
        if day in self.closed:
            return frozenset()
        if service_id in self.services_with_hours:
            periods = self.service_periods[service_id].get(day.weekday(), [])
        elif self.branch_periods:
            periods = self.branch_periods.get(day.weekday(), [])
        else:
            return None
        return frozenset(h for h in range(24) if any(_overlaps(h, p) for p in periods))


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _overlaps(hour: int, period) -> bool:
    opens, closes, break_start, break_end = period
    if break_start is not None and break_end is not None:
        segments = [(opens, break_start), (break_end, closes)]
    else:
        segments = [(opens, closes)]
    start, end = hour * 60, hour * 60 + 60
    return any(_minutes(a) < end and _minutes(b) > start for a, b in segments)


def branch_calendar(organization, branch, service_ids, first: date, last: date) -> Calendar:
    """Three queries: the branch's hours, the services' hours, the closures."""
    branch_periods: dict = defaultdict(list)
    for row in OpeningHours.objects.filter(branch=branch):
        branch_periods[row.weekday].append(
            (row.opens_at, row.closes_at, row.break_start, row.break_end)
        )
    service_periods: dict = defaultdict(lambda: defaultdict(list))
    for row in ServiceHours.objects.filter(service_id__in=service_ids):
        service_periods[row.service_id][row.weekday].append(
            (row.opens_at, row.closes_at, None, None)
        )
    closed: set[date] = set()
    closures = Closure.objects.filter(
        organization=organization, starts_on__lte=last, ends_on__gte=first
    )
    for branch_id, starts, ends in closures.values_list("branch_id", "starts_on", "ends_on"):
        if branch_id not in (None, branch.pk):
            continue
        day = max(starts, first)
        while day <= min(ends, last):
            closed.add(day)
            day += timedelta(days=1)
    holidays = set(public_holidays(organization.country, first, last))
    if organization.holidays_opt_out:
        opened_holidays = holidays
    else:
        closed |= holidays
        opened_holidays = set()
    return Calendar(
        zone=ZoneInfo(organization.time_zone),
        branch_periods=dict(branch_periods),
        service_periods=service_periods,
        services_with_hours=set(service_periods),
        closed=closed,
        holidays=opened_holidays,
    )


# --- The history -----------------------------------------------------------------------


def branch_counts(organization, branch, first: date, last: date) -> dict:
    """``{(service id, day, hour): tickets}`` of ``branch`` from ``first`` to ``last``
    (local days, inclusive): one grouped query. Tickets a transfer made are not
    arrivals and are left out."""
    zone = ZoneInfo(organization.time_zone)
    rows = (
        Ticket.objects.filter(
            organization=organization,
            branch=branch,
            day__gte=first,
            day__lte=last,
            transferred_from__isnull=True,
        )
        .annotate(hour=ExtractHour("created_at", tzinfo=zone))
        .values("service_id", "day", "hour")
        .annotate(tickets=Count("id"))
        .order_by()
    )
    return {(row["service_id"], row["day"], row["hour"]): row["tickets"] for row in rows}


def service_history(counts: dict, calendar: Calendar, service_id, first: date, last: date):
    """The :class:`DayHistory` of one service, day by day from ``first`` to ``last``."""
    days, day = [], first
    usual = {
        weekday
        for (sid, when, _hour), n in counts.items()
        if sid == service_id and n
        for weekday in (when.weekday(),)
    }
    while day <= last:
        hourly = [counts.get((service_id, day, hour), 0) for hour in range(24)]
        hours = calendar.open_hours(service_id, day)
        is_open = (
            bool(hours)
            if hours is not None
            else (day not in calendar.closed and day.weekday() in usual)
        )
        days.append(DayHistory(day, hourly, is_open=is_open, is_holiday=day in calendar.holidays))
        day += timedelta(days=1)
    return days


def service_plans(calendar: Calendar, service_id, history, first: date, days: int):
    """The :class:`DayPlan` of the ``days`` days from ``first``."""
    learnt: dict[int, set[int]] = defaultdict(set)
    for past in history:
        for hour, count in enumerate(past.counts):
            if count:
                learnt[past.day.weekday()].add(hour)
    plans = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        hours = calendar.open_hours(service_id, day)
        if hours is None:
            hours = frozenset() if day in calendar.closed else frozenset(learnt[day.weekday()])
        plans.append(DayPlan(day, hours, is_holiday=day in calendar.holidays))
    return plans


def forecast_pairs(organization) -> dict:
    """``{branch: [service ids]}``: the services with an active queue at each branch."""
    pairs: dict = defaultdict(set)
    rows = (
        Queue.objects.filter(organization=organization, is_active=True, service__is_active=True)
        .values_list("branch_id", "service_id")
        .distinct()
    )
    for branch_id, service_id in rows:
        pairs[branch_id].add(service_id)
    branches = {b.pk: b for b in Branch.objects.filter(pk__in=pairs, is_active=True)}
    return {branches[pk]: sorted(services) for pk, services in pairs.items() if pk in branches}


# --- Reports ---------------------------------------------------------------------------


def forecast_rows(*, organization, date_from: date, days: int, branch=None, service=None):
    zone = ZoneInfo(organization.time_zone)
    rows = ArrivalForecast.objects.filter(
        organization=organization,
        hour_start__gte=local_midnight(date_from, zone),
        hour_start__lt=local_midnight(date_from + timedelta(days=days), zone),
    )
    if branch is not None:
        rows = rows.filter(branch_id=branch)
    if service is not None:
        rows = rows.filter(service_id=service)
    return rows


def forecast_report(*, organization, date_from: date, days: int, branch=None, service=None) -> dict:
    """The stored forecast of ``days`` days from ``date_from``: one series per branch
    and service (two queries)."""
    rows = list(
        forecast_rows(
            organization=organization,
            date_from=date_from,
            days=days,
            branch=branch,
            service=service,
        )
        .select_related("branch", "service")
        .order_by("branch__name", "service__name", "hour_start")
    )
    series: dict = {}
    computed_at = None
    for row in rows:
        key = (row.branch_id, row.service_id)
        if key not in series:
            series[key] = {
                "branch": {"id": row.branch_id, "name": row.branch.name},
                "service": {"id": row.service_id, "name": row.service.name},
                "points": [],
            }
        series[key]["points"].append(
            {
                "hour_start": row.hour_start,
                "expected": row.expected,
                "low": row.low,
                "high": row.high,
            }
        )
        computed_at = max(computed_at, row.computed_at) if computed_at else row.computed_at
    if computed_at is None:
        computed_at = ArrivalForecast.objects.filter(organization=organization).aggregate(
            last=Max("computed_at")
        )["last"]
    return {
        "organization": organization.pk,
        "time_zone": organization.time_zone,
        "date_from": date_from,
        "date_to": date_from + timedelta(days=days - 1),
        "computed_at": computed_at,
        "series": list(series.values()),
    }


def staffing_target_of(organization) -> tuple[int, int]:
    """(wait minutes, service level %) of the organisation (the defaults when unset)."""
    target = StaffingTarget.objects.filter(organization=organization).first()
    if target is None:
        return DEFAULT_TARGET_WAIT_MINUTES, DEFAULT_TARGET_SERVICE_LEVEL
    return target.wait_minutes, target.service_level


def service_seconds(organization, branch, services, *, today: date) -> dict:
    """The mean service time (seconds) of each service at ``branch`` over the last
    :data:`SERVICE_TIME_DAYS` days (one grouped query), else its configured average."""
    measured = {
        row["service_id"]: row
        for row in Ticket.objects.filter(
            organization=organization,
            branch=branch,
            status=TicketStatus.SERVED,
            serving_at__isnull=False,
            day__gte=today - timedelta(days=SERVICE_TIME_DAYS),
            day__lte=today,
        )
        .values("service_id")
        .annotate(mean=Avg(SERVICE_TIME), count=Count("id"))
        .order_by()
    }
    seconds = {}
    for service in services:
        row = measured.get(service.pk)
        if row and row["count"] >= SERVICE_TIME_MIN_SAMPLES and row["mean"] is not None:
            mean = row["mean"]
            value = mean.total_seconds() if isinstance(mean, timedelta) else float(mean) / 1e6
            seconds[service.pk] = max(1.0, value)
        else:
            seconds[service.pk] = service.average_service_minutes * 60.0
    return seconds


def staffing_report(
    *, organization, branch: Branch, day: date, wait_minutes: int, service_level: int
) -> dict:
    """Counters to open per local hour of ``day`` at ``branch`` so that
    ``service_level`` % of clients wait at most ``wait_minutes``, from the stored
    forecast (all the branch's services together, at their arrivals-weighted mean
    service time), with what one counter fewer would give. Five queries."""
    rows = list(
        forecast_rows(organization=organization, date_from=day, days=1, branch=branch.pk)
        .order_by("hour_start")
        .values_list("hour_start", "service_id", "expected", "low", "high", "computed_at")
    )
    services = list(QueueService.objects.filter(pk__in={row[1] for row in rows}))
    # Measured up to today (a coming day has no served tickets yet).
    today = min(day, local_day(organization))
    seconds = service_seconds(organization, branch, services, today=today)
    hours: dict = {}
    computed_at = None
    for start, service_id, expected, low, high, computed in rows:
        hour = hours.setdefault(start, {"expected": 0.0, "low": 0, "high": 0, "work": 0.0})
        hour["expected"] += expected
        hour["low"] += low
        hour["high"] += high
        hour["work"] += expected * seconds[service_id]
        computed_at = max(computed_at, computed) if computed_at else computed
    target_seconds = wait_minutes * 60
    level = service_level / 100
    fallback = (sum(seconds.values()) / len(seconds)) if seconds else 600.0
    result = []
    zone = ZoneInfo(organization.time_zone)
    for start, hour in sorted(hours.items()):
        arrivals = hour["expected"]
        mean_seconds = hour["work"] / arrivals if arrivals > 0 else fallback
        advice = counters_needed(
            arrivals_per_hour=arrivals,
            service_seconds=mean_seconds,
            target_seconds=target_seconds,
            service_level=level,
        )
        fewer = None
        if advice.counters > 0:
            less = staffing_for(
                advice.counters - 1,
                arrivals_per_hour=arrivals,
                service_seconds=mean_seconds,
                target_seconds=target_seconds,
            )
            fewer = {
                "counters": less.counters,
                "wait_probability": round(less.wait_probability, 4),
                "expected_wait_seconds": _seconds(less.expected_wait_seconds),
                "service_level": round(less.service_level, 4),
            }
        result.append(
            {
                "hour_start": start,
                "local_hour": start.astimezone(zone).strftime("%H:%M"),
                "expected_arrivals": round(arrivals, 2),
                "low": hour["low"],
                "high": hour["high"],
                "service_seconds": round(mean_seconds, 1),
                "traffic": round(arrivals * mean_seconds / 3600, 3),
                "counters": advice.counters,
                "wait_probability": round(advice.wait_probability, 4),
                "expected_wait_seconds": _seconds(advice.expected_wait_seconds),
                "service_level": round(advice.service_level, 4),
                "one_fewer": fewer,
            }
        )
    available = Counter.objects.filter(branch=branch, is_active=True).count()
    return {
        "organization": organization.pk,
        "branch": {"id": branch.pk, "name": branch.name},
        "date": day,
        "time_zone": organization.time_zone,
        "target": {"wait_minutes": wait_minutes, "service_level": service_level},
        "counters_available": available,
        "peak_counters": max((h["counters"] for h in result), default=0),
        "computed_at": computed_at,
        "hours": result,
    }


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
