"""``/academy/``: the product's web pages (the check-in page, the academy's dashboard)."""

from django.urls import include, path

urlpatterns = [
    path("", include("teranga.products.academy.checkin_pages")),
    path("", include("teranga.products.academy.dashboard_pages")),
]
