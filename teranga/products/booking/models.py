"""Booking (seed 001): businesses publish services; clients reserve them.

A service is provided by one scheduling resource (a staff member, a room, or the
service itself) whose availability rules give its slots. A reservation is the product's
side of a scheduling ``Booking``: which service, at what price, with the client's note.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.models import BaseModel
from teranga.core.money import CURRENCY_CHOICES, Money
from teranga.core.validators import validate_image_content
from teranga.platform.scheduling.availability import SlotPolicy

#: Duration limits of a service, in minutes (multiples of DURATION_STEP).
DURATION_MIN, DURATION_MAX, DURATION_STEP = 5, 8 * 60, 5
#: Price limits per currency, in minor units (0 is allowed: a free service).
PRICE_LIMITS: dict[str, tuple[int, int]] = {
    "XOF": (100, 5_000_000),  # 100 F CFA to 5 million F CFA
    "EUR": (100, 1_000_000),  # 1 € to 10 000 €
}
MAX_IMAGES = 8


class ServiceCategory(BaseModel):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

    def __str__(self) -> str:
        return self.name


class Tag(BaseModel):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Service(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="booking_services"
    )
    resource = models.ForeignKey(
        "scheduling.Resource",
        on_delete=models.PROTECT,
        related_name="booking_services",
        help_text=_("Who or what provides the service; its availability gives the slots."),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="services",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="services")
    price_amount = models.PositiveIntegerField(_("price (minor units)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        validators=[MinValueValidator(DURATION_MIN), MaxValueValidator(DURATION_MAX)],
    )
    buffer_before_minutes = models.PositiveIntegerField(
        _("buffer before (minutes)"), default=0, validators=[MaxValueValidator(240)]
    )
    buffer_after_minutes = models.PositiveIntegerField(
        _("buffer after (minutes)"), default=0, validators=[MaxValueValidator(240)]
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"), default=60, validators=[MaxValueValidator(60 * 24 * 30)]
    )
    max_advance_days = models.PositiveIntegerField(
        _("maximum advance (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    capacity = models.PositiveIntegerField(
        _("capacity per slot"), default=1, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    requires_confirmation = models.BooleanField(
        _("requires confirmation"),
        default=False,
        help_text=_("Reservations stay pending until the business confirms them."),
    )
    cancellation_notice_hours = models.PositiveIntegerField(
        _("client cancellation notice (hours)"),
        default=24,
        validators=[MaxValueValidator(24 * 30)],
        help_text=_("Clients cannot cancel less than this many hours ahead."),
    )
    reschedule_notice_hours = models.PositiveIntegerField(
        _("client reschedule notice (hours)"), default=24, validators=[MaxValueValidator(24 * 30)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=DURATION_MIN)
                & models.Q(duration_minutes__lte=DURATION_MAX),
                name="booking_service_duration_range",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="booking_service_capacity"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "is_active"], name="booking_service_org_idx"),
            models.Index(fields=["is_active", "category"], name="booking_service_cat_idx"),
            models.Index(fields=["is_active", "price_amount"], name="booking_service_price_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)

    @property
    def offering_key(self) -> str:
        """How the scheduling engine names this service's slots."""
        return f"booking.service:{self.pk}"

    def slot_policy(self) -> SlotPolicy:
        return SlotPolicy(
            duration=timedelta(minutes=self.duration_minutes),
            buffer_before=timedelta(minutes=self.buffer_before_minutes),
            buffer_after=timedelta(minutes=self.buffer_after_minutes),
            min_notice=timedelta(minutes=self.min_notice_minutes),
            max_advance=timedelta(days=self.max_advance_days),
            capacity=self.capacity,
        )

    @property
    def cancellation_notice(self) -> timedelta:
        return timedelta(hours=self.cancellation_notice_hours)

    @property
    def reschedule_notice(self) -> timedelta:
        return timedelta(hours=self.reschedule_notice_hours)


def service_image_path(instance: ServiceImage, filename: str) -> str:
    return f"booking/services/{instance.service_id}/{uuid.uuid4().hex}"


class ServiceImage(BaseModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        _("image"), upload_to=service_image_path, validators=[validate_image_content]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "created_at"]
        verbose_name = _("service image")
        verbose_name_plural = _("service images")

    def __str__(self) -> str:
        return f"{self.service} #{self.position}"


class Reservation(BaseModel):
    """The Booking product's side of a scheduling booking."""

    booking = models.OneToOneField(
        "scheduling.Booking", on_delete=models.CASCADE, related_name="reservation"
    )
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="reservations"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="reservations")
    price_amount = models.PositiveIntegerField(_("price (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    client_note = models.TextField(_("client's note"), blank=True, max_length=1000)

    class Meta(BaseModel.Meta):
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        indexes = [
            models.Index(fields=["organization", "service"], name="booking_resa_org_service_idx")
        ]

    def __str__(self) -> str:
        return f"{self.service} — {self.booking.starts_at:%Y-%m-%d %H:%M}"

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)
