"""Reads of the reference geography."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from teranga.core.errors import NotFound
from teranga.platform.geo.errors import GeoError

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
