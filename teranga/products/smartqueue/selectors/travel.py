"""The travel-time model: how long a client needs to reach a branch.

**Model.** For a trip of straight-line (great-circle) distance ``d`` km, by ``mode``, at
the local time ``t`` of the model's city (Dakar by default)::

    minutes = d × detour ÷ speed(mode) × 60 × traffic(t)  +  overhead(mode)

* ``detour`` (1.35 by default) turns the straight line into a road distance;
* ``speed(mode)``: car 30 km/h, taxi 28 km/h, public transport 15 km/h, walking
  4.5 km/h — average door-to-door speeds in Dakar outside rush hours;
* ``traffic(t)``: the **largest** factor of the peak windows that contain ``t`` (by
  default Monday–Friday 7–9 h ×1.8 and 17–20 h ×2.0, Friday prayer 13–15 h ×1.5);
  outside every window, the night factor from 22 h to 6 h (×0.7), else the weekend
  factor on Saturday and Sunday (×0.85), else 1. Walking is not slowed by traffic
  (its factor is always 1);
* ``overhead(mode)``: the wait for public transport (10 min) and a taxi's pickup
  (5 min); none for a car or on foot.

Staff change every parameter in the admin or with ``PUT
/api/v1/smartqueue/travel-model/`` (:mod:`..services.travel`); a peak window covers
``start <= t < end``. The parameters are read from the ``dakar`` row
(:func:`travel_model`, created with the defaults when missing), cached for
:data:`CACHE_SECONDS` and forgotten as soon as the row is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from teranga.platform.geo.distance import haversine_km

from ..models import TravelMode, TravelModel

DEFAULT_SLUG = "dakar"
CACHE_KEY = "sq:travel-model:v1:" + DEFAULT_SLUG
CACHE_SECONDS = 300
NIGHT_START = time(22, 0)
NIGHT_END = time(6, 0)


@dataclass(frozen=True)
class TravelParams:
    """The model's parameters, as plain numbers (what the cache keeps)."""

    time_zone: str
    detour_factor: float
    speeds_kmh: dict[str, float]
    overhead_minutes: dict[str, float]
    peak_windows: tuple[dict, ...]
    weekend_factor: float
    night_factor: float

    @classmethod
    def from_row(cls, row: TravelModel) -> TravelParams:
        return cls(
            time_zone=row.time_zone or "Africa/Dakar",
            detour_factor=float(row.detour_factor),
            speeds_kmh={
                TravelMode.CAR: float(row.car_kmh),
                TravelMode.TAXI: float(row.taxi_kmh),
                TravelMode.PUBLIC: float(row.public_kmh),
                TravelMode.WALK: float(row.walk_kmh),
            },
            overhead_minutes={
                TravelMode.CAR: 0.0,
                TravelMode.TAXI: float(row.taxi_pickup_minutes),
                TravelMode.PUBLIC: float(row.public_wait_minutes),
                TravelMode.WALK: 0.0,
            },
            peak_windows=tuple(dict(w) for w in (row.peak_windows or [])),
            weekend_factor=float(row.weekend_factor),
            night_factor=float(row.night_factor),
        )


# --- Reading the parameters -------------------------------------------------------------


def travel_model_row() -> TravelModel:
    """The ``dakar`` row, created with the defaults when missing."""
    row, _created = TravelModel.objects.get_or_create(slug=DEFAULT_SLUG)
    return row


def travel_model() -> TravelParams:
    """The current parameters (cached briefly; forgotten when the row is saved)."""
    params = cache.get(CACHE_KEY)
    if params is None:
        params = TravelParams.from_row(travel_model_row())
        cache.set(CACHE_KEY, params, CACHE_SECONDS)
    return params


def travel_model_forget(**_kwargs) -> None:
    cache.delete(CACHE_KEY)


def _on_change(sender, instance, **kwargs) -> None:
    # A cache, so a signal (see DESIGN): forget now and again after commit, so a reader
    # between the two never keeps the old parameters for long.
    travel_model_forget()
    transaction.on_commit(travel_model_forget)


post_save.connect(_on_change, sender=TravelModel, dispatch_uid="smartqueue.travel_model.save")
post_delete.connect(_on_change, sender=TravelModel, dispatch_uid="smartqueue.travel_model.del")


# --- The model ----------------------------------------------------------------------------


def minutes_of_day(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def traffic_factor(moment: datetime, params: TravelParams | None = None) -> float:
    """The traffic factor at ``moment`` (aware) in the model's time zone."""
    params = params or travel_model()
    local = moment.astimezone(ZoneInfo(params.time_zone))
    weekday, minute = local.weekday(), local.hour * 60 + local.minute
    matching = [
        float(window["factor"])
        for window in params.peak_windows
        if weekday in window.get("days", ())
        and minutes_of_day(window["start"]) <= minute < minutes_of_day(window["end"])
    ]
    if matching:
        return max(matching)
    if local.time() >= NIGHT_START or local.time() < NIGHT_END:
        return params.night_factor
    if weekday >= 5:
        return params.weekend_factor
    return 1.0


def travel_minutes(
    distance_km: float,
    mode: str = TravelMode.CAR,
    *,
    moment: datetime | None = None,
    params: TravelParams | None = None,
) -> float:
    """Minutes to travel ``distance_km`` (straight line) by ``mode`` at ``moment``."""
    params = params or travel_model()
    if mode not in params.speeds_kmh:
        raise ValueError(f"unknown travel mode {mode!r}")
    moment = moment or timezone.now()
    factor = 1.0 if mode == TravelMode.WALK else traffic_factor(moment, params)
    road_km = max(float(distance_km), 0.0) * params.detour_factor
    moving = road_km / params.speeds_kmh[mode] * 60.0 * factor
    return moving + params.overhead_minutes.get(mode, 0.0)


def travel_minutes_between(
    origin: tuple, destination: tuple, mode: str = TravelMode.CAR, **kwargs
) -> float:
    """:func:`travel_minutes` between two ``(latitude, longitude)`` points."""
    distance = haversine_km(origin[0], origin[1], destination[0], destination[1])
    return travel_minutes(distance, mode, **kwargs)
