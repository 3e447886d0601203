"""Branches near a point, with their queues' current wait and the travel time there.

:func:`branches_nearby` finds the active branches of verified organisations that have
an active queue (of a service category, optionally) within ``radius_km``: a bounding box
on the branch's latitude and longitude in SQL, then the exact great-circle distance,
sorted nearest first. It returns a lazy sequence: the paginator slices it and only the
page's branches are loaded, in a fixed number of queries whatever their number —
branches and organisations, queues with their waiting counts, the counters open on
them, and the recent service times of their services (one windowed query for the
services, one for their counters). The wait of a new ticket follows the method of
:mod:`.estimates` (``wait = ahead / sum(1 / pace)`` over the open counters).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from teranga.platform.geo.distance import haversine_km
from teranga.platform.geo.selectors import radius_box_q
from teranga.platform.organizations.models import Branch, VerificationStatus

from ..models import Queue, TicketStatus, TravelMode
from .estimates import queue_wait_details
from .travel import travel_minutes, travel_model

DEFAULT_RADIUS_KM = 5.0
MAX_RADIUS_KM = 50.0


def _bounding_box(latitude: float, longitude: float, radius_km: float) -> Q:
    return radius_box_q(latitude, longitude, radius_km)


def _queues(category: str | None):
    queues = Queue.objects.filter(is_active=True, service__is_active=True)
    if category:
        queues = queues.filter(service__category=category)
    return queues


@dataclass
class NearbyQuery:
    latitude: float
    longitude: float
    radius_km: float
    category: str | None
    mode: str
    now: datetime


class NearbyBranches:
    """``[(distance_km, branch_id), …]`` nearest first; slicing it loads the details."""

    def __init__(self, query: NearbyQuery, found: list[tuple[float, object]]):
        self.query = query
        self.found = found

    def __len__(self) -> int:
        return len(self.found)

    def count(self) -> int:
        return len(self.found)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return nearby_details(self.query, self.found[index])
        return nearby_details(self.query, [self.found[index]])[0]


def branches_nearby(
    *,
    latitude: float,
    longitude: float,
    radius_km: float = DEFAULT_RADIUS_KM,
    category: str | None = None,
    mode: str = TravelMode.CAR,
    now: datetime | None = None,
) -> NearbyBranches:
    query = NearbyQuery(
        latitude, longitude, min(radius_km, MAX_RADIUS_KM), category, mode, now or timezone.now()
    )
    candidates = (
        Branch.objects.filter(
            _bounding_box(latitude, longitude, query.radius_km),
            is_active=True,
            latitude__isnull=False,
            longitude__isnull=False,
            organization__verification_status=VerificationStatus.VERIFIED,
        )
        .filter(Exists(_queues(category).filter(branch_id=OuterRef("pk"))))
        .values_list("pk", "latitude", "longitude")
    )
    found = []
    for pk, lat, lng in candidates:
        distance = haversine_km(latitude, longitude, lat, lng)
        if distance <= query.radius_km:
            found.append((distance, pk))
    found.sort(key=lambda item: (item[0], str(item[1])))
    return NearbyBranches(query, found)


def nearby_details(query: NearbyQuery, found: list[tuple[float, object]]) -> list[dict]:
    """The page's branches with their organisation, queues, waits and travel times."""
    if not found:
        return []
    ids = [pk for _distance, pk in found]
    branches = {b.pk: b for b in Branch.objects.filter(pk__in=ids).select_related("organization")}
    waiting = Q(tickets__status=TicketStatus.WAITING, tickets__parked_at__isnull=True)
    queues = list(
        _queues(query.category)
        .filter(branch_id__in=ids)
        .select_related("service")
        .annotate(waiting=Count("tickets", filter=waiting))
        .order_by("branch_id", "prefix")
    )
    waits = queue_wait_details(queues, ahead=lambda queue: queue.waiting, now=query.now)
    per_branch: dict = defaultdict(list)
    for queue in queues:
        wait = waits[queue.pk]
        per_branch[queue.branch_id].append(
            {
                "id": queue.pk,
                "name": queue.name,
                "prefix": queue.prefix,
                "kind": queue.kind,
                "is_open": queue.is_open,
                "waiting": queue.waiting,
                "open_counters": wait.open_counters,
                "estimated_wait_seconds": wait.seconds if queue.is_open else None,
                "service": {
                    "id": queue.service_id,
                    "name": queue.service.name,
                    "category": queue.service.category,
                },
            }
        )
    params = travel_model()
    results = []
    for distance, pk in found:
        branch = branches.get(pk)
        if branch is None:  # deleted meanwhile
            continue
        minutes = travel_minutes(distance, query.mode, moment=query.now, params=params)
        results.append(
            {
                "branch": branch,
                "organization": branch.organization,
                "distance_km": round(distance, 2),
                "mode": query.mode,
                "travel_minutes": max(round(minutes), 1),
                "queues": per_branch.get(pk, []),
            }
        )
    return results
