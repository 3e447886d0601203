"""``/api/v1/smartqueue/forecast/…`` and ``…/staffing/…``: forecasts and staffing advice."""

from django.urls import path

from . import forecast_views as views

urlpatterns = [
    path("forecast/", views.ForecastView.as_view(), name="smartqueue-forecast"),
    path(
        "forecast/recompute/",
        views.ForecastRecomputeView.as_view(),
        name="smartqueue-forecast-recompute",
    ),
    path("staffing/", views.StaffingView.as_view(), name="smartqueue-staffing"),
    path("staffing/target/", views.StaffingTargetView.as_view(), name="smartqueue-staffing-target"),
]
