"""``/api/v1/campus/``: one module of routes per part."""

from django.urls import include, path

urlpatterns = [
    path("", include("teranga.products.campus.api.event_urls")),
    path("", include("teranga.products.campus.api.ticket_urls")),
    path("", include("teranga.products.campus.api.checkin_urls")),
    path("", include("teranga.products.campus.api.waitlist_urls")),
    path("", include("teranga.products.campus.api.analytics_urls")),
    path("", include("teranga.products.campus.api.community_urls")),
    path("", include("teranga.products.campus.api.group_urls")),
    path("", include("teranga.products.campus.api.invitation_urls")),
    path("", include("teranga.products.campus.api.calendar_urls")),
]
