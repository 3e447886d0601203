"""The agents' performance over a period (``agent_performance``): per agent of the
agency, the leads assigned, won and lost, the visits done and missed, the reservations
converted, the deals and the commission earned, with the agency's totals and a weekly
trend. Read by ``GET /api/v1/realestate/organizations/{id}/performance/`` and the staff
page ``/realestate/agencies/<id>/performance/``.

What counts, in the agency's time zone, for a period ``[date_from, date_to]``:

* **leads assigned**: leads created in the period that are assigned to the agent;
* **leads won / lost**: leads of the agent that reached a won / lost stage in the period
  (``stage_changed_at``);
* **visits done / no-show**: visits led by the agent starting in the period, by status;
* **reservations converted**: reservations of the agent's properties turned into a deal
  in the period (``closed_at``);
* **deals**: deals (commissions) dated in the period in which the agent holds a share
  (listing or selling); the totals count each deal once;
* **commission**: the agent's shares of those deals, per currency (a deal's currency is
  its property's).

Who sees what (``realestate.performance.view``, ``realestate.performance.team``): the
agency's managers and above (and platform staff) read every agent's row; an agent reads
only their own row, and the totals and trend are theirs. Another agency answers 404.

A fixed number of aggregate queries, whatever the number of agents.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from teranga.platform.organizations import access
from teranga.platform.organizations.models import Membership, Organization, Role

from ..models import (
    Commission,
    CommissionShare,
    Lead,
    Reservation,
    ReservationStatus,
    StageKind,
    Visit,
    VisitStatus,
)
from .properties import agency_for

PERFORMANCE_VIEW = "realestate.performance.view"
PERFORMANCE_TEAM = "realestate.performance.team"

#: The longest period one reading covers (a year and a bit: the weekly trend stays short).
MAX_PERIOD_DAYS = 400
PERIODS = ("month", "quarter", "year", "custom")
#: The members counted as agents: everyone who may carry leads, visits and deals.
AGENT_ROLES = (Role.AGENT, Role.MANAGER, Role.ADMIN, Role.OWNER)


def performance_agency(*, user, organization_id) -> Organization:
    """The agency whose performance ``user`` may read (404 outside it, 403 below agent,
    400 ``agency_kind_not_supported``). Carries ``current_membership`` and
    ``sees_team`` (every agent's row, or only the reader's own)."""
    organization = agency_for(user=user, organization_id=organization_id, action=PERFORMANCE_VIEW)
    organization.sees_team = access.can(
        user, organization, PERFORMANCE_TEAM, organization.current_membership
    )
    return organization


def agency_today(organization: Organization) -> date:
    return timezone.localtime(timezone.now(), ZoneInfo(organization.time_zone)).date()


def period_range(
    *, period: str, today: date, date_from: date | None = None, date_to: date | None = None
) -> tuple[date, date]:
    """``[date_from, date_to]`` of a period: the calendar month, quarter or year of
    ``today``; ``custom`` (or any explicit bound) takes the bounds given, the missing one
    from the current month."""
    if period == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        start = date(today.year, first_month, 1)
        last_month = first_month + 2
        end = date(today.year, last_month, calendar.monthrange(today.year, last_month)[1])
    elif period == "year":
        start, end = date(today.year, 1, 1), date(today.year, 12, 31)
    else:
        start = today.replace(day=1)
        end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    return date_from or start, date_to or end


@dataclass
class AgentFigures:
    agent_id: object
    name: str
    role: str
    leads_assigned: int = 0
    leads_won: int = 0
    leads_lost: int = 0
    visits_done: int = 0
    visits_no_show: int = 0
    reservations_converted: int = 0
    deals: int = 0
    #: ``{currency: minor units}``.
    commission: dict[str, int] = field(default_factory=dict)


@dataclass
class WeekFigures:
    week_start: date
    leads_assigned: int = 0
    visits_done: int = 0
    deals: int = 0
    commission: dict[str, int] = field(default_factory=dict)


@dataclass
class Performance:
    organization: Organization
    date_from: date
    date_to: date
    currency: str
    agents: list[AgentFigures]
    totals: AgentFigures
    weeks: list[WeekFigures]


def _name(user) -> str:
    return user.get_full_name() or user.email


def _week(value, zone: ZoneInfo) -> date:
    """The Monday a truncated value names (a date, or an aware datetime on databases that
    keep the time zone)."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, zone)
        return value.date()
    return value


def _weeks(date_from: date, date_to: date) -> list[date]:
    monday = date_from - timedelta(days=date_from.weekday())
    weeks = []
    while monday <= date_to:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def agent_performance(
    *, organization: Organization, date_from: date, date_to: date, only_agent=None
) -> Performance:
    """The figures of ``organization``'s agents over ``[date_from, date_to]`` (both
    included, in its time zone); ``only_agent``: that member's row alone. Eight queries
    at most, whatever the number of agents."""
    zone = ZoneInfo(organization.time_zone)
    starts = datetime.combine(date_from, time.min, tzinfo=zone)
    ends = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)

    members = (
        Membership.objects.filter(organization=organization, role__in=AGENT_ROLES)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )
    if only_agent is not None:
        members = members.filter(user=only_agent)
    rows = {
        m.user_id: AgentFigures(agent_id=m.user_id, name=_name(m.user), role=m.role)
        for m in members
    }
    agent_ids = list(rows)
    weeks = {monday: WeekFigures(week_start=monday) for monday in _weeks(date_from, date_to)}

    def week_of(value) -> WeekFigures | None:
        return weeks.get(_week(value, zone))

    # Leads created in the period, per agent and week.
    assigned = (
        Lead.objects.filter(
            organization=organization,
            agent_id__in=agent_ids,
            created_at__gte=starts,
            created_at__lt=ends,
        )
        .annotate(week=TruncWeek("created_at", tzinfo=zone))
        .values("agent_id", "week")
        .annotate(n=Count("id"))
    )
    for item in assigned:
        rows[item["agent_id"]].leads_assigned += item["n"]
        if (week := week_of(item["week"])) is not None:
            week.leads_assigned += item["n"]

    # Leads closed (won or lost) in the period.
    closed = (
        Lead.objects.filter(
            organization=organization,
            agent_id__in=agent_ids,
            stage__kind__in=(StageKind.WON, StageKind.LOST),
            stage_changed_at__gte=starts,
            stage_changed_at__lt=ends,
        )
        .values("agent_id", "stage__kind")
        .annotate(n=Count("id"))
    )
    for item in closed:
        row = rows[item["agent_id"]]
        if item["stage__kind"] == StageKind.WON:
            row.leads_won += item["n"]
        else:
            row.leads_lost += item["n"]

    # Visits done or missed, starting in the period.
    visits = (
        Visit.objects.filter(
            organization=organization,
            agent_id__in=agent_ids,
            status__in=(VisitStatus.DONE, VisitStatus.NO_SHOW),
            starts_at__gte=starts,
            starts_at__lt=ends,
        )
        .annotate(week=TruncWeek("starts_at", tzinfo=zone))
        .values("agent_id", "status", "week")
        .annotate(n=Count("id"))
    )
    for item in visits:
        row = rows[item["agent_id"]]
        if item["status"] == VisitStatus.DONE:
            row.visits_done += item["n"]
            if (week := week_of(item["week"])) is not None:
                week.visits_done += item["n"]
        else:
            row.visits_no_show += item["n"]

    # Reservations turned into deals in the period.
    converted = (
        Reservation.objects.filter(
            organization=organization,
            agent_id__in=agent_ids,
            status=ReservationStatus.CONVERTED,
            closed_at__gte=starts,
            closed_at__lt=ends,
        )
        .values("agent_id")
        .annotate(n=Count("id"))
    )
    for item in converted:
        rows[item["agent_id"]].reservations_converted += item["n"]

    # The agents' shares of the deals dated in the period.
    shares = (
        CommissionShare.objects.filter(
            organization=organization,
            agent_id__in=agent_ids,
            commission__deal_date__gte=date_from,
            commission__deal_date__lte=date_to,
        )
        .annotate(week=TruncWeek("commission__deal_date"))
        .values("agent_id", "commission__currency", "week")
        .annotate(amount=Sum("amount"), deals=Count("commission_id", distinct=True))
    )
    currencies: set[str] = set()
    for item in shares:
        row = rows[item["agent_id"]]
        currency = item["commission__currency"]
        currencies.add(currency)
        amount = int(item["amount"] or 0)
        row.commission[currency] = row.commission.get(currency, 0) + amount
        row.deals += item["deals"]
        if (week := week_of(item["week"])) is not None:
            week.commission[currency] = week.commission.get(currency, 0) + amount

    # Deals counted once (two agents may share one), in total and per week.
    deals = (
        Commission.objects.filter(
            organization=organization,
            deal_date__gte=date_from,
            deal_date__lte=date_to,
            shares__agent_id__in=agent_ids,
        )
        .annotate(week=TruncWeek("deal_date"))
        .values("week")
        .annotate(n=Count("id", distinct=True))
    )
    deal_total = 0
    for item in deals:
        deal_total += item["n"]
        if (week := week_of(item["week"])) is not None:
            week.deals += item["n"]

    agents = list(rows.values())
    totals = AgentFigures(agent_id=None, name="", role="")
    for row in agents:
        for name in (
            "leads_assigned",
            "leads_won",
            "leads_lost",
            "visits_done",
            "visits_no_show",
            "reservations_converted",
        ):
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
        for currency, amount in row.commission.items():
            totals.commission[currency] = totals.commission.get(currency, 0) + amount
    totals.deals = deal_total
    currency = organization.currency
    if currency not in currencies and len(currencies) == 1:
        currency = next(iter(currencies))
    return Performance(
        organization=organization,
        date_from=date_from,
        date_to=date_to,
        currency=currency,
        agents=agents,
        totals=totals,
        weeks=list(weeks.values()),
    )


def performance_for(*, user, organization: Organization, date_from: date, date_to: date):
    """``agent_performance`` as ``user`` may read it: every agent for the team's readers
    (``organization.sees_team``, set by ``performance_agency``), else their own row."""
    only = None if getattr(organization, "sees_team", False) else user
    return agent_performance(
        organization=organization, date_from=date_from, date_to=date_to, only_agent=only
    )


__all__ = [
    "MAX_PERIOD_DAYS",
    "PERFORMANCE_TEAM",
    "PERFORMANCE_VIEW",
    "PERIODS",
    "Performance",
    "agency_today",
    "agent_performance",
    "performance_agency",
    "performance_for",
    "period_range",
]
