"""Signal plans of the Academy (issue 19): what a member buys to receive the academy's
trading signals.

* :class:`SignalPlan` — an offer of one academy: a name, a description, a price (integer
  minor units and a currency) for a duration in days (30: monthly, 90: quarterly), an
  active flag (a plan is deactivated, never deleted: periods keep pointing at it) and a
  position in the academy's list.
* :class:`SignalSubscription` — one member's right to one academy's signals, unique per
  member and academy, **from ``starts_at`` to ``ends_at``** (both null until a first
  payment). ``plan`` is the plan the member chose last: the one their next payment buys.
  The member is a subscriber while ``starts_at <= now < ends_at``.
* :class:`SignalSubscriptionPeriod` — what one payment bought (unique per payment: a
  payment fulfilled twice extends once): the plan, the price paid, and the stretch of
  time it added. A renewal before the end starts at the current end; after a lapse, at
  the payment. A full refund ends the period it paid for (see ``services.plans``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from teranga.core.limits import DESCRIPTION_MAX_LENGTH
from teranga.core.models import BaseModel
from teranga.core.money import CURRENCY_CHOICES

__all__ = [
    "PLAN_MAX_DAYS",
    "PLAN_NAME_MAX_LENGTH",
    "SignalPlan",
    "SignalSubscription",
    "SignalSubscriptionPeriod",
]

PLAN_NAME_MAX_LENGTH = 100
#: The longest a plan may last (two years).
PLAN_MAX_DAYS = 730


class SignalPlan(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="academy_signal_plans",
        verbose_name=_("academy"),
    )
    name = models.CharField(_("name"), max_length=PLAN_NAME_MAX_LENGTH)
    #: Plain text.
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    price_amount = models.PositiveBigIntegerField(_("price (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    duration_days = models.PositiveSmallIntegerField(
        _("duration (days)"), validators=[MinValueValidator(1), MaxValueValidator(PLAN_MAX_DAYS)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta(BaseModel.Meta):
        ordering = ["position", "name", "id"]
        verbose_name = _("signal plan")
        verbose_name_plural = _("signal plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_days__gte=1) & Q(duration_days__lte=PLAN_MAX_DAYS),
                name="acad_signal_plan_duration",
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "is_active", "position"], name="acad_signal_plan_org_idx"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SignalSubscription(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("academy"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="academy_signal_subscriptions",
        verbose_name=_("member"),
    )
    #: The plan chosen last: the one the next payment buys.
    plan = models.ForeignKey(
        SignalPlan, on_delete=models.PROTECT, related_name="+", verbose_name=_("plan")
    )
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("signal subscription")
        verbose_name_plural = _("signal subscriptions")
        constraints = [
            # One right per member and academy (also the lookup of ``is_subscriber``).
            models.UniqueConstraint(
                fields=["organization", "user"], name="acad_signal_sub_org_user_unique"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(starts_at__lte=F("ends_at")),
                name="acad_signal_sub_times",
            ),
        ]
        indexes = [
            # The subscribers of an academy (``signal_subscribers``): those whose right
            # ends after now.
            models.Index(fields=["organization", "ends_at"], name="acad_signal_sub_ends_idx"),
            models.Index(fields=["user", "ends_at"], name="acad_signal_sub_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class SignalSubscriptionPeriod(BaseModel):
    subscription = models.ForeignKey(
        SignalSubscription,
        on_delete=models.CASCADE,
        related_name="periods",
        verbose_name=_("subscription"),
    )
    plan = models.ForeignKey(
        SignalPlan, on_delete=models.PROTECT, related_name="+", verbose_name=_("plan")
    )
    payment = models.OneToOneField(
        "payments.Payment",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payment"),
    )
    amount = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        ordering = ["starts_at", "id"]
        verbose_name = _("signal subscription period")
        verbose_name_plural = _("signal subscription periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lte=F("ends_at")), name="acad_signal_period_times"
            )
        ]
        indexes = [
            models.Index(fields=["subscription", "starts_at"], name="acad_signal_period_sub_idx")
        ]

    def __str__(self) -> str:
        return f"{self.subscription} {self.starts_at:%Y-%m-%d}–{self.ends_at:%Y-%m-%d}"
