"""Great-circle distances (haversine) on a spherical Earth.

Good to a few metres over the distances Teranga cares about (a city, a country); use it
for "nearest branch" sorting and travel-time estimates, not for surveying.
"""

from __future__ import annotations

import math
from decimal import Decimal

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)

Coordinate = float | Decimal


def haversine_km(lat1: Coordinate, lon1: Coordinate, lat2: Coordinate, lon2: Coordinate) -> float:
    """Distance in kilometres between two (latitude, longitude) points in degrees."""
    for lat in (lat1, lat2):
        if not -90 <= float(lat) <= 90:
            raise ValueError(f"latitude {lat} is out of range")
    for lon in (lon1, lon2):
        if not -180 <= float(lon) <= 180:
            raise ValueError(f"longitude {lon} is out of range")
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi = phi2 - phi1
    dlambda = math.radians(float(lon2) - float(lon1))
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def haversine_m(lat1: Coordinate, lon1: Coordinate, lat2: Coordinate, lon2: Coordinate) -> float:
    """Distance in metres between two (latitude, longitude) points in degrees."""
    return haversine_km(lat1, lon1, lat2, lon2) * 1000.0


def bounding_box(
    latitude: Coordinate, longitude: Coordinate, radius_km: float
) -> tuple[float, float, float | None, float | None]:
    """``(lat_min, lat_max, lng_min, lng_max)`` of a box that holds every point within
    ``radius_km`` of the centre, for an indexed range filter before the exact distance.
    The longitude bounds are ``None`` when the circle reaches a pole or crosses the
    antimeridian (the latitude bounds alone then filter).

    The longitude half-width is ``asin(sin d / cos φ)`` (d the angular radius), the
    widest the circle gets, not ``d / cos φ`` at the centre's latitude, which misses
    points near the box's corners at higher latitudes."""
    lat, lng = float(latitude), float(longitude)
    angular = radius_km / EARTH_RADIUS_KM
    # A hair wider than exact, so that a point at the very edge is never lost to rounding.
    margin = 1e-9
    lat_min = max(-90.0, lat - math.degrees(angular) - margin)
    lat_max = min(90.0, lat + math.degrees(angular) + margin)
    cos_lat = math.cos(math.radians(lat))
    if lat_min <= -90.0 or lat_max >= 90.0 or math.sin(angular) >= cos_lat:
        return lat_min, lat_max, None, None
    half = math.degrees(math.asin(math.sin(angular) / cos_lat)) + margin
    if lng - half < -180.0 or lng + half > 180.0:
        return lat_min, lat_max, None, None
    return lat_min, lat_max, lng - half, lng + half
