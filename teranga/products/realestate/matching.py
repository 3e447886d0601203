"""The one scoring function of matching, used by both directions (a property's requests,
a request's properties), by the background re-matching and by the benchmark's reference.

``score(property_values, request_values, weights) -> (total, details)``: ``total`` is
0–100, or ``None`` when the property is excluded for the request (a hard rule failed);
``details`` explains it field by field: ``{"field", "points", "max", "reason"}`` plus a
field's own facts (``distance_km``, ``zone``, ``missing`` …). Pure: no database, no
clock, no settings; the same inputs always give the same answer.

Rules:

* **transaction** and **type** must fit, else excluded;
* **currency**: a price in another currency than the budget's is converted into the
  budget's (``teranga.core.money.convert``: the fixed XOF–EUR peg, rounded half up to the
  minor unit); the price line then shows the converted amount (``converted_price``,
  ``converted_currency``, ``converted_display``). Without a known rate, excluded;
* **price**: within the budget, full points; over it by up to the tolerance, points lost
  linearly; beyond, excluded. Integer arithmetic: ``price × 100 ≤ budget × (100 + t)``
  (``price`` converted first);
* **surface**: within the range, full; below the minimum, down to nothing at 75 % of it;
  above the maximum, half; unknown, half;
* **rooms** (rooms and bedrooms): full when both minimums are met, a third less for each
  missing room; unknown, half;
* **distance**: inside the nearest zone's circle (haversine), from full at its centre to
  half at its edge; outside every zone (or no coordinates with zones), excluded;
* **features**: a required feature missing, excluded; nice-to-have ones give points in
  proportion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from teranga.core.money import Money, convert, exchange_rate
from teranga.platform.geo.distance import haversine_km

# Reason codes (stable: clients translate them).
NO_PREFERENCE = "no_preference"
WITHIN_BUDGET = "within_budget"
OVER_BUDGET_TOLERATED = "over_budget_tolerated"
OVER_BUDGET = "over_budget"
WITHIN_RANGE = "within_range"
BELOW_MINIMUM = "below_minimum"
ABOVE_MAXIMUM = "above_maximum"
UNKNOWN = "unknown"
ENOUGH_ROOMS = "enough_rooms"
FEWER_ROOMS = "fewer_rooms"
INSIDE_ZONE = "inside_zone"
OUTSIDE_ZONES = "outside_zones"
NO_LOCATION = "no_location"
REQUIRED_MISSING = "required_missing"
NICE_TO_HAVE = "nice_to_have"
TRANSACTION_MISMATCH = "transaction_mismatch"
TYPE_MISMATCH = "type_mismatch"
CURRENCY_MISMATCH = "currency_mismatch"

REASONS = (
    NO_PREFERENCE,
    WITHIN_BUDGET,
    OVER_BUDGET_TOLERATED,
    OVER_BUDGET,
    WITHIN_RANGE,
    BELOW_MINIMUM,
    ABOVE_MAXIMUM,
    UNKNOWN,
    ENOUGH_ROOMS,
    FEWER_ROOMS,
    INSIDE_ZONE,
    OUTSIDE_ZONES,
    NO_LOCATION,
    REQUIRED_MISSING,
    NICE_TO_HAVE,
    TRANSACTION_MISMATCH,
    TYPE_MISMATCH,
    CURRENCY_MISMATCH,
)
FIELDS = ("transaction", "type", "currency", "price", "surface", "rooms", "distance", "features")

#: Below this share of the minimum surface, no surface points.
SURFACE_FLOOR = 0.75


@dataclass(frozen=True)
class Weights:
    price: int = 40
    surface: int = 20
    rooms: int = 15
    distance: int = 15
    features: int = 10
    tolerance_percent: int = 10


@dataclass(frozen=True)
class PropertyValues:
    property_type: str
    transaction: str
    price: int
    currency: str
    surface: int | None = None
    rooms: int | None = None
    bedrooms: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    features: int = 0


@dataclass(frozen=True)
class Zone:
    lat: float
    lng: float
    radius_km: float
    label: str = ""


@dataclass(frozen=True)
class RequestValues:
    transaction: str
    property_types: tuple[str, ...] = ()
    budget_min: int | None = None
    budget_max: int | None = None
    currency: str = "XOF"
    surface_min: int | None = None
    surface_max: int | None = None
    rooms_min: int | None = None
    bedrooms_min: int | None = None
    zones: tuple[Zone, ...] = field(default_factory=tuple)
    required_features: int = 0
    nice_features: int = 0


def _line(name: str, points: float, maximum: int, reason: str, **extra) -> dict:
    return {"field": name, "points": round(points, 2), "max": maximum, "reason": reason, **extra}


def _excluded(name: str, reason: str, **extra) -> tuple[None, list[dict]]:
    return None, [_line(name, 0, 0, reason, **extra)]


def price_fits(price: int, budget_max: int | None, tolerance_percent: int) -> bool:
    """Whether ``price`` is within the budget and its tolerance (integers, exact)."""
    return budget_max is None or price * 100 <= budget_max * (100 + tolerance_percent)


def price_in(p: PropertyValues, currency: str) -> int | None:
    """The property's price in ``currency`` (minor units), or None without a rate."""
    if p.currency == currency:
        return p.price
    if exchange_rate(p.currency, currency) is None:
        return None
    return convert(p.price, p.currency, currency)


def _price(p: PropertyValues, r: RequestValues, w: Weights, price: int) -> dict | None:
    extra = {}
    if p.currency != r.currency:
        extra = {
            "converted_price": price,
            "converted_currency": r.currency,
            "converted_display": Money(price, r.currency).format(),
        }
    if r.budget_max is None:
        return _line("price", w.price, w.price, NO_PREFERENCE, **extra)
    if price <= r.budget_max:
        return _line("price", w.price, w.price, WITHIN_BUDGET, **extra)
    if not price_fits(price, r.budget_max, w.tolerance_percent) or not r.budget_max:
        return None
    allowed = r.budget_max * w.tolerance_percent / 100
    over = price - r.budget_max
    over_percent = round(over * 100 / r.budget_max, 2)
    return _line(
        "price",
        w.price * (1 - over / allowed),
        w.price,
        OVER_BUDGET_TOLERATED,
        over_percent=over_percent,
        **extra,
    )


def _surface(p: PropertyValues, r: RequestValues, w: Weights) -> dict:
    if r.surface_min is None and r.surface_max is None:
        return _line("surface", w.surface, w.surface, NO_PREFERENCE)
    if p.surface is None:
        return _line("surface", w.surface / 2, w.surface, UNKNOWN)
    if r.surface_min is not None and p.surface < r.surface_min:
        ratio = p.surface / r.surface_min
        share = max(0.0, (ratio - SURFACE_FLOOR) / (1 - SURFACE_FLOOR))
        return _line("surface", w.surface * share, w.surface, BELOW_MINIMUM)
    if r.surface_max is not None and p.surface > r.surface_max:
        return _line("surface", w.surface / 2, w.surface, ABOVE_MAXIMUM)
    return _line("surface", w.surface, w.surface, WITHIN_RANGE)


def _rooms(p: PropertyValues, r: RequestValues, w: Weights) -> dict:
    if r.rooms_min is None and r.bedrooms_min is None:
        return _line("rooms", w.rooms, w.rooms, NO_PREFERENCE)
    if (r.rooms_min is not None and p.rooms is None) or (
        r.bedrooms_min is not None and p.bedrooms is None
    ):
        return _line("rooms", w.rooms / 2, w.rooms, UNKNOWN)
    missing = 0
    if r.rooms_min is not None:
        missing += max(0, r.rooms_min - p.rooms)
    if r.bedrooms_min is not None:
        missing += max(0, r.bedrooms_min - p.bedrooms)
    if not missing:
        return _line("rooms", w.rooms, w.rooms, ENOUGH_ROOMS)
    share = max(0.0, 1 - missing / 3)
    return _line("rooms", w.rooms * share, w.rooms, FEWER_ROOMS, missing=missing)


def _distance(p: PropertyValues, r: RequestValues, w: Weights) -> dict | None:
    if not r.zones:
        return _line("distance", w.distance, w.distance, NO_PREFERENCE)
    if p.latitude is None or p.longitude is None:
        return None
    best = None
    for zone in r.zones:
        km = haversine_km(zone.lat, zone.lng, p.latitude, p.longitude)
        if km <= zone.radius_km:
            share = 1 - 0.5 * (km / zone.radius_km) if zone.radius_km else 1.0
            if best is None or share > best[0]:
                best = (share, km, zone)
    if best is None:
        return None
    share, km, zone = best
    return _line(
        "distance",
        w.distance * share,
        w.distance,
        INSIDE_ZONE,
        distance_km=round(km, 3),
        zone=zone.label,
    )


def _features(p: PropertyValues, r: RequestValues, w: Weights, names) -> dict:
    if not r.nice_features:
        return _line("features", w.features, w.features, NO_PREFERENCE)
    wanted = bin(r.nice_features).count("1")
    found = bin(r.nice_features & p.features).count("1")
    return _line(
        "features",
        w.features * found / wanted,
        w.features,
        NICE_TO_HAVE,
        found=names(r.nice_features & p.features),
        missing=names(r.nice_features & ~p.features),
    )


def _names(mask: int) -> list[str]:
    from .models import features_list

    return features_list(mask)


def score(
    property_values: PropertyValues, request_values: RequestValues, weights: Weights
) -> tuple[int | None, list[dict]]:
    """The match of a property and a request: ``(total 0–100 or None if excluded,
    details)``. See the module's docstring for the rules."""
    p, r, w = property_values, request_values, weights
    if p.transaction != r.transaction:
        return _excluded("transaction", TRANSACTION_MISMATCH)
    if r.property_types and p.property_type not in r.property_types:
        return _excluded("type", TYPE_MISMATCH)
    converted = price_in(p, r.currency)
    if converted is None:
        return _excluded("currency", CURRENCY_MISMATCH)
    missing = r.required_features & ~p.features
    if missing:
        return _excluded("features", REQUIRED_MISSING, missing=_names(missing))
    price = _price(p, r, w, converted)
    if price is None:
        return _excluded("price", OVER_BUDGET)
    if r.zones and (p.latitude is None or p.longitude is None):
        return _excluded("distance", NO_LOCATION)
    distance = _distance(p, r, w)
    if distance is None:
        return _excluded("distance", OUTSIDE_ZONES)
    details = [price, _surface(p, r, w), _rooms(p, r, w), distance, _features(p, r, w, _names)]
    maximum = sum(line["max"] for line in details)
    if not maximum:
        return 100, details
    points = sum(line["points"] for line in details)
    total = round(100 * points / maximum)
    return max(0, min(100, total)), details
