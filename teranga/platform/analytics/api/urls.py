"""Analytics endpoints, mounted at ``/api/v1/analytics/``."""

from django.urls import path

from . import views

urlpatterns = [
    path("collect/", views.CollectView.as_view(), name="analytics-collect"),
    path("sites/", views.SiteListCreateView.as_view(), name="analytics-sites"),
    path("sites/<uuid:site_id>/", views.SiteDetailView.as_view(), name="analytics-site"),
    path("sites/<uuid:site_id>/report/", views.ReportView.as_view(), name="analytics-report"),
    path(
        "sites/<uuid:site_id>/export/",
        views.ReportExportView.as_view(),
        name="analytics-export",
    ),
    path("sites/<uuid:site_id>/goals/", views.GoalListCreateView.as_view(), name="analytics-goals"),
    path(
        "sites/<uuid:site_id>/goals/<uuid:goal_id>/",
        views.GoalDetailView.as_view(),
        name="analytics-goal",
    ),
    path(
        "sites/<uuid:site_id>/funnels/",
        views.FunnelListCreateView.as_view(),
        name="analytics-funnels",
    ),
    path(
        "sites/<uuid:site_id>/funnels/<uuid:funnel_id>/",
        views.FunnelDetailView.as_view(),
        name="analytics-funnel",
    ),
    path("me/demographics/", views.DemographicsView.as_view(), name="analytics-demographics"),
]
