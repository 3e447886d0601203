"""Queue analytics: the live KPIs of today, KPIs by period and group, clients' origin.

Definitions (the same everywhere):

* **issued**: tickets taken by clients (a transfer's new ticket is counted apart, as
  ``transferred_in``, so an organisation's total is not counted twice);
* **wait**: ``called_at - created_at`` of the tickets that were called (``called_at``
  is the last call: a recalled ticket counts until its recall);
* **service time**: ``served_at - serving_at`` of the served tickets;
* **outcomes**: tickets that reached an end at their queue (served, no-show, cancelled,
  expired); the **no-show rate** is no-shows over outcomes, the **abandonment rate**
  cancelled and expired tickets over outcomes (tickets still waiting or transferred
  are in neither);
* **satisfaction**: the 1–5 ratings given after service (average, count, 1–5 counts);
* **peak hours**: tickets issued per local hour (0–23) in the organisation's time zone.

Days are the organisation's local days (``Ticket.day``, the local day the ticket was
taken), weeks start on Monday, months on the 1st.

:func:`live_kpis` is called on every monitor refresh: a handful of aggregate queries
and two single-row queries for the p90, nothing per ticket in Python.
:func:`queue_stats` reads the range's tickets in one ``values_list`` query and
aggregates in Python (portable percentiles on SQLite and PostgreSQL); its range is
bounded by :data:`MAX_RANGE_DAYS`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import ValidationFailed
from teranga.products.smartqueue.errors import SmartQueueError

from ..models import AgentSession, Counter, QueueService, Ticket, TicketStatus
from .estimates import quantile

S = TicketStatus
MAX_RANGE_DAYS = 366
PERIODS = ("day", "week", "month")
GROUPS = ("organization", "branch", "service", "counter", "agent")
#: The ticket column each grouping reads.
GROUP_COLUMNS = {
    "organization": None,
    "branch": "branch_id",
    "service": "service_id",
    "counter": "counter_id",
    "agent": "agent_id",
}
FILTERS = ("branch", "service", "counter", "agent")

WAIT = ExpressionWrapper(F("called_at") - F("created_at"), output_field=DurationField())
SERVICE_TIME = ExpressionWrapper(F("served_at") - F("serving_at"), output_field=DurationField())


def _seconds(value) -> float | None:
    """A duration aggregate as seconds (PostgreSQL gives a timedelta; so does SQLite
    through Django's converter, but be lenient about microsecond numbers)."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds(), 1)
    return round(float(value) / 1_000_000, 1)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _p90_seconds(queryset) -> float | None:
    """The 90th percentile of ``queryset``'s waits, by linear interpolation, read with
    a count and one two-row ordered query (no per-row work)."""
    count = queryset.count()
    if not count:
        return None
    position = (count - 1) * 0.9
    low = int(position)
    values = list(
        queryset.annotate(wait=WAIT).order_by("wait").values_list("wait", flat=True)[low : low + 2]
    )
    values = [_seconds(v) for v in values]
    if len(values) == 1:
        return values[0]
    return round(values[0] + (values[1] - values[0]) * (position - low), 1)


# --- live ------------------------------------------------------------------------------


def live_kpis(*, organization, now: datetime | None = None) -> dict:
    """Today's KPIs of ``organization`` (its local day) and each active branch's load:
    what the managers' monitor shows. JSON-serialisable."""
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo(organization.time_zone)).date()
    tickets = Ticket.objects.filter(organization=organization, day=today)
    counts = tickets.aggregate(
        issued=Count("pk", filter=Q(transferred_from__isnull=True)),
        served=Count("pk", filter=Q(status=S.SERVED)),
        waiting=Count("pk", filter=Q(status=S.WAITING)),
        at_counter=Count("pk", filter=Q(status__in=(S.CALLED, S.SERVING))),
        no_show=Count("pk", filter=Q(status=S.NO_SHOW)),
        cancelled=Count("pk", filter=Q(status=S.CANCELLED)),
        expired=Count("pk", filter=Q(status=S.EXPIRED)),
        rating_count=Count("rating"),
        rating_avg=Avg("rating"),
    )
    called = tickets.filter(called_at__isnull=False)
    wait_avg = called.aggregate(value=Avg(WAIT))["value"]
    service_avg = tickets.filter(status=S.SERVED, serving_at__isnull=False).aggregate(
        value=Avg(SERVICE_TIME)
    )["value"]
    sessions = AgentSession.objects.filter(organization=organization, ended_at__isnull=True)
    per_branch_tickets = {
        row["branch_id"]: row
        for row in Ticket.objects.filter(
            organization=organization, status__in=(S.WAITING, S.CALLED, S.SERVING)
        )
        .values("branch_id")
        .annotate(
            waiting=Count("pk", filter=Q(status=S.WAITING)),
            serving=Count("pk", filter=Q(status__in=(S.CALLED, S.SERVING))),
        )
    }
    per_branch_sessions = dict(
        sessions.values("counter__branch_id")
        .annotate(n=Count("pk"))
        .values_list("counter__branch_id", "n")
    )
    branches = []
    for branch_id, name in organization.branches.filter(is_active=True).values_list("pk", "name"):
        load = per_branch_tickets.get(branch_id, {})
        branches.append(
            {
                "id": str(branch_id),
                "name": name,
                "waiting": load.get("waiting", 0),
                "serving": load.get("serving", 0),
                "open_counters": per_branch_sessions.get(branch_id, 0),
            }
        )
    return {
        "day": today.isoformat(),
        "at": now.isoformat(),
        "issued": counts["issued"],
        "served": counts["served"],
        "waiting": counts["waiting"],
        "serving": counts["at_counter"],
        "no_show": counts["no_show"],
        "cancelled": counts["cancelled"],
        "expired": counts["expired"],
        "wait_avg_seconds": _seconds(wait_avg),
        "wait_p90_seconds": _p90_seconds(called),
        "service_avg_seconds": _seconds(service_avg),
        "open_counters": sum(per_branch_sessions.values()),
        "satisfaction_avg": round(counts["rating_avg"], 2) if counts["rating_avg"] else None,
        "satisfaction_count": counts["rating_count"],
        "branches": branches,
    }


# --- by period and group ---------------------------------------------------------------


def validate_range(date_from: date, date_to: date) -> None:
    if date_to < date_from:
        raise ValidationFailed(
            code=SmartQueueError.INVALID_RANGE,
            fields={"date_to": [_("The end is before the start.")]},
        )
    if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
        raise ValidationFailed(
            code=SmartQueueError.RANGE_TOO_LONG,
            fields={"date_to": [_("Choose at most %(n)d days.") % {"n": MAX_RANGE_DAYS}]},
        )


def period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def period_end(start: date, period: str) -> date:
    if period == "week":
        return start + timedelta(days=6)
    if period == "month":
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)
    return start


@dataclass
class Bucket:
    issued: int = 0
    transferred_in: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    expired: int = 0
    waits: list = field(default_factory=list)
    service_times: list = field(default_factory=list)
    ratings: list = field(default_factory=lambda: [0, 0, 0, 0, 0])
    hours: list = field(default_factory=lambda: [0] * 24)

    def add(self, row: dict, zone: ZoneInfo) -> None:
        status = row["status"]
        if row["transferred_from_id"] is None:
            self.issued += 1
            self.hours[row["created_at"].astimezone(zone).hour] += 1
        else:
            self.transferred_in += 1
        if status == S.SERVED:
            self.served += 1
        elif status == S.NO_SHOW:
            self.no_show += 1
        elif status == S.CANCELLED:
            self.cancelled += 1
        elif status == S.EXPIRED:
            self.expired += 1
        if row["called_at"] is not None:
            self.waits.append(max((row["called_at"] - row["created_at"]).total_seconds(), 0.0))
        if status == S.SERVED and row["serving_at"] is not None and row["served_at"] is not None:
            self.service_times.append(
                max((row["served_at"] - row["serving_at"]).total_seconds(), 0.0)
            )
        if row["rating"]:
            self.ratings[row["rating"] - 1] += 1

    def figures(self) -> dict:
        outcomes = self.served + self.no_show + self.cancelled + self.expired
        rated = sum(self.ratings)
        abandoned = self.cancelled + self.expired

        def mean(values):
            return round(sum(values) / len(values), 1) if values else None

        return {
            "issued": self.issued,
            "transferred_in": self.transferred_in,
            "served": self.served,
            "no_show": self.no_show,
            "cancelled": self.cancelled,
            "expired": self.expired,
            "abandoned": abandoned,
            "wait_avg_seconds": mean(self.waits),
            "wait_p90_seconds": round(quantile(self.waits, 0.9), 1) if self.waits else None,
            "service_avg_seconds": mean(self.service_times),
            "no_show_rate": _rate(self.no_show, outcomes),
            "abandonment_rate": _rate(abandoned, outcomes),
            "satisfaction_avg": (
                round(sum((i + 1) * n for i, n in enumerate(self.ratings)) / rated, 2)
                if rated
                else None
            ),
            "satisfaction_count": rated,
            "satisfaction_distribution": {str(i + 1): n for i, n in enumerate(self.ratings)},
            "issued_by_hour": list(self.hours),
            "peak_hour": self.hours.index(max(self.hours)) if self.issued else None,
        }


def _group_names(organization, group_by: str, keys) -> dict:
    keys = [key for key in keys if key is not None]
    if group_by == "organization":
        return {None: organization.name}
    if group_by == "branch":
        names = dict(organization.branches.filter(pk__in=keys).values_list("pk", "name"))
    elif group_by == "service":
        names = dict(QueueService.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif group_by == "counter":
        names = dict(Counter.objects.filter(pk__in=keys).values_list("pk", "name"))
    else:
        from django.contrib.auth import get_user_model

        names = {
            user.pk: user.get_full_name() for user in get_user_model().objects.filter(pk__in=keys)
        }
    names[None] = _("No agent") if group_by == "agent" else _("No counter")
    return names


def stats_tickets(*, organization, date_from: date, date_to: date, filters: dict | None = None):
    """The organisation's tickets of the range, with the filters (ids) applied."""
    queryset = Ticket.objects.filter(organization=organization, day__range=(date_from, date_to))
    for name, value in (filters or {}).items():
        if name not in FILTERS:
            raise ValueError(f"unknown filter {name!r}")
        if value is not None:
            queryset = queryset.filter(**{f"{name}_id": value})
    return queryset


def queue_stats(
    *,
    organization,
    date_from: date,
    date_to: date,
    period: str = "day",
    group_by: str = "organization",
    filters: dict | None = None,
) -> dict:
    """KPIs per period bucket and group, with the range's totals.

    Returns ``{"rows": [...], "totals": {...}}``; each row has ``period_start``,
    ``period_end``, ``group`` (``{"kind", "id", "name"}``) and the figures of
    :meth:`Bucket.figures`. Rows are ordered by period, then group name.
    """
    if period not in PERIODS:
        raise ValidationFailed(
            code=SmartQueueError.INVALID_PERIOD, fields={"period": [_("Unknown period.")]}
        )
    if group_by not in GROUPS:
        raise ValidationFailed(
            code=SmartQueueError.INVALID_GROUP_BY, fields={"group_by": [_("Unknown grouping.")]}
        )
    validate_range(date_from, date_to)
    zone = ZoneInfo(organization.time_zone)
    column = GROUP_COLUMNS[group_by]
    columns = [
        "day",
        "status",
        "created_at",
        "called_at",
        "serving_at",
        "served_at",
        "rating",
        "transferred_from_id",
    ]
    if column:
        columns.append(column)
    queryset = stats_tickets(
        organization=organization, date_from=date_from, date_to=date_to, filters=filters
    ).order_by()
    buckets: dict[tuple, Bucket] = defaultdict(Bucket)
    total = Bucket()
    for row in queryset.values(*columns).iterator(chunk_size=2000):
        key = (period_start(row["day"], period), row[column] if column else None)
        buckets[key].add(row, zone)
        total.add(row, zone)
    names = _group_names(organization, group_by, {key for _start, key in buckets})
    rows = []
    for (start, key), bucket in buckets.items():
        rows.append(
            {
                "period_start": start.isoformat(),
                "period_end": period_end(start, period).isoformat(),
                "group": {
                    "kind": group_by,
                    "id": str(key) if key is not None else None,
                    "name": names.get(key, "?"),
                },
                **bucket.figures(),
            }
        )
    rows.sort(key=lambda r: (r["period_start"], r["group"]["name"], r["group"]["id"] or ""))
    return {"rows": rows, "totals": total.figures()}


# --- origin ----------------------------------------------------------------------------


def origin_stats(*, organization, date_from: date, date_to: date, branch=None) -> dict:
    """Where clients came from: tickets taken (transfers not counted again) by region
    (``geo.Region``) and commune, with counts and shares of the total; tickets with no
    known origin are the ``unknown`` region (``code`` null)."""
    validate_range(date_from, date_to)
    queryset = stats_tickets(
        organization=organization,
        date_from=date_from,
        date_to=date_to,
        filters={"branch": branch},
    ).filter(transferred_from__isnull=True)
    rows = (
        queryset.order_by()
        .values("origin_region__code", "origin_region__name", "origin_commune")
        .annotate(count=Count("pk"))
    )
    regions: dict = {}
    total = 0
    for row in rows:
        code = row["origin_region__code"]
        region = regions.setdefault(
            code,
            {
                "code": code,
                "name": row["origin_region__name"] or _("Unknown"),
                "count": 0,
                "communes": {},
            },
        )
        region["count"] += row["count"]
        commune = row["origin_commune"] or ""
        region["communes"][commune] = region["communes"].get(commune, 0) + row["count"]
        total += row["count"]
    result = []
    for region in sorted(regions.values(), key=lambda r: (r["code"] is None, -r["count"])):
        communes = [
            {
                "name": name or _("Unknown"),
                "known": bool(name),
                "count": count,
                "share": _rate(count, total),
            }
            for name, count in sorted(region["communes"].items(), key=lambda item: -item[1])
        ]
        result.append(
            {
                "code": region["code"],
                "name": region["name"],
                "count": region["count"],
                "share": _rate(region["count"], total),
                "communes": communes,
            }
        )
    return {"total": total, "regions": result}


# --- the report of the stats endpoint ------------------------------------------------------


def stats_report(
    *,
    organization,
    date_from: date,
    date_to: date,
    period: str = "day",
    group_by: str = "organization",
    filters: dict | None = None,
) -> dict:
    """What ``GET /api/v1/smartqueue/stats/`` answers: KPI rows, totals, the range's
    peak hours and the clients' origin (with the branch filter, if any)."""
    stats = queue_stats(
        organization=organization,
        date_from=date_from,
        date_to=date_to,
        period=period,
        group_by=group_by,
        filters=filters,
    )
    origin = origin_stats(
        organization=organization,
        date_from=date_from,
        date_to=date_to,
        branch=(filters or {}).get("branch"),
    )
    hours = stats["totals"]["issued_by_hour"]
    return {
        "organization": {"id": str(organization.pk), "name": organization.name},
        "time_zone": organization.time_zone,
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "period": period,
        "group_by": group_by,
        "rows": stats["rows"],
        "totals": stats["totals"],
        "peak_hours": [{"hour": hour, "issued": count} for hour, count in enumerate(hours)],
        "origin": origin,
    }
