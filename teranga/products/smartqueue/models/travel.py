"""Where users are (only while it matters) and how long it takes them to come."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.models import BaseModel


class TravelMode(models.TextChoices):
    CAR = "car", _("Car")
    PUBLIC = "public", _("Public transport")
    TAXI = "taxi", _("Taxi")
    WALK = "walk", _("Walking")


class UserLocation(BaseModel):
    """A user's last shared position. Kept only while they have an active ticket or
    appointment, and never longer than ``expires_at`` (a periodic job deletes it)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_location"
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    mode = models.CharField(
        _("travel mode"), max_length=10, choices=TravelMode.choices, default=TravelMode.CAR
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("user location")
        verbose_name_plural = _("user locations")

    def __str__(self) -> str:
        return f"{self.user} ({self.recorded_at:%H:%M})"


def default_peak_windows() -> list[dict]:
    """Dakar's rush hours on working days (Monday–Friday), local time."""
    return [
        {"days": [0, 1, 2, 3, 4], "start": "07:00", "end": "09:00", "factor": 1.8},
        {"days": [0, 1, 2, 3, 4], "start": "17:00", "end": "20:00", "factor": 2.0},
        # Friday prayer: the roads around the mosques fill from 13 h to 15 h.
        {"days": [4], "start": "13:00", "end": "15:00", "factor": 1.5},
    ]


class TravelModel(BaseModel):
    """The parameters of the travel-time model (one row per city; ``dakar`` is the
    default). Staff change them in the admin or through the API; see
    ``selectors.travel`` for the model itself."""

    slug = models.SlugField(_("slug"), unique=True, default="dakar")
    name = models.CharField(_("name"), max_length=100, default="Dakar")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Africa/Dakar")
    detour_factor = models.DecimalField(
        _("road detour factor"),
        max_digits=4,
        decimal_places=2,
        default=1.35,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text=_("Road distance over straight-line distance."),
    )
    car_kmh = models.DecimalField(_("car speed (km/h)"), max_digits=5, decimal_places=1, default=30)
    taxi_kmh = models.DecimalField(
        _("taxi speed (km/h)"), max_digits=5, decimal_places=1, default=28
    )
    public_kmh = models.DecimalField(
        _("public transport speed (km/h)"), max_digits=5, decimal_places=1, default=15
    )
    walk_kmh = models.DecimalField(
        _("walking speed (km/h)"), max_digits=5, decimal_places=1, default=4.5
    )
    public_wait_minutes = models.PositiveSmallIntegerField(
        _("public transport wait (minutes)"), default=10
    )
    taxi_pickup_minutes = models.PositiveSmallIntegerField(_("taxi pickup (minutes)"), default=5)
    peak_windows = models.JSONField(_("peak windows"), default=default_peak_windows, blank=True)
    weekend_factor = models.DecimalField(
        _("weekend factor"),
        max_digits=4,
        decimal_places=2,
        default=0.85,
        validators=[MinValueValidator(0.2), MaxValueValidator(5)],
    )
    night_factor = models.DecimalField(
        _("night factor (22 h–6 h)"),
        max_digits=4,
        decimal_places=2,
        default=0.7,
        validators=[MinValueValidator(0.2), MaxValueValidator(5)],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("travel-time model")
        verbose_name_plural = _("travel-time models")

    def __str__(self) -> str:
        return self.name
