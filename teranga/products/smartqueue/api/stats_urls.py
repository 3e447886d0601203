"""``/api/v1/smartqueue/stats/…``: queue analytics."""

from django.urls import path

from . import stats_views as views

urlpatterns = [
    path("stats/", views.StatsView.as_view(), name="smartqueue-stats"),
    path("stats/export.csv", views.StatsExportView.as_view(), name="smartqueue-stats-export"),
]
