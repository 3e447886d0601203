from django.urls import path

from .views import RegionDetailView, RegionListView

app_name = "geo"

urlpatterns = [
    path("regions/", RegionListView.as_view(), name="region-list"),
    path("regions/<str:code>/", RegionDetailView.as_view(), name="region-detail"),
]
