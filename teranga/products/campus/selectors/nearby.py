"""``events/nearby/``: the visible, upcoming events within a radius, nearest first.

Never a scan of every event: the candidates come from a range filter on the
``(latitude, longitude)`` index (``campus_event_geo_idx``) over the circle's bounding
box (``geo.distance.bounding_box``), reading a few columns. Those not published, over,
or outside the circle (exact great-circle distance, ``haversine_km``) are dropped in
Python; for a signed-in reader the visibility rule (``selectors.access``) then checks
the remaining ids by primary key. Only the events of the requested page are read in
full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from teranga.platform.geo.distance import haversine_km
from teranga.platform.geo.selectors import radius_box_q

from ..models import Event, EventStatus, EventVisibility
from .access import visibility_q
from .events import with_rows

DEFAULT_RADIUS_KM = 10.0
MAX_RADIUS_KM = 50.0


def box_q(latitude: float, longitude: float, radius_km: float) -> Q:
    """The bounding box of the circle as a filter on the indexed columns."""
    return radius_box_q(latitude, longitude, radius_km)


def box_rows(*, latitude: float, longitude: float, radius_km: float) -> QuerySet:
    """``(id, latitude, longitude, status, visibility, ends_at)`` of every event in the
    circle's bounding box. The box is the only filter, so that the planner reads it
    through the ``(latitude, longitude)`` index: with a status or visibility predicate
    beside it, SQLite without statistics prefers ``campus_event_list_idx`` and walks every
    published event."""
    return (
        Event.objects.filter(box_q(latitude, longitude, radius_km))
        .order_by()
        .values_list("id", "latitude", "longitude", "status", "visibility", "ends_at")
    )


@dataclass(frozen=True)
class Hit:
    distance_km: float
    id: object


#: Ids per ``IN (…)`` of the visibility check (under every database's parameter limit).
CHUNK = 5000


def nearby_hits(
    *, user, latitude: float, longitude: float, radius_km: float, now: datetime | None = None
) -> list[Hit]:
    """Every published event not over yet within ``radius_km`` that ``user`` may see,
    nearest first (ties by id)."""
    now = now or timezone.now()
    anonymous = user is None or not user.is_authenticated
    hits = []
    for event_id, lat, lng, status, visibility, ends_at in box_rows(
        latitude=latitude, longitude=longitude, radius_km=radius_km
    ):
        if status != EventStatus.PUBLISHED or ends_at <= now:
            continue
        if anonymous and visibility != EventVisibility.PUBLIC:
            continue
        distance = haversine_km(latitude, longitude, lat, lng)
        if distance <= radius_km:
            hits.append(Hit(distance, event_id))
    if not anonymous and hits:
        # What a signed-in reader may see is decided in one place (selectors.access),
        # by primary key: the candidates are few.
        ids = [hit.id for hit in hits]
        allowed = set()
        for start in range(0, len(ids), CHUNK):
            allowed.update(
                Event.objects.filter(visibility_q(user), pk__in=ids[start : start + CHUNK])
                .order_by()
                .values_list("pk", flat=True)
            )
        hits = [hit for hit in hits if hit.id in allowed]
    hits.sort(key=lambda hit: (hit.distance_km, str(hit.id)))
    return hits


def nearby_events(*, user, hits: list[Hit]) -> list[Event]:
    """The events of ``hits`` (a page), read in full, in the hits' order, each with its
    ``distance_km``."""
    by_id = {
        event.pk: event
        for event in with_rows(Event.objects.filter(pk__in=[h.id for h in hits]), user=user)
    }
    events = []
    for hit in hits:
        event = by_id.get(hit.id)
        if event is not None:
            event.distance_km = round(hit.distance_km, 3)
            events.append(event)
    return events
