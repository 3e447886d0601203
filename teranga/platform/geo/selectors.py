"""Reads of the reference geography."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from teranga.core.errors import NotFound
from teranga.platform.geo.errors import GeoError

from .distance import bounding_box
from .models import Department, Region


def region_list() -> QuerySet[Region]:
    """Every region with its departments prefetched (two queries in all)."""
    return Region.objects.prefetch_related(
        Prefetch("departments", queryset=Department.objects.order_by("name"))
    ).order_by("name")


def region_get(*, code: str) -> Region:
    region = region_list().filter(code__iexact=code).first()
    if region is None:
        raise NotFound(code=GeoError.REGION_NOT_FOUND)
    return region


def radius_box_q(
    latitude: float, longitude: float, radius_km: float, *, prefix: str = ""
) -> Q:
    """The bounding box of a circle (``distance.bounding_box``) as a filter on the indexed
    ``latitude``/``longitude`` columns (``prefix``: their path, e.g. ``"branch__"``); rows
    without coordinates are never in it. Every nearby search filters with it, then keeps
    the rows within the exact distance."""
    lat_min, lat_max, lng_min, lng_max = bounding_box(latitude, longitude, radius_km)
    box = Q(**{f"{prefix}latitude__gte": lat_min, f"{prefix}latitude__lte": lat_max})
    if lng_min is None:
        return box & Q(**{f"{prefix}longitude__isnull": False})
    return box & Q(**{f"{prefix}longitude__gte": lng_min, f"{prefix}longitude__lte": lng_max})
