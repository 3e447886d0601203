from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("calendar/", views.AgendaView.as_view(), name="calendar-agenda"),
    path("calendar/entries/", views.CalendarEntriesView.as_view(), name="calendar-entries"),
    path("calendar/feeds/", views.CalendarFeedListCreateView.as_view(), name="calendar-feeds"),
    path(
        "calendar/feeds/<uuid:feed_id>/",
        views.CalendarFeedDetailView.as_view(),
        name="calendar-feed-detail",
    ),
    path(
        "calendar/bookings/<uuid:booking_id>.ics",
        views.BookingIcsView.as_view(),
        name="calendar-booking-ics",
    ),
]
