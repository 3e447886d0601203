from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/<uuid:case_id>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<uuid:case_id>/approve/", views.CaseApproveView.as_view(), name="case-approve"),
    path("cases/<uuid:case_id>/remove/", views.CaseRemoveView.as_view(), name="case-remove"),
    path("log/", views.LogListView.as_view(), name="log-list"),
]
