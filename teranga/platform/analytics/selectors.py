"""Reads of analytics: who may see a site, and the report of a period.

The report is computed from visits and events with a fixed number of queries whatever
the traffic (one aggregate for the eight cards of both periods, one per chart and
breakdown, one for every goal at once, one for the funnels' steps, two for the
demographics): the indexes on ``(site, started_at)`` and ``(site, occurred_at)`` bound
each one to the period.

Periods, in the organisation's time zone: ``today`` (by hour), ``7d``, ``30d`` and ``90d``
(by day, today included) and ``12mo`` (by month, this month included); each is
compared with the period of the same length just before it (growth in %, null when the
previous figure is 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDay, TruncHour, TruncMonth
from django.utils import timezone

from teranga.core.errors import NotFound
from teranga.platform.organizations.access import ensure, get_organization_for

from .errors import AnalyticsError
from .models import PAGEVIEW, Demographics, Event, Funnel, Goal, GoalKind, Site, Visit

ANALYTICS_VIEW = "analytics.view"
ANALYTICS_MANAGE = "analytics.manage"
PERIODS = ("today", "7d", "30d", "90d", "12mo")
TOP = 10
#: Demographic groups smaller than this are never reported.
MIN_GROUP = 10
MAX_FUNNEL_EVENTS = 200_000

BREAKDOWNS = {
    "sources": "source",
    "utm_mediums": "utm_medium",
    "utm_sources": "utm_source",
    "utm_campaigns": "utm_campaign",
    "entry_pages": "entry_page",
    "exit_pages": "exit_page",
    "devices": "device",
    "browsers": "browser",
    "operating_systems": "os",
    "countries": "country",
    "regions": "region",
    "cities": "city",
}


# --- Access -------------------------------------------------------------------------------


def site_for(user, site_id, action: str = ANALYTICS_VIEW) -> Site:
    """The site ``site_id`` if ``user`` may do ``action`` on its organisation: 404
    ``site_not_found`` when it does not exist or the user may not know of it, 403 when
    a member's role is too low."""
    site = Site.objects.select_related("organization").filter(pk=site_id).first()
    if site is None:
        raise NotFound(code=AnalyticsError.SITE_NOT_FOUND)
    try:
        ensure(user, site.organization, action)
    except NotFound:
        raise NotFound(code=AnalyticsError.SITE_NOT_FOUND) from None
    return site


def sites_of(user, organization_id, action: str = ANALYTICS_VIEW):
    organization = get_organization_for(user, organization_id, action)
    return organization, Site.objects.filter(organization=organization).order_by("name")


def site_of_organization(organization) -> Site | None:
    """The organisation's first active site (what a product's page reports to)."""
    return (
        Site.objects.filter(organization=organization, is_active=True)
        .order_by("created_at")
        .first()
    )


def demographics_for(user) -> Demographics | None:
    return Demographics.objects.filter(user=user).first()


def goals_of(site: Site):
    return Goal.objects.filter(site=site).order_by("name")


def funnels_of(site: Site):
    return Funnel.objects.filter(site=site).prefetch_related("steps__goal").order_by("name")


def goal_of(site: Site, goal_id) -> Goal:
    goal = Goal.objects.filter(site=site, pk=goal_id).first()
    if goal is None:
        raise NotFound(code=AnalyticsError.GOAL_NOT_FOUND)
    return goal


def funnel_of(site: Site, funnel_id) -> Funnel:
    funnel = Funnel.objects.filter(site=site, pk=funnel_id).first()
    if funnel is None:
        raise NotFound(code=AnalyticsError.FUNNEL_NOT_FOUND)
    return funnel


# --- Periods ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    name: str
    zone: ZoneInfo
    starts: datetime
    ends: datetime
    previous_starts: datetime
    interval: str  # hour, day, month
    buckets: list[datetime]

    @property
    def date_from(self) -> date:
        return self.starts.date()

    @property
    def date_to(self) -> date:
        return (self.ends - timedelta(seconds=1)).date()


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _month_start(day: date, months_back: int) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def period_of(name: str, *, time_zone: str, now: datetime | None = None) -> Period:
    zone = ZoneInfo(time_zone)
    today = (now or timezone.now()).astimezone(zone).date()
    if name == "12mo":
        first = _month_start(today, 11)
        months = [_month_start(today, back) for back in range(11, -1, -1)]
        return Period(
            name,
            zone,
            _midnight(first, zone),
            _midnight(_month_start(today, -1), zone),
            _midnight(_month_start(today, 23), zone),
            "month",
            [_midnight(month, zone) for month in months],
        )
    if name == "today":
        start = _midnight(today, zone)
        return Period(
            name,
            zone,
            start,
            _midnight(today + timedelta(days=1), zone),
            _midnight(today - timedelta(days=1), zone),
            "hour",
            [start + timedelta(hours=hour) for hour in range(24)],
        )
    days = int(name.removesuffix("d"))
    first = today - timedelta(days=days - 1)
    return Period(
        name,
        zone,
        _midnight(first, zone),
        _midnight(today + timedelta(days=1), zone),
        _midnight(first - timedelta(days=days), zone),
        "day",
        [_midnight(first + timedelta(days=n), zone) for n in range(days)],
    )


# --- The report ---------------------------------------------------------------------------


def growth(current: float | None, previous: float | None) -> float | None:
    if not previous or current is None:
        return None
    return round((current - previous) * 100.0 / previous, 1)


def _card(current, previous) -> dict:
    return {"value": current, "previous": previous, "growth": growth(current, previous)}


def _goal_q(goal: Goal, prefix: str = "") -> Q:
    if goal.kind == GoalKind.EVENT:
        return Q(**{f"{prefix}name": goal.event_name})
    if goal.path.endswith("*"):
        return Q(**{f"{prefix}name": PAGEVIEW, f"{prefix}pathname__startswith": goal.path[:-1]})
    return Q(**{f"{prefix}name": PAGEVIEW, f"{prefix}pathname": goal.path})


def _goal_matches(goal: Goal, name: str, pathname: str) -> bool:
    if goal.kind == GoalKind.EVENT:
        return name == goal.event_name
    if name != PAGEVIEW:
        return False
    if goal.path.endswith("*"):
        return pathname.startswith(goal.path[:-1])
    return pathname == goal.path


def _totals(site: Site, period: Period, goals: list[Goal]) -> dict:
    current = Q(started_at__gte=period.starts, started_at__lt=period.ends)
    previous = Q(started_at__gte=period.previous_starts, started_at__lt=period.starts)
    duration = ExpressionWrapper(F("last_seen_at") - F("started_at"), output_field=DurationField())
    figures = {}
    for key, when in (("cur", current), ("prev", previous)):
        figures |= {
            f"{key}_visitors": Count("visitor_id", distinct=True, filter=when),
            f"{key}_visits": Count("id", filter=when),
            f"{key}_pageviews": Sum("pageviews", filter=when),
            f"{key}_bounces": Count("id", filter=when & Q(pageviews__lte=1, events=0)),
            f"{key}_duration": Sum(duration, filter=when),
        }
    row = Visit.objects.filter(
        site=site, started_at__gte=period.previous_starts, started_at__lt=period.ends
    ).aggregate(**figures)
    conversions = {"cur": 0, "prev": 0}
    if goals:
        any_goal = Q()
        for goal in goals:
            any_goal |= _goal_q(goal)
        found = (
            Event.objects.filter(
                site=site, occurred_at__gte=period.previous_starts, occurred_at__lt=period.ends
            )
            .filter(any_goal)
            .aggregate(
                cur=Count("visitor_id", distinct=True, filter=Q(occurred_at__gte=period.starts)),
                prev=Count("visitor_id", distinct=True, filter=Q(occurred_at__lt=period.starts)),
            )
        )
        conversions = {key: found[key] or 0 for key in conversions}
    cards = {}
    values = {}
    for key in ("cur", "prev"):
        visits = row[f"{key}_visits"] or 0
        visitors = row[f"{key}_visitors"] or 0
        pageviews = row[f"{key}_pageviews"] or 0
        total = row[f"{key}_duration"]
        seconds = total.total_seconds() if isinstance(total, timedelta) else (total or 0) / 1e6
        values[key] = {
            "visitors": visitors,
            "pageviews": pageviews,
            "visits": visits,
            "views_per_visit": round(pageviews / visits, 2) if visits else 0.0,
            "bounce_rate": round(row[f"{key}_bounces"] * 100.0 / visits, 1) if visits else 0.0,
            "visit_duration": round(seconds / visits) if visits else 0,
            "conversions": conversions[key],
            "conversion_rate": (round(conversions[key] * 100.0 / visitors, 1) if visitors else 0.0),
        }
    for metric in values["cur"]:
        cards[metric] = _card(values["cur"][metric], values["prev"][metric])
    return cards


def _timeseries(site: Site, period: Period) -> list[dict]:
    trunc = {"hour": TruncHour, "day": TruncDay, "month": TruncMonth}[period.interval]
    rows = (
        Visit.objects.filter(site=site, started_at__gte=period.starts, started_at__lt=period.ends)
        .annotate(bucket=trunc("started_at", tzinfo=period.zone))
        .values("bucket")
        .annotate(
            visitors=Count("visitor_id", distinct=True),
            visits=Count("id"),
            pageviews=Sum("pageviews"),
        )
        .order_by("bucket")
    )
    found = {}
    for row in rows:
        bucket = row["bucket"]
        if isinstance(bucket, date) and not isinstance(bucket, datetime):
            bucket = _midnight(bucket, period.zone)
        found[bucket.astimezone(period.zone).replace(tzinfo=None)] = row
    series = []
    for bucket in period.buckets:
        row = found.get(bucket.replace(tzinfo=None), {})
        series.append(
            {
                "bucket": bucket,
                "visitors": row.get("visitors", 0),
                "visits": row.get("visits", 0),
                "pageviews": row.get("pageviews") or 0,
            }
        )
    return series


def _breakdown(visits, field: str) -> list[dict]:
    rows = (
        visits.exclude(**{field: ""})
        .values(field)
        .annotate(visitors=Count("visitor_id", distinct=True), visits=Count("id"))
        .order_by("-visitors", "-visits", field)[:TOP]
    )
    return [
        {"name": row[field], "visitors": row["visitors"], "visits": row["visits"]} for row in rows
    ]


def _pages(site: Site, period: Period) -> list[dict]:
    rows = (
        Event.objects.filter(
            site=site, name=PAGEVIEW, occurred_at__gte=period.starts, occurred_at__lt=period.ends
        )
        .values("pathname")
        .annotate(visitors=Count("visitor_id", distinct=True), pageviews=Count("id"))
        .order_by("-pageviews", "pathname")[:TOP]
    )
    return [
        {"name": row["pathname"], "visitors": row["visitors"], "pageviews": row["pageviews"]}
        for row in rows
    ]


def _goals(site: Site, period: Period, goals: list[Goal], visitors: int) -> list[dict]:
    if not goals:
        return []
    figures = {}
    for n, goal in enumerate(goals):
        figures[f"v{n}"] = Count("visitor_id", distinct=True, filter=_goal_q(goal))
        figures[f"e{n}"] = Count("id", filter=_goal_q(goal))
    row = Event.objects.filter(
        site=site, occurred_at__gte=period.starts, occurred_at__lt=period.ends
    ).aggregate(**figures)
    return [
        {
            "id": goal.pk,
            "name": goal.name,
            "kind": goal.kind,
            "visitors": row[f"v{n}"] or 0,
            "events": row[f"e{n}"] or 0,
            "conversion_rate": round((row[f"v{n}"] or 0) * 100.0 / visitors, 1)
            if visitors
            else 0.0,
        }
        for n, goal in enumerate(goals)
    ]


def _funnels(site: Site, period: Period, funnels: list[Funnel]) -> list[dict]:
    """Each funnel's steps: the visitors whose visit reached the step, in the funnel's
    order (the events of a visit in time order; a step counts once it follows the
    previous one)."""
    if not funnels:
        return []
    goals = {step.goal_id: step.goal for funnel in funnels for step in funnel.steps.all()}
    any_step = Q()
    for goal in goals.values():
        any_step |= _goal_q(goal)
    rows = (
        Event.objects.filter(site=site, occurred_at__gte=period.starts, occurred_at__lt=period.ends)
        .filter(any_step)
        .order_by("visit_id", "occurred_at", "id")
        .values_list("visit_id", "visitor_id", "name", "pathname")[:MAX_FUNNEL_EVENTS]
    )
    by_visit: dict = {}
    for visit_id, visitor_id, name, pathname in rows:
        by_visit.setdefault(visit_id, (visitor_id, []))[1].append((name, pathname))
    report = []
    for funnel in funnels:
        steps = list(funnel.steps.all())
        reached: list[set] = [set() for _step in steps]
        for visitor_id, events in by_visit.values():
            position = 0
            for name, pathname in events:
                if position < len(steps) and _goal_matches(steps[position].goal, name, pathname):
                    reached[position].add(visitor_id)
                    position += 1
        first = len(reached[0]) if reached else 0
        items = []
        for index, step in enumerate(steps):
            count = len(reached[index])
            before = len(reached[index - 1]) if index else count
            items.append(
                {
                    "position": step.position,
                    "goal": step.goal_id,
                    "name": step.goal.name,
                    "visitors": count,
                    "drop_off": before - count,
                    "conversion_rate": round(count * 100.0 / first, 1) if first else 0.0,
                }
            )
        report.append({"id": funnel.pk, "name": funnel.name, "steps": items})
    return report


def _demographics(visits) -> dict:
    result = {"minimum_group": MIN_GROUP}
    for key, field in (("genders", "gender"), ("age_ranges", "age_range")):
        rows = (
            visits.exclude(**{field: ""})
            .values(field)
            .annotate(visitors=Count("visitor_id", distinct=True))
            .order_by(field)
        )
        result[key] = [
            {"name": row[field], "visitors": row["visitors"]}
            for row in rows
            if row["visitors"] >= MIN_GROUP
        ]
    return result


def site_report(*, site: Site, period: str, now: datetime | None = None) -> dict:
    """Everything the dashboard shows for ``site`` over ``period``."""
    span = period_of(period, time_zone=site.organization.time_zone, now=now)
    goals = list(goals_of(site))
    funnels = list(funnels_of(site))
    cards = _totals(site, span, goals)
    visits = Visit.objects.filter(site=site, started_at__gte=span.starts, started_at__lt=span.ends)
    report = {
        "site": {"id": site.pk, "name": site.name},
        "period": span.name,
        "time_zone": site.organization.time_zone,
        "date_from": span.date_from,
        "date_to": span.date_to,
        "interval": span.interval,
        "cards": cards,
        "timeseries": _timeseries(site, span),
        "pages": _pages(site, span),
        **{key: _breakdown(visits, field) for key, field in BREAKDOWNS.items()},
        "goals": _goals(site, span, goals, cards["visitors"]["value"]),
        "funnels": _funnels(site, span, funnels),
        "demographics": _demographics(visits),
    }
    return report
