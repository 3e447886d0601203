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
