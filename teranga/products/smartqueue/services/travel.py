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

Staff change every parameter (speeds, detour, overheads, windows, factors) in the
admin or with ``PUT /api/v1/smartqueue/travel-model/``; a window is
``{"days": [0..6] (0 = Monday), "start": "HH:MM", "end": "HH:MM", "factor": 0.2..5}``
and covers ``start <= t < end``. The parameters are read from the ``dakar`` row
(:func:`travel_model`, created with the defaults when missing), cached for
:data:`CACHE_SECONDS` and forgotten as soon as the row is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import ValidationFailed
from teranga.platform.geo.distance import haversine_km

from ..models import TravelMode, TravelModel

DEFAULT_SLUG = "dakar"
CACHE_KEY = "sq:travel-model:v1:" + DEFAULT_SLUG
CACHE_SECONDS = 300
NIGHT_START = time(22, 0)
NIGHT_END = time(6, 0)
FACTOR_MIN, FACTOR_MAX = 0.2, 5.0
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


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


def _minutes_of_day(value: str) -> int:
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
        and _minutes_of_day(window["start"]) <= minute < _minutes_of_day(window["end"])
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


# --- Changing the parameters ---------------------------------------------------------------


def peak_window_errors(windows) -> list[str]:
    """What is wrong with ``windows`` (empty when they are valid); the admin form and the
    API both use it."""
    if not isinstance(windows, list):
        return [_("Give a list of windows.")]
    errors = []
    for index, window in enumerate(windows, start=1):
        where = _("Window %(n)d: ") % {"n": index}
        if not isinstance(window, dict) or set(window) != {"days", "start", "end", "factor"}:
            errors.append(where + _("give exactly days, start, end and factor."))
            continue
        days = window["days"]
        if (
            not isinstance(days, list)
            or not days
            or any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in days)
        ):
            errors.append(where + _("days are 0 (Monday) to 6 (Sunday)."))
        start, end = window["start"], window["end"]
        if not (isinstance(start, str) and HHMM.match(start)) or not (
            isinstance(end, str) and HHMM.match(end)
        ):
            errors.append(where + _("times are HH:MM."))
        elif _minutes_of_day(start) >= _minutes_of_day(end):
            errors.append(where + _("the start must be before the end."))
        factor = window["factor"]
        if (
            isinstance(factor, bool)
            or not isinstance(factor, int | float)
            or not FACTOR_MIN <= factor <= FACTOR_MAX
        ):
            errors.append(where + _("the factor is between 0.2 and 5."))
    return errors


#: The fields staff may change.
EDITABLE_FIELDS = (
    "name",
    "time_zone",
    "detour_factor",
    "car_kmh",
    "taxi_kmh",
    "public_kmh",
    "walk_kmh",
    "public_wait_minutes",
    "taxi_pickup_minutes",
    "peak_windows",
    "weekend_factor",
    "night_factor",
)


@transaction.atomic
def travel_model_update(*, actor, **changes) -> TravelModel:
    """Change the ``dakar`` parameters (staff only; the view checks it). Fields not
    given keep their values."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: [_("Unknown field.")] for name in sorted(unknown)})
    if "peak_windows" in changes:
        errors = peak_window_errors(changes["peak_windows"])
        if errors:
            raise ValidationFailed(code="invalid_peak_windows", fields={"peak_windows": errors})
    travel_model_row()
    row = TravelModel.objects.select_for_update().get(slug=DEFAULT_SLUG)
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_by = actor
    row.save()
    return row
