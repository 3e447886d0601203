"""Geo reference lists in the HTTP cache (``teranga.core.public_cache``): the regions
and their departments answer from one scope, ``geo``, bumped by any change of either."""

from __future__ import annotations

from teranga.core.public_cache import invalidate_on

SCOPE = "geo"


def register() -> None:
    """Connect the invalidation (from ``GeoConfig.ready``)."""
    from .models import Department, Region

    invalidate_on(Region, [SCOPE])
    invalidate_on(Department, [SCOPE])
