"""Routes of the campus API (analytics)."""

from django.urls import path

from . import analytics_views as views

urlpatterns = [
    path(
        "events/<str:event_id>/analytics/",
        views.EventAnalyticsView.as_view(),
        name="campus-event-analytics",
    ),
    path("dashboard/", views.DashboardView.as_view(), name="campus-dashboard"),
]
