from django.urls import path

from teranga.platform.accounts.api import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("me/avatar/", views.MeAvatarView.as_view(), name="me-avatar"),
    path("me/client/", views.MeClientProfileView.as_view(), name="me-client"),
    path("me/export/", views.MeExportView.as_view(), name="me-export"),
]
