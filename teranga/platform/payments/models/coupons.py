"""Coupons and promotions: a percentage or a fixed amount off, within a window, a number
of uses in total and per user, and a scope (the whole organisation, or one product object
such as an event or a service)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from teranga.core.models import BaseModel
from teranga.core.money import CURRENCY_CHOICES


class CouponKind(models.TextChoices):
    PERCENT = "percent", _("Percentage")
    FIXED = "fixed", _("Fixed amount")


class Coupon(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="coupons",
        verbose_name=_("organisation"),
    )
    code = models.CharField(_("code"), max_length=40)  # compared case-insensitively
    description = models.CharField(_("description"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=CouponKind.choices)
    percent_off = models.PositiveSmallIntegerField(
        _("percent off"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    amount_off = models.PositiveBigIntegerField(
        _("amount off (minor units)"), null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, blank=True)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    max_uses = models.PositiveIntegerField(_("uses in total"), null=True, blank=True)
    max_uses_per_user = models.PositiveIntegerField(_("uses per user"), null=True, blank=True)
    # Held and used redemptions; kept in step by the coupon services under a row lock.
    uses_count = models.PositiveIntegerField(_("uses"), default=0)
    # Empty: any purchase from the organisation. Otherwise a scope a payable declares for
    # its object (``("clinic.service", "<id>")``, ``("clinic.event", "<id>")`` …).
    scope_type = models.CharField(_("scope type"), max_length=64, blank=True)
    scope_id = models.CharField(_("scope id"), max_length=64, blank=True)
    stackable = models.BooleanField(_("combinable with other coupons"), default=False)
    min_amount = models.PositiveBigIntegerField(_("minimum purchase (minor units)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            models.UniqueConstraint(
                "organization", Upper("code"), name="pay_coupon_org_code_unique"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="percent", percent_off__isnull=False, amount_off__isnull=True)
                    | Q(kind="fixed", amount_off__isnull=False, percent_off__isnull=True)
                ),
                name="pay_coupon_kind_value",
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses_count__lte=models.F("max_uses")),
                name="pay_coupon_uses_within_max",
            ),
        ]
        indexes = [models.Index(fields=["organization", "is_active"], name="pay_coupon_org_idx")]

    def __str__(self) -> str:
        return self.code


class RedemptionStatus(models.TextChoices):
    HELD = "held", _("Held (payment in progress)")
    USED = "used", _("Used")
    RELEASED = "released", _("Released")


class CouponRedemption(BaseModel):
    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coupon_redemptions",
    )
    payment = models.ForeignKey(
        "payments.Payment", on_delete=models.CASCADE, related_name="coupon_redemptions"
    )
    discount_amount = models.PositiveBigIntegerField(_("discount (minor units)"))
    status = models.CharField(
        _("status"), max_length=10, choices=RedemptionStatus.choices, default=RedemptionStatus.HELD
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("coupon redemption")
        verbose_name_plural = _("coupon redemptions")
        constraints = [
            models.UniqueConstraint(fields=["coupon", "payment"], name="pay_redemption_unique")
        ]
        indexes = [
            models.Index(fields=["coupon", "user", "status"], name="pay_redemption_user_idx")
        ]

    def __str__(self) -> str:
        return f"{self.coupon_id} → {self.payment_id} ({self.status})"
