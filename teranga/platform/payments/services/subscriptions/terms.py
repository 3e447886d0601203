"""The terms of a subscription: who sells it, what a period is, what the next payment
costs and when it may be made, and the limits and features in force (plan or free
tier)."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict
from teranga.platform.organizations.models import (
    Organization,
    OrganizationKind,
    VerificationStatus,
)
from teranga.platform.payments.errors import PaymentError

from ...extensions import plan_features, plan_limits
from ...models import BillingPeriod, Plan, Subscription, SubscriptionStatus

S = SubscriptionStatus
PAYABLE = "payments.subscription"
SUBSCRIPTION_VIEW = "subscription.view"
SUBSCRIPTION_MANAGE = "subscription.manage"
REMINDER_DAYS = 7
EARLY_PAYMENT_DAYS = 7
#: The platform's own limit; products declare theirs in their contract (``plan_limits``).
BRANCHES = "branches"


def free_tier_limits() -> dict[str, int | None]:
    """Limits of an organisation without a subscription in force (every declared limit)."""
    return {key: limit.free_tier for key, limit in plan_limits.items()}


def free_tier_features() -> list[str]:
    return [key for key, feature in plan_features.items() if feature.free_tier]
#: The statuses whose plan is in force (the others get the free tier).
PLAN_IN_FORCE = (S.ACTIVE, S.PAST_DUE)


def grace_days() -> int:
    return int(getattr(settings, "SUBSCRIPTION_GRACE_DAYS", 7))


def platform_organization() -> Organization:
    """The organisation that sells the subscriptions (Teranga itself)."""
    organization, _created = Organization.objects.get_or_create(
        slug=getattr(settings, "PLATFORM_ORGANIZATION_SLUG", "teranga"),
        defaults={
            "name": "Teranga",
            "kind": OrganizationKind.OTHER,
            "verification_status": VerificationStatus.VERIFIED,
            "verified_at": timezone.now(),
            "country": "SN",
            "currency": "XOF",
        },
    )
    return organization


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_end(start: datetime, period: str) -> datetime:
    return add_months(start, 12 if period == BillingPeriod.YEARLY else 1)


def next_plan_and_period(subscription: Subscription) -> tuple[Plan, str]:
    """What the next payment buys: the pending change if any, else the current plan."""
    return (
        subscription.next_plan or subscription.plan,
        subscription.next_period or subscription.period,
    )


def next_amount(subscription: Subscription) -> int:
    plan, period = next_plan_and_period(subscription)
    return plan.price(period=period, currency=subscription.currency)


def refusal_to_pay(subscription: Subscription, *, now: datetime | None = None) -> Conflict | None:
    """Why the subscription cannot be paid for now (None: it can)."""
    now = now or timezone.now()
    if subscription.status == S.CANCELLED:
        return Conflict(_("This subscription has ended."), code=PaymentError.SUBSCRIPTION_CANCELLED)
    pending = bool(subscription.next_plan_id or subscription.next_period)
    end = subscription.current_period_end
    if (
        subscription.status == S.ACTIVE
        and not pending
        and end is not None
        and end - now > timedelta(days=EARLY_PAYMENT_DAYS)
    ):
        return Conflict(
            _("This subscription is paid until %(date)s.") % {"date": end.date().isoformat()},
            code=PaymentError.SUBSCRIPTION_ALREADY_PAID,
        )
    return None


# --- Limits for the products --------------------------------------------------------------


def _plan_in_force(organization) -> Plan | None:
    subscription = (
        Subscription.objects.filter(
            organization_id=getattr(organization, "pk", organization), status__in=PLAN_IN_FORCE
        )
        .select_related("plan")
        .first()
    )
    return subscription.plan if subscription else None


def limits_of(plan: Plan | None) -> dict[str, int | None]:
    if plan is None:
        return free_tier_limits()
    # Every declared limit (a plan that does not name one: unlimited), and what it names.
    limits: dict[str, int | None] = dict.fromkeys(plan_limits)
    for key, value in (plan.limits or {}).items():
        limits[key] = None if value is None else int(value)
    return limits


def features_of(plan: Plan | None) -> list[str]:
    return free_tier_features() if plan is None else list(plan.features or [])


def subscription_limits(*, organization) -> dict[str, int | None]:
    """The organisation's limits (``None``: unlimited)."""
    return limits_of(_plan_in_force(organization))


def subscription_features(*, organization) -> list[str]:
    return features_of(_plan_in_force(organization))


def subscription_has_feature(*, organization, feature: str) -> bool:
    return feature in subscription_features(organization=organization)


def subscription_limit_check(*, organization, key: str, current: int) -> None:
    """409 ``plan_limit_reached`` when ``current`` (what the organisation has now) has
    reached its plan's limit for ``key``."""
    limit = subscription_limits(organization=organization).get(key)
    if limit is not None and current >= limit:
        label = str(plan_limits.get(key).label) if key in plan_limits else key
        message = _("Your plan allows at most %(limit)d %(what)s. Upgrade to add more.") % {
            "limit": limit,
            "what": label,
        }
        raise Conflict(message, code=PaymentError.PLAN_LIMIT_REACHED, fields={key: [message]})
