"""The page the calendar providers send people back to after consent (outside the API:
a browser opens it), ``/calendar/connect/<provider>/callback/``."""

from django.urls import path

from . import pages

urlpatterns = [
    path(
        "calendar/connect/<str:provider>/callback/",
        pages.connect_callback,
        name="calendar-connect-callback",
    ),
]
