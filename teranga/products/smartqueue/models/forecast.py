"""Arrival forecasts (per branch, service and local hour) and the organisation's
staffing target (``forecasting``, ``staffing``)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.models import BaseModel

from .catalog import QueueService

DEFAULT_TARGET_WAIT_MINUTES = 15
DEFAULT_TARGET_SERVICE_LEVEL = 80


class ArrivalForecast(BaseModel):
    """The tickets expected at a branch for a service in one hour (``hour_start``, UTC,
    the start of a local hour), with a 90 % prediction interval. Only the open hours of
    the next days have a row; the nightly job (and a manager, on demand) replaces the
    future rows, past ones are kept for a while (what was forecast)."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    branch = models.ForeignKey(
        "organizations.Branch", on_delete=models.CASCADE, related_name="arrival_forecasts"
    )
    service = models.ForeignKey(
        QueueService, on_delete=models.CASCADE, related_name="arrival_forecasts"
    )
    hour_start = models.DateTimeField(_("hour"))
    expected = models.FloatField(_("expected tickets"))
    low = models.PositiveIntegerField(_("low (5 %)"))
    high = models.PositiveIntegerField(_("high (95 %)"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["hour_start", "branch", "service"]
        verbose_name = _("arrival forecast")
        verbose_name_plural = _("arrival forecasts")
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "service", "hour_start"], name="sq_forecast_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(low__lte=models.F("high")), name="sq_forecast_interval"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "hour_start"], name="sq_forecast_org_idx"),
            models.Index(fields=["branch", "hour_start"], name="sq_forecast_branch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service} @ {self.hour_start:%Y-%m-%d %H:%M}: {self.expected}"


class StaffingTarget(BaseModel):
    """The wait an organisation promises: ``service_level`` % of clients called within
    ``wait_minutes`` (the staffing advice's target)."""

    organization = models.OneToOneField(
        "organizations.Organization", on_delete=models.CASCADE, related_name="staffing_target"
    )
    wait_minutes = models.PositiveSmallIntegerField(
        _("target wait (minutes)"),
        default=DEFAULT_TARGET_WAIT_MINUTES,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    service_level = models.PositiveSmallIntegerField(
        _("clients served within the target wait (%)"),
        default=DEFAULT_TARGET_SERVICE_LEVEL,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )

    class Meta:
        ordering = ["organization"]
        verbose_name = _("staffing target")
        verbose_name_plural = _("staffing targets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wait_minutes__gte=1, wait_minutes__lte=240),
                name="sq_target_wait_range",
            ),
            models.CheckConstraint(
                condition=models.Q(service_level__gte=1, service_level__lte=99),
                name="sq_target_level_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.service_level} % ≤ {self.wait_minutes} min"
