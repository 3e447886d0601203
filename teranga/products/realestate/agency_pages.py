"""The agency's staff pages, mounted at ``/realestate/`` with the product's other pages
(``pages.py``), drawn with the vendored Chart.js and the page scripts of
``static/realestate/`` (no CDN, no inline script):

* ``agencies/<id>/performance/``: the agents' performance dashboard (leads, visits,
  deals, commissions per agent, the agency's totals, charts per agent and per week) for a
  period (``?period=month|quarter|year|custom``, ``?from=``/``?to=``), the figures of
  ``GET /api/v1/realestate/organizations/{id}/performance/`` (the same selector and
  serializer).

  - With a signed-in Django session (platform staff signed in at ``/admin/login/``) the
    page is rendered on the server with the figures, also written as JSON
    (``json_script``) for ``realestate/performance.js`` to draw. The API's rule decides:
    another agency is 404, a member below agent 403, an agent sees their own row.
  - Without one (the agency's people sign in through the app API), the page is a shell
    with the sign-in form (``core/app_sign_in.html``); the script signs in
    (``core/app-session.js``) and reads the same figures from the API.

* ``agencies/<id>/settings/``: the agency's settings and branding, edited through the
  API with the reader's JWT (``realestate/settings.js``): the agency's card and logo
  (``/api/v1/organizations/{id}/``, ``…/logo/``), its colours (``…/branding/``, shown on
  its listing pages), the matching weights, the CRM
  automation and the deposit and commission rules. The API decides who may change what
  (the agency's admins and owners; its agents read the transaction rules) and says it on
  the page. No cookie is used for the writes, so no CSRF token is needed: the JWT is
  sent explicitly.

Tested in Chromium by ``tests/test_agency_pages_browser.py``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from rest_framework.exceptions import ValidationError

from teranga.core.errors import ApplicationError, Forbidden, NotFound
from teranga.core.pages import LANGUAGE_NAMES, in_page_language, page_context

from .api.performance import (
    RealEstatePerformanceQuerySerializer,
    performance_data,
    performance_range,
)
from .models import ShareKind
from .selectors.performance import performance_agency, performance_for


def performance_strings() -> dict[str, str]:
    """What the dashboard's script writes (chart legends, messages), in the page's
    language."""
    return {
        "leads_assigned": _("Leads assigned"),
        "leads_won": _("Leads won"),
        "visits_done": _("Visits done"),
        "deals": _("Deals"),
        "commission": _("Commission earned"),
        "no_data": _("No data for this period."),
        "bad_credentials": _("Wrong email or password."),
        "session_expired": _("Session expired: sign in again."),
        "error": _("Error"),
    }


def _periods() -> list[tuple[str, str]]:
    return [
        ("month", _("This month")),
        ("quarter", _("This quarter")),
        ("year", _("This year")),
        ("custom", _("From … to …")),
    ]


def _query(request) -> dict:
    return {key: request.GET[key] for key in ("period", "from", "to") if request.GET.get(key)}


def _performance_render(request, organization_id, organization, figures, period):
    response = render(
        request,
        "realestate/agency_performance.html",
        page_context(
            title=_("Agent performance"),
            organization=organization,
            organization_id=organization_id,
            figures=figures,
            chart_data={"figures": figures, "strings": performance_strings()},
            periods=_periods(),
            period=period,
            query=_query(request),
            lang=request.GET.get("lang", "") if request.GET.get("lang") in LANGUAGE_NAMES else "",
            settings_url=f"/realestate/agencies/{organization_id}/settings/",
        ),
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@in_page_language
def performance_page(request, organization_id):
    query_serializer = RealEstatePerformanceQuerySerializer(data=_query(request))
    if not query_serializer.is_valid():
        return HttpResponseBadRequest(_("Some fields are invalid."))
    query = query_serializer.validated_data
    if not request.user.is_authenticated:
        return _performance_render(request, organization_id, None, None, query["period"])
    try:
        organization = performance_agency(user=request.user, organization_id=organization_id)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ApplicationError:  # not an agency
        raise Http404 from None
    try:
        date_from, date_to = performance_range(query, organization)
    except ValidationError:
        return HttpResponseBadRequest(_("Some fields are invalid."))
    performance = performance_for(
        user=request.user, organization=organization, date_from=date_from, date_to=date_to
    )
    figures = performance_data(performance, team=organization.sees_team)
    return _performance_render(request, organization.pk, organization, figures, query["period"])


def settings_strings() -> dict[str, str]:
    """What the settings page's script writes, in the page's language."""
    return {
        "saved": _("Saved."),
        "logo_removed": _("Logo removed."),
        "bad_credentials": _("Wrong email or password."),
        "session_expired": _("Session expired: sign in again."),
        "error": _("Error"),
        "read_only": _("Only the agency's administrators change these settings."),
    }


@require_GET
@in_page_language
def settings_page(request, organization_id):
    """The shell of the settings page: the script signs in and reads and writes every
    setting through the API (which checks the agency and the role)."""
    response = render(
        request,
        "realestate/agency_settings.html",
        page_context(
            title=_("Agency settings"),
            organization_id=organization_id,
            chart_data={"strings": settings_strings()},
            share_kinds=ShareKind.choices,
            performance_url=f"/realestate/agencies/{organization_id}/performance/",
        ),
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path(
        "agencies/<uuid:organization_id>/performance/",
        performance_page,
        name="realestate-agency-performance-page",
    ),
    path(
        "agencies/<uuid:organization_id>/settings/",
        settings_page,
        name="realestate-agency-settings-page",
    ),
]
