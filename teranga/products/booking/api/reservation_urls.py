"""Reservation, statistics and export routes of the Booking product (under
``/api/v1/booking/``)."""

from django.urls import path

from . import reservation_views as views

urlpatterns = [
    path(
        "reservations/",
        views.ReservationListCreateView.as_view(),
        name="reservation-list",
    ),
    path(
        "reservations/export/",
        views.ReservationExportView.as_view(),
        name="reservation-export",
    ),
    path(
        "reservations/<uuid:reservation_id>/",
        views.ReservationDetailView.as_view(),
        name="reservation-detail",
    ),
    path(
        "reservations/<uuid:reservation_id>/cancel/",
        views.ReservationCancelView.as_view(),
        name="reservation-cancel",
    ),
    path(
        "reservations/<uuid:reservation_id>/confirm/",
        views.ReservationConfirmView.as_view(),
        name="reservation-confirm",
    ),
    path(
        "reservations/<uuid:reservation_id>/reschedule/",
        views.ReservationRescheduleView.as_view(),
        name="reservation-reschedule",
    ),
    path(
        "reservations/<uuid:reservation_id>/complete/",
        views.ReservationCompleteView.as_view(),
        name="reservation-complete",
    ),
    path(
        "reservations/<uuid:reservation_id>/no-show/",
        views.ReservationNoShowView.as_view(),
        name="reservation-no-show",
    ),
    path("stats/", views.StatsView.as_view(), name="stats"),
]
