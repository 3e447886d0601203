from django.urls import path, re_path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("calendar/", views.AgendaView.as_view(), name="calendar-agenda"),
    path("calendar/feeds/", views.CalendarFeedListCreateView.as_view(), name="calendar-feeds"),
    path(
        "calendar/feeds/<uuid:feed_id>/",
        views.CalendarFeedDetailView.as_view(),
        name="calendar-feed-detail",
    ),
    re_path(
        r"^calendar/feed/(?P<token>[A-Za-z0-9_-]{1,200})\.ics$",
        views.CalendarFeedIcsView.as_view(),
        name="calendar-feed-ics",
    ),
    path(
        "calendar/bookings/<uuid:booking_id>.ics",
        views.BookingIcsView.as_view(),
        name="calendar-booking-ics",
    ),
]
