"""Catalogue routes of SmartQueue, under ``/api/v1/smartqueue/``."""

from django.urls import path

from . import catalog_views as views

urlpatterns = [
    path("services/", views.ServiceListCreateView.as_view(), name="sq-service-list"),
    path(
        "services/<uuid:service_id>/",
        views.ServiceDetailView.as_view(),
        name="sq-service-detail",
    ),
    path(
        "services/<uuid:service_id>/hours/",
        views.ServiceHoursView.as_view(),
        name="sq-service-hours",
    ),
    path("queues/", views.QueueListCreateView.as_view(), name="sq-queue-list"),
    path("queues/<uuid:queue_id>/", views.QueueDetailView.as_view(), name="sq-queue-detail"),
    path("queues/<uuid:queue_id>/open/", views.QueueOpenView.as_view(), name="sq-queue-open"),
    path("queues/<uuid:queue_id>/close/", views.QueueCloseView.as_view(), name="sq-queue-close"),
    path("counters/", views.CounterListCreateView.as_view(), name="sq-counter-list"),
    path("counters/mine/", views.MySessionView.as_view(), name="sq-counter-mine"),
    path(
        "counters/<uuid:counter_id>/",
        views.CounterDetailView.as_view(),
        name="sq-counter-detail",
    ),
    path(
        "counters/<uuid:counter_id>/session/",
        views.CounterSessionView.as_view(),
        name="sq-counter-session",
    ),
    path("kiosks/", views.KioskListCreateView.as_view(), name="sq-kiosk-list"),
    path("kiosks/<uuid:kiosk_id>/", views.KioskDetailView.as_view(), name="sq-kiosk-detail"),
]
