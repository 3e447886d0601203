"""Signal plans and members' subscriptions to an academy's signals (issue 19).

* The academy's managers create and change its plans (:func:`signal_plan_create`,
  :func:`signal_plan_update`; ``is_active`` false deactivates one: members no longer see
  or buy it, the periods already paid run to their end). A plan is in the academy's
  currency.
* A member chooses a plan (:func:`signal_subscription_choose`): their subscription at the
  academy (one per member and academy) now names it, and they pay it through the payments
  module (the payable ``academy.signal_subscription``, ``payables``).
* A payment that succeeded adds the period it paid for
  (:func:`signal_subscription_extend`): a renewal while the subscription runs starts at
  its current end; after a lapse (or the first time), at the payment. Once per payment
  (the period is unique per payment, written under the subscription's row lock).
* A full refund ends the period it paid for (:func:`signal_period_refunded`): the part
  not yet used is taken off, and the periods bought after it move up by as much, so the
  member keeps exactly what they still pay for.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, ValidationFailed, refuse_unknown_fields
from teranga.platform.organizations.models import Organization, OrganizationKind

from ..errors import AcademyError
from ..models_plans import (
    PLAN_MAX_DAYS,
    SignalPlan,
    SignalSubscription,
    SignalSubscriptionPeriod,
)
from .formations import MAX_PRICE

PLAN_FIELDS = ("name", "description", "price_amount", "duration_days", "is_active", "position")


class SubscriptionUnavailable(Exception):
    """The subscription a payment was for is gone (the payment is then refunded)."""


def _apply(plan: SignalPlan, fields: dict[str, Any]) -> None:
    if "price_amount" in fields and not 0 <= int(fields["price_amount"]) <= MAX_PRICE:
        raise ValidationFailed(fields={"price_amount": [_("This price is out of range.")]})
    if "duration_days" in fields and not 1 <= int(fields["duration_days"]) <= PLAN_MAX_DAYS:
        raise ValidationFailed(fields={"duration_days": [_("This duration is out of range.")]})
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationFailed(fields={"name": [_("This field may not be blank.")]})
    if "description" in fields:
        fields["description"] = (fields["description"] or "").strip()
    for name, value in fields.items():
        setattr(plan, name, value)


@transaction.atomic
def signal_plan_create(*, organization: Organization, **fields: Any) -> SignalPlan:
    """A plan of ``organization`` (an academy: 400 ``organization_kind_not_supported``
    otherwise), in its currency."""
    refuse_unknown_fields(fields, PLAN_FIELDS)
    if organization.kind != OrganizationKind.ACADEMY:
        raise ValidationFailed(
            _("Only an academy offers signal plans."),
            code=AcademyError.ORGANIZATION_KIND_NOT_SUPPORTED,
        )
    plan = SignalPlan(organization=organization, currency=organization.currency)
    _apply(plan, dict(fields))
    plan.save()
    return plan


@transaction.atomic
def signal_plan_update(*, plan: SignalPlan, **fields: Any) -> SignalPlan:
    """Change any field of the plan; ``is_active`` false deactivates it. A new price
    applies to the next payments, not to the periods already paid."""
    refuse_unknown_fields(fields, PLAN_FIELDS)
    plan = SignalPlan.objects.select_for_update().get(pk=plan.pk)
    _apply(plan, dict(fields))
    plan.save()
    return plan


def signal_subscription_choose(*, user, plan: SignalPlan) -> tuple[SignalSubscription, bool]:
    """The member's subscription at the plan's academy, now naming ``plan`` (the one their
    next payment buys). ``created``: whether it did not exist. Two racing requests end with
    one row (the unique constraint; the loser reads the winner's). 409
    ``signal_plan_inactive`` for a deactivated plan."""
    if not plan.is_active:
        raise Conflict(
            _("This signal plan is no longer offered: choose another one."),
            code=AcademyError.SIGNAL_PLAN_INACTIVE,
        )
    try:
        with transaction.atomic():
            subscription = (
                SignalSubscription.objects.select_for_update()
                .filter(organization_id=plan.organization_id, user=user)
                .first()
            )
            if subscription is None:
                subscription = SignalSubscription.objects.create(
                    organization_id=plan.organization_id, user=user, plan=plan
                )
                return subscription, True
    except IntegrityError:
        return signal_subscription_choose(user=user, plan=plan)
    if subscription.plan_id != plan.pk:
        subscription.plan = plan
        subscription.save(update_fields=["plan", "updated_at"])
    return subscription, False


def _paid_plan(subscription: SignalSubscription, payment) -> tuple[SignalPlan, int]:
    """The plan and the number of days the payment bought (its quote's metadata, so a
    plan changed or deactivated since still gives what was paid for)."""
    metadata = payment.metadata or {}
    plan = subscription.plan
    if metadata.get("plan") and metadata["plan"] != str(plan.pk):
        plan = SignalPlan.objects.filter(pk=metadata["plan"]).first() or plan
    try:
        days = int(metadata.get("duration_days") or plan.duration_days)
    except (TypeError, ValueError):
        days = plan.duration_days
    return plan, max(1, min(days, PLAN_MAX_DAYS))


@transaction.atomic
def signal_subscription_extend(*, subscription_id, payment, now=None) -> SignalSubscription:
    """A payment for the subscription succeeded: add the period it paid for (once per
    payment). Raises :class:`SubscriptionUnavailable` when the subscription is gone."""
    subscription = SignalSubscription.objects.select_for_update().filter(pk=subscription_id).first()
    if subscription is None:
        raise SubscriptionUnavailable("signal subscription not found")
    if SignalSubscriptionPeriod.objects.filter(payment=payment).exists():
        return subscription  # fulfilled already: extended once
    now = now or timezone.now()
    plan, days = _paid_plan(subscription, payment)
    running = subscription.ends_at is not None and subscription.ends_at > now
    start = subscription.ends_at if running else now
    end = start + timedelta(days=days)
    SignalSubscriptionPeriod.objects.create(
        subscription=subscription,
        plan=plan,
        payment=payment,
        amount=int(payment.amount),
        currency=payment.currency,
        starts_at=start,
        ends_at=end,
    )
    if not running:
        subscription.starts_at = start
    subscription.ends_at = end
    subscription.save(update_fields=["starts_at", "ends_at", "updated_at"])
    return subscription


@transaction.atomic
def signal_period_refunded(*, payment, now=None) -> SignalSubscriptionPeriod | None:
    """The payment was refunded in full: its period ends now (or never starts), the
    periods after it move up by what was taken off, and so does the subscription's end.
    Once: a period already refunded is left as it is."""
    found = SignalSubscriptionPeriod.objects.filter(payment=payment).values_list(
        "subscription_id", flat=True
    )
    subscription_id = found.first()
    if subscription_id is None:
        return None
    subscription = SignalSubscription.objects.select_for_update().get(pk=subscription_id)
    period = SignalSubscriptionPeriod.objects.select_for_update().get(payment=payment)
    if period.refunded_at is not None:
        return period
    now = now or timezone.now()
    cut = max(now, period.starts_at)
    removed = max(period.ends_at - cut, timedelta(0))
    old_end = period.ends_at
    period.refunded_at = now
    if removed:
        period.ends_at = cut
        later = SignalSubscriptionPeriod.objects.select_for_update().filter(
            subscription=subscription, refunded_at__isnull=True, starts_at__gte=old_end
        )
        for row in later.exclude(pk=period.pk):
            row.starts_at -= removed
            row.ends_at -= removed
            row.save(update_fields=["starts_at", "ends_at", "updated_at"])
        subscription.ends_at = max(subscription.ends_at - removed, subscription.starts_at)
        subscription.save(update_fields=["ends_at", "updated_at"])
    period.save(update_fields=["refunded_at", "ends_at", "updated_at"])
    return period
