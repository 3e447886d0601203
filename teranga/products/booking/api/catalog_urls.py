"""Catalogue routes of the Booking product, under ``/api/v1/booking/``."""

from django.urls import path

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
    path("resources/", views.ResourceListCreateView.as_view(), name="resource-list"),
    path(
        "resources/<uuid:resource_id>/",
        views.ResourceDetailView.as_view(),
        name="resource-detail",
    ),
    path(
        "availability-rules/",
        views.AvailabilityRuleListCreateView.as_view(),
        name="availability-rule-list",
    ),
    path(
        "availability-rules/bulk/",
        views.AvailabilityRuleBulkView.as_view(),
        name="availability-rule-bulk",
    ),
    path(
        "availability-rules/generate/",
        views.AvailabilityRuleGenerateView.as_view(),
        name="availability-rule-generate",
    ),
    path(
        "availability-rules/<uuid:rule_id>/",
        views.AvailabilityRuleDetailView.as_view(),
        name="availability-rule-detail",
    ),
    path(
        "availability-overrides/",
        views.AvailabilityOverrideListCreateView.as_view(),
        name="availability-override-list",
    ),
    path(
        "availability-overrides/<uuid:override_id>/",
        views.AvailabilityOverrideDetailView.as_view(),
        name="availability-override-detail",
    ),
]
