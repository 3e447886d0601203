"""The bounding box holds every point of the circle (the nearby searches filter on it
before the exact distance, so a point it missed would be lost)."""

from __future__ import annotations

import math
import random

import pytest

from teranga.platform.geo.distance import EARTH_RADIUS_KM, bounding_box, haversine_km


def _destination(lat: float, lng: float, bearing: float, km: float) -> tuple[float, float]:
    """The point ``km`` away from (lat, lng) along ``bearing`` (degrees), on the sphere."""
    d = km / EARTH_RADIUS_KM
    phi, lam, theta = math.radians(lat), math.radians(lng), math.radians(bearing)
    phi2 = math.asin(math.sin(phi) * math.cos(d) + math.cos(phi) * math.sin(d) * math.cos(theta))
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(d) * math.cos(phi), math.cos(d) - math.sin(phi) * math.sin(phi2)
    )
    return math.degrees(phi2), (math.degrees(lam2) + 540) % 360 - 180


@pytest.mark.parametrize("latitude", [14.69, -33.9, 48.85, 64.1, 0.0])
def test_every_point_of_the_circle_is_in_the_box(latitude):
    rng = random.Random(7)
    for radius in (0.5, 10.0, 50.0, 400.0):
        lat_min, lat_max, lng_min, lng_max = bounding_box(latitude, -17.44, radius)
        for bearing in range(0, 360, 3):
            lat, lng = _destination(latitude, -17.44, bearing, radius * rng.uniform(0.9, 0.999999))
            assert haversine_km(latitude, -17.44, lat, lng) <= radius
            assert lat_min <= lat <= lat_max
            if lng_min is not None:
                assert lng_min <= lng <= lng_max


def test_no_longitude_bounds_near_a_pole_or_across_the_antimeridian():
    assert bounding_box(89.9, 0.0, 50.0)[2:] == (None, None)
    assert bounding_box(10.0, 179.9, 50.0)[2:] == (None, None)
    lat_min, lat_max, lng_min, lng_max = bounding_box(14.69, -17.44, 10.0)
    assert lat_max - lat_min == pytest.approx(2 * 10.0 / 111.195, rel=1e-3)
    assert lng_min < -17.44 < lng_max


@pytest.mark.django_db
def test_the_sql_distance_is_haversine_km_to_the_last_bit():
    """``distance_km_expression`` computed by the database (sin, cos, asin, sqrt, power of
    PostgreSQL or SQLite) is the very float ``haversine_km`` gives: searches that sort and
    paginate on it in SQL keep the order and distances of a Python computation."""
    from django.db.models import FloatField, Value
    from django.db.models.functions import Cast

    from teranga.platform.geo.models import Region
    from teranga.platform.geo.selectors import distance_km_expression

    rng = random.Random(11)  # noqa: S311 - test data
    pairs = [((14.6708, -17.4381), (14.6708, -17.4381))]  # the same point: exactly 0
    for _ in range(60):
        centre = (rng.uniform(-80, 80), rng.uniform(-179, 179))
        near = (centre[0] + rng.uniform(-0.5, 0.5), centre[1] + rng.uniform(-0.5, 0.5))
        far = (rng.uniform(-89, 89), rng.uniform(-180, 180))
        pairs += [(centre, near), (centre, far)]
    assert Region.objects.exists()
    for (lat, lng), (plat, plng) in pairs:
        computed = (
            Region.objects.annotate(
                # Doubles, as the columns are (a bare literal is a numeric to PostgreSQL).
                latitude=Cast(Value(plat), FloatField()),
                longitude=Cast(Value(plng), FloatField()),
            )
            .annotate(distance=distance_km_expression(lat, lng))
            .values_list("distance", flat=True)
            .first()
        )
        assert computed == haversine_km(lat, lng, plat, plng), ((lat, lng), (plat, plng))
