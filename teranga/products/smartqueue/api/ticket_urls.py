"""Ticket routes (under ``/api/v1/smartqueue/``)."""

from django.urls import path

from . import ticket_views as views

urlpatterns = [
    path(
        "queues/<uuid:queue_id>/tickets/",
        views.TicketTakeView.as_view(),
        name="smartqueue-ticket-take",
    ),
    path("tickets/", views.TicketListView.as_view(), name="smartqueue-ticket-list"),
    path(
        "tickets/lookup/",
        views.TicketLookupView.as_view(),
        name="smartqueue-ticket-lookup",
    ),
    path(
        "tickets/<uuid:ticket_id>/",
        views.TicketDetailView.as_view(),
        name="smartqueue-ticket-detail",
    ),
    path(
        "tickets/<uuid:ticket_id>/cancel/",
        views.TicketCancelView.as_view(),
        name="smartqueue-ticket-cancel",
    ),
    path(
        "tickets/<uuid:ticket_id>/rate/",
        views.TicketRateView.as_view(),
        name="smartqueue-ticket-rate",
    ),
]
