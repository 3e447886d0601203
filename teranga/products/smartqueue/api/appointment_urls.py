"""Appointment routes of SmartQueue (under ``/api/v1/smartqueue/``)."""

from django.urls import path

from . import appointment_views as views

urlpatterns = [
    path(
        "appointments/",
        views.AppointmentListCreateView.as_view(),
        name="smartqueue-appointment-list",
    ),
    path(
        "appointments/available-slots/",
        views.AvailableSlotsView.as_view(),
        name="smartqueue-appointment-slots",
    ),
    path(
        "appointments/<uuid:appointment_id>/",
        views.AppointmentDetailView.as_view(),
        name="smartqueue-appointment-detail",
    ),
    path(
        "appointments/<uuid:appointment_id>/cancel/",
        views.AppointmentCancelView.as_view(),
        name="smartqueue-appointment-cancel",
    ),
    path(
        "appointments/<uuid:appointment_id>/check-in/",
        views.AppointmentCheckInView.as_view(),
        name="smartqueue-appointment-check-in",
    ),
]
