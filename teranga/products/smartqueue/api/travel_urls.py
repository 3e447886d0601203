"""``/api/v1/smartqueue/`` travel routes: the travel-time model, nearby, location."""

from django.urls import path

from . import travel_views as views

urlpatterns = [
    path("travel-model/", views.TravelModelView.as_view(), name="smartqueue-travel-model"),
    path("nearby/", views.NearbyView.as_view(), name="smartqueue-nearby"),
    path("location/", views.LocationView.as_view(), name="smartqueue-location"),
]
