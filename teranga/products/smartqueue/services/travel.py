"""Changing the travel-time model (the model and how it is read:
:mod:`..selectors.travel`).

Staff change every parameter (speeds, detour, overheads, windows, factors) in the
admin or with ``PUT /api/v1/smartqueue/travel-model/``; a window is
``{"days": [0..6] (0 = Monday), "start": "HH:MM", "end": "HH:MM", "factor": 0.2..5}``
and covers ``start <= t < end``. Saving the row makes every reader forget the cached
parameters.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from teranga.core.errors import ValidationFailed
from teranga.products.smartqueue.errors import SmartQueueError

from ..models import TravelModel
from ..selectors.travel import DEFAULT_SLUG, minutes_of_day, travel_model_row

FACTOR_MIN, FACTOR_MAX = 0.2, 5.0
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


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
        elif minutes_of_day(start) >= minutes_of_day(end):
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
            raise ValidationFailed(
                code=SmartQueueError.INVALID_PEAK_WINDOWS, fields={"peak_windows": errors}
            )
    travel_model_row()
    row = TravelModel.objects.select_for_update().get(slug=DEFAULT_SLUG)
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_by = actor
    row.save()
    return row
