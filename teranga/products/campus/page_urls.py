"""``/campus/``: the product's web pages (scanner, organiser dashboard, ticket page)."""

from django.urls import include, path

urlpatterns = [
    path("", include("teranga.products.campus.ticket_pages")),
    path("", include("teranga.products.campus.checkin_pages")),
    path("", include("teranga.products.campus.analytics_pages")),
    path("", include("teranga.products.campus.share_pages")),
]
