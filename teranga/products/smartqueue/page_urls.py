"""Web pages: ``/smartqueue/console/`` (agents) and ``/smartqueue/display/<branch>/`` (TV)."""

from django.urls import path

from . import pages

urlpatterns = [
    path("console/", pages.console, name="smartqueue-console"),
    path("display/<uuid:branch_id>/", pages.display, name="smartqueue-display"),
]
