"""Kiosk routes (API-key authentication), under ``/api/v1/smartqueue/kiosk/``."""

from django.urls import path

from . import kiosk_views as views

urlpatterns = [
    path("kiosk/queues/", views.KioskQueueListView.as_view(), name="sq-kiosk-queues"),
    path("kiosk/tickets/", views.KioskTicketCreateView.as_view(), name="sq-kiosk-tickets"),
    path(
        "kiosk/tickets/<uuid:ticket_id>/print/",
        views.KioskTicketPrintView.as_view(),
        name="sq-kiosk-ticket-print",
    ),
]
