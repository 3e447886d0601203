"""Plan and subscription routes, mounted under ``/api/v1/``."""

from django.urls import path

from . import subscription_views as views

urlpatterns = [
    path("plans/", views.PlanListView.as_view(), name="plan-list"),
    path(
        "organizations/<uuid:organization_id>/subscription/",
        views.SubscriptionView.as_view(),
        name="organization-subscription",
    ),
]
