"""The calendar feed, outside the API: ``/calendar/<token>.ics`` is an address we hand
to calendar apps (Google Calendar, Outlook, Apple), built by ``teranga.core.links``."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{1,200})\.ics$",
        views.CalendarFeedIcsView.as_view(),
        name="calendar-feed-ics",
    ),
]
