from django.urls import path

from . import views

urlpatterns = [
    path("audit/", views.OrganizationAuditView.as_view(), name="audit-list"),
    path("me/audit/", views.MyAuditView.as_view(), name="me-audit-list"),
]
