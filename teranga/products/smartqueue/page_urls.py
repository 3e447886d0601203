"""Web pages: ``/smartqueue/console/`` (agents) and ``/smartqueue/display/<branch>/`` (TV)."""

urlpatterns: list = []
