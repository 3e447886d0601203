"""B2B subscriptions (seed 002): an organisation subscribes to a plan (starter, business,
enterprise), monthly or yearly, and pays the platform through the payments module.

Life of a subscription::

    (none) ──choose──▶ incomplete ──paid──▶ active ──period end, unpaid──▶ past_due
                                              ▲  ▲                            │ grace over
                                     paid ────┘  └──── paid (no free days) ───┤
                                                                              ▼
    cancelled ◀── period end with cancel_at_period_end          suspended ──paid──▶ active

* Paying is ``POST /api/v1/payments/`` with ``target_type`` ``"payments.subscription"``
  and the subscription's id: the payable registered here prices it (the plan chosen for
  the next period if one is pending) and, once paid, :func:`subscription_fulfil` starts
  the next period — now for an incomplete or suspended subscription, at the end of the
  current one for an active or past-due one. An active subscription can be paid from
  :data:`EARLY_PAYMENT_DAYS` days before its end (or at once when a change is pending).
* :func:`subscriptions_renew` (scheduled by the payments tasks) reminds the owners and
  admins :data:`REMINDER_DAYS` days before the end, ends the cancelled ones, moves the
  unpaid ones to past due with a grace period (``SUBSCRIPTION_GRACE_DAYS``, 7 by
  default) and suspends them when it is over.
* While active or past due the plan's limits and features apply; otherwise (no
  subscription, incomplete, suspended, cancelled) the free tier of every declared limit
  and feature (``extensions.plan_limits`` / ``plan_features``).

Every change writes an append-only ``SubscriptionEvent``; every notice has an idempotency
key naming the subscription, the event and its period, so a job run twice tells nobody
twice.
"""

from .billing import SubscriptionPayable, subscription_fulfil, subscriptions_renew
from .choice import plans_offered, subscription_cancel, subscription_choose, subscription_get
from .terms import (
    BRANCHES,
    EARLY_PAYMENT_DAYS,
    PAYABLE,
    PLAN_IN_FORCE,
    REMINDER_DAYS,
    SUBSCRIPTION_MANAGE,
    SUBSCRIPTION_VIEW,
    S,
    add_months,
    features_of,
    free_tier_features,
    free_tier_limits,
    grace_days,
    limits_of,
    next_amount,
    next_plan_and_period,
    period_end,
    platform_organization,
    refusal_to_pay,
    subscription_features,
    subscription_has_feature,
    subscription_limit_check,
    subscription_limits,
)

__all__ = [
    "EARLY_PAYMENT_DAYS",
    "BRANCHES",
    "PAYABLE",
    "PLAN_IN_FORCE",
    "REMINDER_DAYS",
    "SUBSCRIPTION_MANAGE",
    "SUBSCRIPTION_VIEW",
    "S",
    "SubscriptionPayable",
    "add_months",
    "features_of",
    "free_tier_features",
    "free_tier_limits",
    "grace_days",
    "limits_of",
    "next_amount",
    "next_plan_and_period",
    "period_end",
    "plans_offered",
    "platform_organization",
    "refusal_to_pay",
    "subscription_cancel",
    "subscription_choose",
    "subscription_features",
    "subscription_fulfil",
    "subscription_get",
    "subscription_has_feature",
    "subscription_limit_check",
    "subscription_limits",
    "subscriptions_renew",
]
