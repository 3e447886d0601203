"""The public booking page's API routes, under ``/api/v1/booking/``."""

from django.urls import path

from . import public_page_views as views

PAGE = "organizations/<uuid:organization_id>/public-page"

urlpatterns = [
    path(f"{PAGE}/", views.PublicPageView.as_view(), name="public-page"),
    path(f"{PAGE}/hosts/", views.PublicPageHostListView.as_view(), name="public-page-host-list"),
    path(
        f"{PAGE}/hosts/<uuid:host_id>/",
        views.PublicPageHostDetailView.as_view(),
        name="public-page-host-detail",
    ),
]
