"""Reads of calendar sync: a user's connections (only ever their own), and the busy
times that block a resource's slots."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from teranga.core.errors import NotFound

from .errors import CalendarError
from .models import BusyInterval, CalendarConnection, ExternalCalendar


def connections_of(*, user) -> QuerySet[CalendarConnection]:
    """``user``'s connections, newest first, with their calendars (two queries)."""
    return (
        CalendarConnection.objects.filter(user=user)
        .prefetch_related(
            Prefetch("calendars", queryset=ExternalCalendar.objects.order_by("-is_primary", "name"))
        )
        .order_by("-created_at")
    )


def connection_of(*, user, connection_id) -> CalendarConnection:
    """One of ``user``'s connections; anyone else's (or none) is 404."""
    connection = connections_of(user=user).filter(pk=connection_id).first()
    if connection is None:
        raise NotFound(code=CalendarError.CALENDAR_CONNECTION_NOT_FOUND)
    return connection


def busy_of_resource(resource, range_from: datetime, range_to: datetime):
    """The scheduling engine's busy source (``scheduling.hooks.busy_sources``): the busy
    times of the staff member who is ``resource``, read from their calendars (one query;
    none for a resource that is no one)."""
    if resource.user_id is None:
        return []
    return list(
        BusyInterval.objects.filter(
            user_id=resource.user_id, starts_at__lt=range_to, ends_at__gt=range_from
        )
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
    )
