"""The analytics dashboard page, mounted at ``/analytics/``."""

from django.urls import path

from . import pages

urlpatterns = [
    path("<uuid:site_id>/", pages.dashboard_page, name="analytics-dashboard"),
    path("<uuid:site_id>/export.csv", pages.dashboard_export, name="analytics-dashboard-export"),
]
