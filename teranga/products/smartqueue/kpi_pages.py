"""The manager's KPI page ``/smartqueue/kpi/<organization_id>/``: today's queue KPIs,
next week's arrivals forecast with its 90 % interval (a chart), and the counters to open
per hour of a day for the organisation's target (a table).

* With a signed-in Django session (a manager, or platform staff signed in at
  ``/admin/login/``): rendered on the server with the figures of ``GET
  /api/v1/smartqueue/forecast/``, ``…/staffing/`` and ``…/stats/`` (the same selectors
  and serializers), written as text and as JSON (``json_script``) that the external
  script ``smartqueue/kpi.js`` draws with the vendored Chart.js (no CDN, no inline
  script). Who may see it is the API's rule (``access.STATS_VIEW``): another
  organisation is 404, a member below manager 403.
* Without a session: a shell with a sign-in form; the script signs in (allauth's app
  API, JWT in ``sessionStorage``), reads the same three endpoints and draws the same.

``?branch=``, ``?service=`` (the chart's series) and ``?date=`` (the staffing day)
choose what is shown; by default the first branch and service, and today.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from teranga.core.errors import Forbidden, NotFound
from teranga.core.pages import in_page_language, page_context
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.access import get_organization_for
from teranga.platform.organizations.models import Branch

from .access import STATS_VIEW
from .api.forecast_serializers import ForecastReportSerializer, StaffingReportSerializer
from .selectors.days import local_day
from .selectors.forecast import forecast_report, staffing_report, staffing_target_of
from .selectors.stats import stats_report

CHART_DAYS = 7


def kpi_strings() -> dict[str, str]:
    """What the page's script writes (chart labels, messages), in the page's language."""
    return {
        "expected": _("Expected tickets"),
        "interval": _("Prediction interval (90 %)"),
        "low": _("Low"),
        "high": _("High"),
        "no_forecast": _("No forecast yet: recompute it."),
        "no_hours": _("No forecast for this day (closed, or not computed)."),
        "unbounded": _("grows without end"),
        "minutes": _("min"),
        "bad_credentials": _("Wrong email or password."),
        "session_expired": _("Session expired: sign in again."),
        "error": _("Error"),
    }


def _choice(request, name: str):
    value = request.GET.get(name)
    if not value:
        return None
    key = parse_uuid(value)
    if key is None:
        raise ValueError(name)
    return key


def kpi_figures(organization, *, branch_id=None, service_id=None, day: date | None = None):
    """The page's data: the same JSON as the three API endpoints."""
    today = local_day(organization)
    forecast = ForecastReportSerializer(
        forecast_report(organization=organization, date_from=today, days=CHART_DAYS)
    ).data
    series = forecast["series"]
    branches = []
    for item in series:
        if item["branch"] not in branches:
            branches.append(item["branch"])
    if branch_id is None and branches:
        branch_id = branches[0]["id"]
    branch = (
        Branch.objects.filter(organization=organization, pk=branch_id, is_active=True).first()
        if branch_id
        else None
    )
    staffing = None
    if branch is not None:
        wait, level = staffing_target_of(organization)
        staffing = StaffingReportSerializer(
            staffing_report(
                organization=organization,
                branch=branch,
                day=day or today,
                wait_minutes=wait,
                service_level=level,
            )
        ).data
    kpis = stats_report(organization=organization, date_from=today, date_to=today)["totals"]
    return {
        "forecast": forecast,
        "staffing": staffing,
        "kpis": kpis,
        "branch": str(branch.pk) if branch else None,
        "service": str(service_id) if service_id else None,
    }


@require_GET
@in_page_language
def kpi_page(request, organization_id):
    user = request.user
    if not user.is_authenticated:
        return _render(request, organization_id, None, None)
    try:
        organization = get_organization_for(user, organization_id, STATS_VIEW)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    try:
        branch_id, service_id = _choice(request, "branch"), _choice(request, "service")
        day = date.fromisoformat(request.GET["date"]) if request.GET.get("date") else None
    except ValueError:
        return HttpResponseBadRequest(_("Some fields are invalid."))
    figures = kpi_figures(organization, branch_id=branch_id, service_id=service_id, day=day)
    return _render(request, organization.pk, organization, figures)


def _render(request, organization_id, organization, figures):
    response = render(
        request,
        "smartqueue/kpi.html",
        page_context(
            title=_("Queue KPIs and forecast"),
            organization=organization,
            organization_id=organization_id,
            figures=figures,
            chart_data={"figures": figures, "strings": kpi_strings()},
        ),
    )
    response["Cache-Control"] = "private, no-store"
    return response
