"""``/api/v1/smartqueue/…`` — one module per area."""

from django.urls import include, path

urlpatterns = [
    path("", include("teranga.products.smartqueue.api.catalog_urls")),
    path("", include("teranga.products.smartqueue.api.ticket_urls")),
    path("", include("teranga.products.smartqueue.api.counter_urls")),
    path("", include("teranga.products.smartqueue.api.kiosk_urls")),
    path("", include("teranga.products.smartqueue.api.appointment_urls")),
    path("", include("teranga.products.smartqueue.api.travel_urls")),
    path("", include("teranga.products.smartqueue.api.stats_urls")),
    path("", include("teranga.products.smartqueue.api.forecast_urls")),
]
