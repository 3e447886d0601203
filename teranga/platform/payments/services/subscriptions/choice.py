"""Reading, choosing and cancelling an organisation's subscription."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound, ValidationFailed
from teranga.platform.organizations import access
from teranga.platform.organizations.models import Organization
from teranga.platform.payments.errors import PaymentError

from ...models import BillingPeriod, Plan, Subscription
from .notices import event_record
from .terms import SUBSCRIPTION_MANAGE, SUBSCRIPTION_VIEW, S


def plans_offered() -> QuerySet[Plan]:
    return Plan.objects.filter(is_active=True)


def subscription_get(*, user, organization_id) -> Subscription:
    """The organisation's subscription (``subscription.view``); 404
    ``subscription_not_found`` when it has none."""
    organization = access.get_organization_for(user, organization_id, SUBSCRIPTION_VIEW)
    subscription = (
        Subscription.objects.select_related("organization", "plan", "next_plan")
        .filter(organization=organization)
        .first()
    )
    if subscription is None:
        raise NotFound(
            _("This organisation has no subscription."), code=PaymentError.SUBSCRIPTION_NOT_FOUND
        )
    return subscription


def _lock_for(organization: Organization) -> Subscription | None:
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("organization", "plan", "next_plan")
        .filter(organization=organization)
        .first()
    )


@transaction.atomic
def subscription_choose(*, actor, organization_id, plan_code: str, period: str) -> Subscription:
    """Choose a plan. Without a subscription (or after one ended), an incomplete one is
    created, to be paid; while incomplete or suspended the choice applies at once; while
    active or past due it is scheduled for the next period (choosing the current plan
    again withdraws a pending change and a pending cancellation)."""
    organization = access.get_organization_for(actor, organization_id, SUBSCRIPTION_MANAGE)
    plan = Plan.objects.filter(code=str(plan_code), is_active=True).first()
    if plan is None:
        message = _("No such plan.")
        raise ValidationFailed(message, code=PaymentError.UNKNOWN_PLAN, fields={"plan": [message]})
    if period not in BillingPeriod.values:
        message = _("Choose “monthly” or “yearly”.")
        raise ValidationFailed(
            message, code=PaymentError.INVALID_PERIOD, fields={"period": [message]}
        )
    subscription = _lock_for(organization)
    if subscription is None:
        subscription = Subscription.objects.create(
            organization=organization, plan=plan, period=period, currency=organization.currency
        )
        event_record(subscription, "created", "", plan=plan.code, period=period)
        return subscription
    before = subscription.status
    if subscription.status in (S.INCOMPLETE, S.SUSPENDED, S.CANCELLED):
        action = "resubscribed" if before == S.CANCELLED else "plan_changed"
        previous = (subscription.plan.code, subscription.period)
        subscription.plan, subscription.period = plan, period
        subscription.currency = organization.currency
        subscription.next_plan, subscription.next_period = None, ""
        subscription.cancel_at_period_end = False
        if before == S.CANCELLED:
            subscription.status = S.INCOMPLETE
            subscription.current_period_start = subscription.current_period_end = None
            subscription.grace_until = subscription.renewal_reminded_at = None
        subscription.save()
        if action == "resubscribed" or previous != (plan.code, period):
            event_record(
                subscription,
                action,
                before,
                from_plan=previous[0],
                to_plan=plan.code,
                from_period=previous[1],
                to_period=period,
            )
        return subscription
    if (plan.pk, period) == (subscription.plan_id, subscription.period):
        withdrawn = subscription.cancel_at_period_end
        dropped = bool(subscription.next_plan_id or subscription.next_period)
        subscription.next_plan, subscription.next_period = None, ""
        subscription.cancel_at_period_end = False
        subscription.save()
        if dropped:
            event_record(subscription, "change_withdrawn", before)
        if withdrawn:
            event_record(subscription, "cancellation_withdrawn", before)
        return subscription
    subscription.next_plan, subscription.next_period = plan, period
    subscription.cancel_at_period_end = False
    subscription.save()
    event_record(subscription, "change_scheduled", before, to_plan=plan.code, to_period=period)
    return subscription


@transaction.atomic
def subscription_cancel(*, actor, organization_id) -> Subscription:
    """Cancel: an active subscription runs to the end of its paid period
    (``cancel_at_period_end``); an incomplete, past-due or suspended one — no paid period
    left — ends at once. Cancelling again changes nothing."""
    organization = access.get_organization_for(actor, organization_id, SUBSCRIPTION_MANAGE)
    subscription = _lock_for(organization)
    if subscription is None:
        raise NotFound(
            _("This organisation has no subscription."), code=PaymentError.SUBSCRIPTION_NOT_FOUND
        )
    before = subscription.status
    if before == S.CANCELLED or (before == S.ACTIVE and subscription.cancel_at_period_end):
        return subscription
    subscription.next_plan, subscription.next_period = None, ""
    if before == S.ACTIVE:
        subscription.cancel_at_period_end = True
        subscription.save()
        event_record(
            subscription, "cancel_scheduled", before, period_end=subscription.current_period_end
        )
        return subscription
    subscription.status = S.CANCELLED
    subscription.grace_until = None
    subscription.save()
    event_record(subscription, "cancelled", before)
    return subscription
