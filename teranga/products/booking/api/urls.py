from django.urls import include, path

app_name = "booking"

urlpatterns = [
    path("", include("teranga.products.booking.api.catalog_urls")),
    path("", include("teranga.products.booking.api.reservation_urls")),
    path("", include("teranga.products.booking.api.public_page_urls")),
]
