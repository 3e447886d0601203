"""B2B subscriptions: the plans an organisation subscribes to (starter, business,
enterprise), with their features and limits, paid monthly or yearly."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.limits import DESCRIPTION_MAX_LENGTH
from teranga.core.models import BaseModel
from teranga.core.money import CURRENCY_CHOICES


class Plan(BaseModel):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    #: Feature flags, e.g. ``["sms", "analytics", "api"]``.
    features = models.JSONField(_("features"), default=list, blank=True)
    #: Limits, e.g. ``{"branches": 3, "counters": 10, "sms_per_month": 1000}``; a missing
    #: key (or null) means unlimited.
    limits = models.JSONField(_("limits"), default=dict, blank=True)
    price_monthly_xof = models.PositiveBigIntegerField(_("monthly price (XOF)"))
    price_yearly_xof = models.PositiveBigIntegerField(_("yearly price (XOF)"))
    price_monthly_eur = models.PositiveBigIntegerField(_("monthly price (EUR cents)"))
    price_yearly_eur = models.PositiveBigIntegerField(_("yearly price (EUR cents)"))
    is_active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    def price(self, *, period: str, currency: str) -> int:
        return int(getattr(self, f"price_{period}_{currency.lower()}"))


class BillingPeriod(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    YEARLY = "yearly", _("Yearly")


class SubscriptionStatus(models.TextChoices):
    INCOMPLETE = "incomplete", _("Awaiting first payment")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due (grace period)")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")


class Subscription(BaseModel):
    organization = models.OneToOneField(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="subscription",
        verbose_name=_("organisation"),
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    period = models.CharField(_("billing period"), max_length=8, choices=BillingPeriod.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.INCOMPLETE,
    )
    current_period_start = models.DateTimeField(_("current period start"), null=True, blank=True)
    current_period_end = models.DateTimeField(_("current period end"), null=True, blank=True)
    grace_until = models.DateTimeField(_("grace period until"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(_("cancel at period end"), default=False)
    # A plan change chosen for the next period (applied at renewal).
    next_plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    next_period = models.CharField(max_length=8, choices=BillingPeriod.choices, blank=True)
    renewal_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        indexes = [
            models.Index(fields=["status", "current_period_end"], name="pay_sub_status_end_idx"),
            models.Index(fields=["status", "grace_until"], name="pay_sub_status_grace_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.plan_id} ({self.status})"


class SubscriptionEvent(BaseModel):
    """Append-only history of a subscription (created, renewed, past due, suspended …)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    payment = models.ForeignKey(
        "payments.Payment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("subscription event")
        verbose_name_plural = _("subscription events")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"
