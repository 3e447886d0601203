"""Booking (seed 001): businesses publish services; clients reserve them.

A service is provided by one scheduling resource (a staff member, a room, or the
service itself) whose availability rules give its slots. A reservation is the product's
side of a scheduling ``Booking``: which service, at what price, with the client's note.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.encryption import EncryptedTextField, PhoneHashField
from teranga.core.limits import DESCRIPTION_MAX_LENGTH
from teranga.core.models import BaseModel
from teranga.core.money import CURRENCY_CHOICES, Money
from teranga.core.storage import public_media_storage
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
#: A deposit given as a percentage of the price: 1 to 99 (100 % is ``online_full``).
DEPOSIT_PERCENT_MIN, DEPOSIT_PERCENT_MAX = 1, 99


class PaymentMode(models.TextChoices):
    """How a service is paid. Online modes keep the reservation pending (a hold) until
    the payment succeeds; a free service is always paid on site (nothing to pay)."""

    ONLINE_FULL = "online_full", _("paid online in full")
    DEPOSIT = "deposit", _("deposit online, the rest on site")
    ON_SITE = "on_site", _("paid on site")


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
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
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
    payment_mode = models.CharField(
        _("payment mode"),
        max_length=12,
        choices=PaymentMode.choices,
        default=PaymentMode.ONLINE_FULL,
        help_text=_(
            "Online modes are paid before the reservation is confirmed; a free service "
            "is always paid on site."
        ),
    )
    deposit_amount = models.PositiveIntegerField(_("deposit (minor units)"), null=True, blank=True)
    deposit_percent = models.PositiveSmallIntegerField(
        _("deposit (percentage of the price)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(DEPOSIT_PERCENT_MIN), MaxValueValidator(DEPOSIT_PERCENT_MAX)],
    )
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
            # A free service has nothing to pay online.
            models.CheckConstraint(
                condition=models.Q(price_amount__gt=0) | models.Q(payment_mode=PaymentMode.ON_SITE),
                name="booking_service_free_on_site",
            ),
            # Exactly one deposit rule for a deposit, none otherwise.
            models.CheckConstraint(
                condition=(
                    models.Q(payment_mode=PaymentMode.DEPOSIT)
                    & (
                        models.Q(deposit_amount__isnull=False, deposit_percent__isnull=True)
                        | models.Q(deposit_amount__isnull=True, deposit_percent__isnull=False)
                    )
                )
                | (
                    ~models.Q(payment_mode=PaymentMode.DEPOSIT)
                    & models.Q(deposit_amount__isnull=True, deposit_percent__isnull=True)
                ),
                name="booking_service_deposit_rule",
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
    def amount_due_online(self) -> int:
        """What a reservation pays online before it is confirmed (minor units): the whole
        price, the deposit, or 0 (paid on site, or free)."""
        if self.price_amount == 0 or self.payment_mode == PaymentMode.ON_SITE:
            return 0
        if self.payment_mode == PaymentMode.DEPOSIT:
            if self.deposit_amount is not None:
                return min(self.deposit_amount, self.price_amount)
            # Rounded up to the minor unit: a deposit is never below its percentage.
            return min(
                -(-self.price_amount * (self.deposit_percent or 0) // 100), self.price_amount
            )
        return self.price_amount

    @property
    def amount_due_on_site(self) -> int:
        return self.price_amount - self.amount_due_online

    def payment_errors(self) -> dict[str, list[str]]:
        """What is wrong with the payment mode and deposit against the price (by field);
        empty when they agree. A deposit lies between the currency's minimum price and
        the price itself (excluded: the whole price is ``online_full``)."""
        deposit_fields = ("deposit_amount", "deposit_percent")
        if self.payment_mode != PaymentMode.DEPOSIT:
            given = [name for name in deposit_fields if getattr(self, name) is not None]
            message = _("A deposit is only for the payment mode “deposit”.")
            return {name: [message] for name in given}
        if self.price_amount == 0:
            return {"payment_mode": [_("A free service is paid on site.")]}
        if (self.deposit_amount is None) == (self.deposit_percent is None):
            return {"deposit_amount": [_("Give the deposit as an amount or as a percentage.")]}
        low = PRICE_LIMITS.get(self.currency, (1, 0))[0]
        due = self.amount_due_online
        if not low <= due < self.price_amount:
            message = _(
                "The deposit must be at least %(min)s and less than the price (%(price)s)."
            ) % {"min": Money(low, self.currency).format(), "price": self.price.format()}
            field = "deposit_amount" if self.deposit_amount is not None else "deposit_percent"
            return {field: [message]}
        return {}

    def clean(self) -> None:
        # A free service is always paid on site (Django's documented place to settle a
        # field from the others before validating them).
        if self.price_amount == 0:
            self.payment_mode = PaymentMode.ON_SITE
            self.deposit_amount = self.deposit_percent = None
        errors = self.payment_errors()
        if errors:
            raise ValidationError(errors)

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
    """A fresh name with the real extension (service_image_add re-encodes every image and
    names it by its format; any other name gets no extension)."""
    from teranga.core.images import stored_extension

    return f"booking/services/{instance.service_id}/{uuid.uuid4().hex}{stored_extension(filename)}"


class ServiceImage(BaseModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        _("image"),
        upload_to=service_image_path,
        storage=public_media_storage,
        validators=[validate_image_content],
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
    #: The service's payment terms when it was booked (the service may change since).
    payment_mode = models.CharField(
        _("payment mode"), max_length=12, choices=PaymentMode.choices, default=PaymentMode.ON_SITE
    )
    online_amount = models.PositiveIntegerField(
        _("paid online before confirmation (minor units)"),
        default=0,
        help_text=_("The whole price or the deposit; 0 when it is paid on site."),
    )
    client_note = models.TextField(_("client's note"), blank=True, max_length=1000)
    #: A guest's reservation (booked on the public page without an account: the
    #: booking's client is null): the name they gave and the phone they verified by SMS.
    guest_name = models.CharField(_("guest's name"), max_length=120, blank=True)
    guest_phone = EncryptedTextField(_("guest's phone (E.164)"), max_length=20, blank=True)
    guest_phone_hash = PhoneHashField(source="guest_phone")

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

    @property
    def amount_due_online(self) -> Money:
        return Money(self.online_amount, self.currency)

    @property
    def amount_due_on_site(self) -> Money:
        return Money(self.price_amount - self.online_amount, self.currency)


# --- Public booking pages (``/b/<slug>/``) ----------------------------------------------------

#: A slug of a public page: letters, digits and single hyphens, 3 to 60 characters.
PUBLIC_SLUG_MIN, PUBLIC_SLUG_MAX = 3, 60


class PublicPage(BaseModel):
    """A business's public booking page (``/b/<slug>/``), its own record rather than the
    organisation's slug: the business chooses and changes it without renaming the
    organisation (whose slug other products and links use), turns the page on and off,
    and registers the host names that serve it. Served only while enabled and while the
    organisation is verified."""

    organization = models.OneToOneField(
        "organizations.Organization", on_delete=models.CASCADE, related_name="booking_page"
    )
    slug = models.SlugField(_("address (slug)"), max_length=PUBLIC_SLUG_MAX, unique=True)
    is_enabled = models.BooleanField(_("enabled"), default=False)

    class Meta(BaseModel.Meta):
        verbose_name = _("public booking page")
        verbose_name_plural = _("public booking pages")
        indexes = [models.Index(fields=["is_enabled"], name="booking_page_enabled_idx")]

    def __str__(self) -> str:
        return f"/b/{self.slug}/"


class PublicPageHost(BaseModel):
    """A host name that serves a public page (the allow-list its business registers):
    its own domain (``salon-ndeye.example.sn``) or a sub-domain of
    ``PAGES_BASE_DOMAIN``."""

    page = models.ForeignKey(PublicPage, on_delete=models.CASCADE, related_name="hosts")
    host = models.CharField(_("host name"), max_length=253, unique=True)

    class Meta:
        ordering = ["host"]
        verbose_name = _("public page host")
        verbose_name_plural = _("public page hosts")

    def __str__(self) -> str:
        return self.host


class GuestCheck(BaseModel):
    """A guest's booking awaiting their phone's SMS code: what they asked for (service,
    time, name, phone) and the code's hash (never the code), with its expiry and the
    attempts left. Used once: ``used_at`` is set when the reservation is made."""

    page = models.ForeignKey(PublicPage, on_delete=models.CASCADE, related_name="guest_checks")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="guest_checks")
    starts_at = models.DateTimeField(_("starts at"))
    name = models.CharField(_("name"), max_length=120)
    phone = EncryptedTextField(_("phone (E.164)"), max_length=20)
    phone_hash = PhoneHashField(source="phone", db_index=False)
    client_note = models.TextField(_("client's note"), blank=True, max_length=1000)
    code_hash = models.CharField(_("code hash"), max_length=200)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("guest phone check")
        verbose_name_plural = _("guest phone checks")
        indexes = [
            models.Index(fields=["phone_hash", "created_at"], name="booking_guestcheck_phone_idx"),
            models.Index(fields=["expires_at"], name="booking_guestcheck_exp_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} — {self.starts_at:%Y-%m-%d %H:%M}"
