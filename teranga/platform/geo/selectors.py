"""Reads of the reference geography."""

from __future__ import annotations

import math

from django.db.models import F, FloatField, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import ASin, Cast, Cos, Least, Power, Sin, Sqrt

from teranga.core.errors import NotFound
from teranga.platform.geo.errors import GeoError

from .distance import EARTH_RADIUS_KM, bounding_box
from .models import Department, Region

#: ``math.radians(x)`` is ``x * (pi / 180)``: the same factor, so SQL and Python agree.
_DEGREES_TO_RADIANS = math.pi / 180.0


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


def radius_box_q(latitude: float, longitude: float, radius_km: float, *, prefix: str = "") -> Q:
    """The bounding box of a circle (``distance.bounding_box``) as a filter on the indexed
    ``latitude``/``longitude`` columns (``prefix``: their path, e.g. ``"branch__"``); rows
    without coordinates are never in it. Every nearby search filters with it, then keeps
    the rows within the exact distance."""
    lat_min, lat_max, lng_min, lng_max = bounding_box(latitude, longitude, radius_km)
    box = Q(**{f"{prefix}latitude__gte": lat_min, f"{prefix}latitude__lte": lat_max})
    if lng_min is None:
        return box & Q(**{f"{prefix}longitude__isnull": False})
    return box & Q(**{f"{prefix}longitude__gte": lng_min, f"{prefix}longitude__lte": lng_max})


def distance_km_expression(latitude: float, longitude: float, *, prefix: str = "") -> Combinable:
    """The great-circle distance in km from ``(latitude, longitude)`` to each row's
    ``latitude``/``longitude`` columns (``prefix``: their path), as a database
    expression: ``distance.haversine_km``'s formula, step for step in the same order with
    the centre's terms computed here, so that the database (PostgreSQL's and SQLite's
    ``sin``/``cos``/``asin``/``sqrt``/``power``, Django's on an SQLite built without math
    functions) gives the same float as Python. Filter, sort and paginate on it in SQL;
    rows without coordinates give NULL."""
    if not -90 <= float(latitude) <= 90 or not -180 <= float(longitude) <= 180:
        raise ValueError(f"({latitude}, {longitude}) is out of range")
    phi1 = math.radians(float(latitude))

    def const(value: float) -> Cast:
        # A double, explicitly: PostgreSQL would read a bare literal as a numeric.
        return Cast(Value(float(value)), FloatField())

    phi2 = F(f"{prefix}latitude") * const(_DEGREES_TO_RADIANS)
    dphi = phi2 - const(phi1)
    dlambda = (F(f"{prefix}longitude") - const(float(longitude))) * const(_DEGREES_TO_RADIANS)
    a = Power(Sin(dphi / const(2.0)), const(2.0)) + const(math.cos(phi1)) * Cos(phi2) * Power(
        Sin(dlambda / const(2.0)), const(2.0)
    )
    return const(2 * EARTH_RADIUS_KM) * ASin(Least(const(1.0), Sqrt(a)))
