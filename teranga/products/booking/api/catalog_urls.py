"""Catalogue routes of the Booking product, under ``/api/v1/booking/``."""

from django.urls import path

from . import availability_views
from . import catalog_views as views

SERVICE = "services/<uuid:service_id>"

urlpatterns = [
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path("services/", views.ServiceListCreateView.as_view(), name="service-list"),
    path(f"{SERVICE}/", views.ServiceDetailView.as_view(), name="service-detail"),
    path(f"{SERVICE}/images/", views.ServiceImageCreateView.as_view(), name="service-image-list"),
    path(
        f"{SERVICE}/images/<uuid:image_id>/",
        views.ServiceImageDetailView.as_view(),
        name="service-image-detail",
    ),
    path(f"{SERVICE}/slots/", views.ServiceSlotsView.as_view(), name="service-slots"),
    path(
        "organizations/<uuid:organization_id>/services/",
        views.OrganizationServiceListView.as_view(),
        name="organization-service-list",
    ),
    path("resources/", availability_views.ResourceListCreateView.as_view(), name="resource-list"),
    path(
        "resources/<uuid:resource_id>/",
        availability_views.ResourceDetailView.as_view(),
        name="resource-detail",
    ),
    path(
        "availability-rules/",
        availability_views.AvailabilityRuleListCreateView.as_view(),
        name="availability-rule-list",
    ),
    path(
        "availability-rules/bulk/",
        availability_views.AvailabilityRuleBulkView.as_view(),
        name="availability-rule-bulk",
    ),
    path(
        "availability-rules/generate/",
        availability_views.AvailabilityRuleGenerateView.as_view(),
        name="availability-rule-generate",
    ),
    path(
        "availability-rules/<uuid:rule_id>/",
        availability_views.AvailabilityRuleDetailView.as_view(),
        name="availability-rule-detail",
    ),
    path(
        "availability-overrides/",
        availability_views.AvailabilityOverrideListCreateView.as_view(),
        name="availability-override-list",
    ),
    path(
        "availability-overrides/<uuid:override_id>/",
        availability_views.AvailabilityOverrideDetailView.as_view(),
        name="availability-override-detail",
    ),
]
