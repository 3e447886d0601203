"""Web pages: ``/smartqueue/console/`` (agents), ``/smartqueue/display/<branch>/`` (TV) and
``/smartqueue/kpi/<organisation>/`` (managers: KPIs, forecast, staffing)."""

from django.urls import path

from . import kpi_pages, pages

urlpatterns = [
    path("console/", pages.console, name="smartqueue-console"),
    path("display/<uuid:branch_id>/", pages.display, name="smartqueue-display"),
    path("kpi/<str:organization_id>/", kpi_pages.kpi_page, name="smartqueue-kpi"),
]
