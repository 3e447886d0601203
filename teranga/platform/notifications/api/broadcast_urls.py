"""Broadcast routes, included under ``/api/v1/`` with an empty prefix."""

from django.urls import path

from . import broadcast_views as views

urlpatterns = [
    path(
        "organizations/<uuid:organization_id>/broadcasts/",
        views.BroadcastListCreateView.as_view(),
        name="organization-broadcast-list",
    ),
    path(
        "organizations/<uuid:organization_id>/broadcasts/segments/",
        views.BroadcastSegmentListView.as_view(),
        name="organization-broadcast-segments",
    ),
]
