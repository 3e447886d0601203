"""The analytics dashboard ``/analytics/<site_id>/`` (managers and above, and staff):
four tabs (overview, traffic, behaviour, conversions), eight cards with their growth, a
period selector and charts drawn by the vendored Chart.js.

* With a signed-in Django session (a manager, or platform staff signed in at
  ``/admin/login/``): the report of ``GET /api/v1/analytics/sites/{id}/report/`` (the
  same selector and serializer) is written into the page as JSON (``json_script``) that
  the external script ``analytics/dashboard.js`` draws (no CDN, no inline script). Who
  may see it is the API's rule (``analytics.view``): another organisation's site is 404,
  a member below manager 403.
* Without a session: a shell with a sign-in form; the script signs in (allauth's app API,
  JWT in ``sessionStorage``), reads the same endpoint and draws the same.

``?period=`` chooses the period (``today``, ``7d``, ``30d`` by default, ``90d``, ``12mo``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from teranga.core.errors import Forbidden, NotFound
from teranga.core.pages import in_page_language, page_context

from .api.serializers import ReportSerializer
from .exports import report_export
from .selectors import PERIODS, site_for, site_report


def dashboard_strings() -> dict[str, str]:
    """What the page's script writes (chart labels, messages), in the page's language."""
    return {
        "visitors": _("Visitors"),
        "pageviews": _("Page views"),
        "visits": _("Visits"),
        "no_data": _("No data for this period."),
        "bad_credentials": _("Wrong email or password."),
        "session_expired": _("Session expired: sign in again."),
        "error": _("Error"),
        "direct": _("Direct / none"),
        "seconds": _("s"),
        "desktop": _("Desktop"),
        "mobile": _("Mobile"),
        "tablet": _("Tablet"),
        "other": _("Other device"),
    }


def period_choices() -> list[tuple[str, str]]:
    return [
        ("today", _("Today")),
        ("7d", _("Last 7 days")),
        ("30d", _("Last 30 days")),
        ("90d", _("Last 90 days")),
        ("12mo", _("Last 12 months")),
    ]


@require_GET
@in_page_language
def dashboard_page(request, site_id):
    period = request.GET.get("period") or "30d"
    if period not in PERIODS:
        return HttpResponseBadRequest(_("Some fields are invalid."))
    user = request.user
    if not user.is_authenticated:
        return _render(request, site_id, None, None, period)
    try:
        site = site_for(user, site_id)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    report = ReportSerializer(site_report(site=site, period=period)).data
    return _render(request, site.pk, site, report, period)


@require_GET
def dashboard_export(request, site_id):
    """The CSV export for a session (the API's export takes a token): same rule, same
    file, audited the same."""
    period = request.GET.get("period") or "30d"
    if period not in PERIODS:
        return HttpResponseBadRequest(_("Some fields are invalid."))
    if not request.user.is_authenticated:
        raise Http404
    try:
        site = site_for(request.user, site_id)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    export = report_export(site=site, period=period)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _render(request, site_id, site, report, period):
    response = render(
        request,
        "analytics/dashboard.html",
        page_context(
            title=_("Web analytics"),
            site=site,
            site_id=site_id,
            report=report,
            period=period,
            periods=period_choices(),
            chart_data={"report": report, "strings": dashboard_strings()},
        ),
    )
    response["Cache-Control"] = "private, no-store"
    return response
