"""The academy's dashboard page ``/academy/dashboard/<organization_id>/``: enrolments,
attendance and revenue per formation, as a table and charts (the vendored Chart.js, no
CDN, no inline script).

* With a signed-in Django session (platform staff signed in at ``/admin/login/``): the
  figures of ``GET /api/v1/academy/organizations/{id}/dashboard/`` (the same selector and
  serializer) are rendered on the server, and given to ``academy/dashboard.js`` as JSON
  (``json_script``) to draw. The API's rule decides who sees it
  (``academy.dashboard.view``): another organisation is 404, a member below manager 403.
* Without a session (the academy's managers sign in through the app API): the page is a
  shell with the sign-in form (``core/app_sign_in.html``); the script signs in
  (``core/app-session.js``), reads the same figures (and the academy's name, from its
  organisation card) from the API and draws them; "Sign out" forgets the tokens.

Before the script runs, the table is written by the server with the revenue as money
people read (the figures carry minor units). Tested in Chromium by
``tests/test_dashboard_browser.py``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from teranga.core.errors import Forbidden, NotFound
from teranga.core.money import Money
from teranga.core.pages import in_page_language, page_context

from .api.serializers import DashboardSerializer
from .selectors import DASHBOARD_VIEW, dashboard, organization_for


def dashboard_strings() -> dict[str, str]:
    """What the page's script writes (chart labels), in the page's language."""
    return {
        "enrolments": _("Active enrolments"),
        "attendance": _("Attendance rate (%)"),
        "revenue": _("Revenue"),
        "bad_credentials": _("Wrong email or password."),
        "session_expired": _("Session expired: sign in again."),
        "error": _("Error"),
    }


def _rows(figures) -> list[dict]:
    """The table's rows as the page writes them before its script runs: the revenue as
    an amount people read (the figures carry minor units)."""
    return [
        {**row, "revenue_display": Money(row["revenue"], row["currency"]).format()}
        for row in (figures or {}).get("formations", [])
    ]


def _render(request, organization_id, organization, figures):
    response = render(
        request,
        "academy/dashboard.html",
        page_context(
            title=_("Academy dashboard"),
            organization=organization,
            organization_id=organization_id,
            figures=figures,
            rows=_rows(figures),
            chart_data={"figures": figures, "strings": dashboard_strings()},
        ),
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@in_page_language
def dashboard_page(request, organization_id):
    if not request.user.is_authenticated:
        return _render(request, organization_id, None, None)
    try:
        organization = organization_for(
            user=request.user, organization_id=organization_id, action=DASHBOARD_VIEW
        )
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    figures = DashboardSerializer({"formations": dashboard(organization=organization)}).data
    return _render(request, organization.pk, organization, figures)


urlpatterns = [
    path("dashboard/<str:organization_id>/", dashboard_page, name="academy-dashboard-page")
]
