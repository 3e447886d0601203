from django.urls import path

from . import device_views as views

app_name = "devices"

urlpatterns = [
    path("", views.DeviceListView.as_view(), name="device-list"),
    path("<uuid:device_id>/", views.DeviceDetailView.as_view(), name="device-detail"),
]
