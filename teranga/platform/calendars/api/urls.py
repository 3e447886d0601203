from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("calendar/providers/", views.ProviderListView.as_view(), name="providers"),
    path("calendar/connections/", views.ConnectionListCreateView.as_view(), name="connections"),
    path(
        "calendar/connections/<uuid:connection_id>/",
        views.ConnectionDetailView.as_view(),
        name="connection-detail",
    ),
    path(
        "calendar/connections/<uuid:connection_id>/refresh/",
        views.ConnectionRefreshView.as_view(),
        name="connection-refresh",
    ),
    path(
        "calendar/connections/<uuid:connection_id>/calendars/<uuid:calendar_id>/",
        views.CalendarChoiceView.as_view(),
        name="calendar-choice",
    ),
    path("calendar/webhooks/<str:provider>/", views.WebhookView.as_view(), name="webhook"),
]
