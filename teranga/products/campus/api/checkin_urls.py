"""Routes of the campus API (check-in): lists, validate, scanner devices and what a
device does (sync, upload)."""

from django.urls import path

from . import checkin_views as views

urlpatterns = [
    path(
        "events/<uuid:event_id>/checkin-lists/",
        views.EventCheckinListsView.as_view(),
        name="campus-checkin-lists",
    ),
    path(
        "checkin-lists/<uuid:list_id>/",
        views.CheckinListDetailView.as_view(),
        name="campus-checkin-list",
    ),
    path("tickets/validate/", views.TicketValidateView.as_view(), name="campus-ticket-validate"),
    path(
        "organizations/<uuid:organization_id>/scanners/",
        views.ScannerListCreateView.as_view(),
        name="campus-scanners",
    ),
    path(
        "organizations/<uuid:organization_id>/scanners/<uuid:scanner_id>/",
        views.ScannerDetailView.as_view(),
        name="campus-scanner",
    ),
    path("scanner/events/", views.ScannerEventsView.as_view(), name="campus-scanner-events"),
    path("scanner/sync/", views.ScannerSyncView.as_view(), name="campus-scanner-sync"),
    path("scanner/scans/", views.ScannerScansView.as_view(), name="campus-scanner-scans"),
]
