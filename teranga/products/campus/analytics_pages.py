"""Web pages of Campus (analytics): the organiser's dashboard
``/campus/dashboard/<organization_id>/``.

* With a signed-in Django session (platform staff signed in at ``/admin/login/``): the
  page is rendered on the server with the figures of ``GET /api/v1/campus/dashboard/``
  (the same selector and serializer), written as text and as JSON data
  (``json_script``) that the external script ``campus/dashboard.js`` draws as charts
  with the vendored Chart.js (no CDN, no inline script). The API's rule decides who sees
  it (``campus.analytics.view``): another organisation is 404, a member below manager
  403.
* Without a session (an organiser's manager: accounts sign in through the app API, like
  SmartQueue's console): the page is a shell with a sign-in form; the script signs in
  (allauth's app API, JWT kept in ``sessionStorage``), reads the same figures from the
  API and draws them the same way.

``?period=day|week|month``, ``?from=``/``?to=`` as in the API.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from teranga.core.errors import Forbidden, NotFound
from teranga.core.pages import in_page_language, page_context
from teranga.platform.organizations.access import get_organization_for

from .api.analytics_serializers import CampusDashboardQuerySerializer, CampusDashboardSerializer
from .api.analytics_views import DASHBOARD_AHEAD_DAYS, date_range
from .selectors.analytics import ANALYTICS_VIEW, DashboardQuery, dashboard


def dashboard_strings() -> dict[str, str]:
    """What the page's script writes (chart labels), in the page's language."""
    return {
        "revenue": _("Revenue (net)"),
        "tickets": _("Tickets sold"),
        "views": _("Views"),
        "no_data": _("No data for this period."),
        "no_event": _("No event in this range."),
        "bad_credentials": _("Wrong email or password."),
        "session_expired": _("Session expired: sign in again."),
        "error": _("Error"),
    }


def _periods() -> list[tuple[str, str]]:
    return [("day", _("By day")), ("week", _("By week")), ("month", _("By month"))]


@require_GET
@in_page_language
def dashboard_page(request, organization_id):
    user = request.user
    if not user.is_authenticated:
        return _shell(request, organization_id)
    try:
        organization = get_organization_for(user, organization_id, ANALYTICS_VIEW)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    params = {
        key: request.GET[key] for key in ("from", "to", "period", "top_by") if request.GET.get(key)
    }
    query = CampusDashboardQuerySerializer(data={"organization": str(organization.pk), **params})
    if not query.is_valid():
        return HttpResponseBadRequest(_("Some fields are invalid."))
    data = query.validated_data
    today = timezone.localtime(timezone.now(), ZoneInfo(organization.time_zone)).date()
    date_from, date_to = date_range(data, today=today, ahead=DASHBOARD_AHEAD_DAYS)
    figures = dashboard(
        organization=organization,
        query=DashboardQuery(
            date_from=date_from,
            date_to=date_to,
            period=data["period"],
            top_by=data["top_by"],
            top=data["top"],
        ),
    )
    payload = CampusDashboardSerializer(figures).data
    response = render(
        request,
        "campus/dashboard.html",
        page_context(
            title=_("Dashboard"),
            organization=organization,
            organization_id=organization.pk,
            figures=payload,
            chart_data={"figures": payload, "strings": dashboard_strings()},
            periods=_periods(),
            period=data["period"],
            date_from=date_from,
            date_to=date_to,
        ),
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _shell(request, organization_id):
    """The page without figures: the script signs in and reads them from the API."""
    response = render(
        request,
        "campus/dashboard.html",
        page_context(
            title=_("Dashboard"),
            organization=None,
            organization_id=organization_id,
            figures=None,
            chart_data={"figures": None, "strings": dashboard_strings()},
            periods=_periods(),
            period=request.GET.get("period") or "day",
            date_from=None,
            date_to=None,
        ),
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path(
        "dashboard/<str:organization_id>/",
        dashboard_page,
        name="campus-dashboard-page",
    ),
]
