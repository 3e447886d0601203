"""Paying for a subscription (the ``payments.subscription`` payable and its fulfilment)
and the renewal job (reminders, period ends, grace periods, suspensions)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.organizations import access
from teranga.platform.organizations.models import Role
from teranga.platform.payments.errors import PaymentError

from ...models import BillingPeriod, Payment, Plan, Subscription, SubscriptionEvent
from ...payables import FulfilmentRefused, PayableBase, Quote, QuoteLine, payables
from .notices import event_record, notify, period_key
from .terms import (
    PAYABLE,
    PLAN_IN_FORCE,
    REMINDER_DAYS,
    S,
    grace_days,
    next_plan_and_period,
    period_end,
    platform_organization,
    refusal_to_pay,
)


class SubscriptionPayable(PayableBase):
    """``payments.subscription``: the subscription id is the target; the platform
    organisation is paid."""

    def quote(self, *, target_id: str, payer) -> Quote:
        subscription = _for_payer(target_id, payer)
        refusal = refusal_to_pay(subscription)
        if refusal is not None:
            raise refusal
        plan, period = next_plan_and_period(subscription)
        organization = subscription.organization
        description = _("Teranga %(plan)s subscription (%(period)s) — %(organization)s") % {
            "plan": plan.name,
            "period": BillingPeriod(period).label,
            "organization": organization.name,
        }
        amount = plan.price(period=period, currency=subscription.currency)
        return Quote(
            organization=platform_organization(),
            currency=subscription.currency,
            description=description[:200],
            lines=(QuoteLine(description=description[:200], unit_amount=amount),),
            coupons_allowed=False,
            paid_once=False,  # each period is paid anew
            metadata={
                "buyer": {
                    "name": organization.name,
                    "siret": organization.siret,
                    "vat_number": organization.tva_number,
                    "ninea": organization.ninea,
                    "rccm": organization.rccm,
                    "is_business": True,
                    "email": organization.contact_email or getattr(payer, "email", ""),
                    "city": organization.city,
                    "country": organization.country,
                },
                "subscription_id": str(subscription.pk),
                "organization_id": str(organization.pk),
                "plan": plan.code,
                "period": period,
            },
        )

    def fulfil(self, *, payment: Payment) -> None:
        subscription_fulfil(payment=payment)


def _for_payer(target_id, payer) -> Subscription:
    key = parse_uuid(target_id)
    if key is None:
        raise NotFound(code=PaymentError.SUBSCRIPTION_NOT_FOUND)
    subscription = (
        Subscription.objects.select_related("organization", "plan", "next_plan")
        .filter(pk=key)
        .first()
    )
    if subscription is None:
        raise NotFound(code=PaymentError.SUBSCRIPTION_NOT_FOUND)
    membership = access.membership_of(payer, subscription.organization)
    if membership is None or not access.role_at_least(membership.role, Role.ADMIN):
        raise NotFound(code=PaymentError.SUBSCRIPTION_NOT_FOUND)
    return subscription


def _paid_for(subscription: Subscription, payment: Payment) -> tuple[Plan, str]:
    """The plan and period the payment bought (its quote's metadata), else the next."""
    plan, period = next_plan_and_period(subscription)
    metadata = payment.metadata or {}
    if metadata.get("plan") and metadata["plan"] != plan.code:
        plan = Plan.objects.filter(code=metadata["plan"]).first() or plan
    if metadata.get("period") in BillingPeriod.values:
        period = metadata["period"]
    return plan, period


@transaction.atomic
def subscription_fulfil(*, payment: Payment) -> Subscription:
    """A subscription payment succeeded: start the period it paid for."""
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("organization", "plan")
        .filter(pk=payment.target_id)
        .first()
    )
    if subscription is None:
        raise FulfilmentRefused("the subscription no longer exists")
    if SubscriptionEvent.objects.filter(subscription=subscription, payment=payment).exists():
        return subscription  # applied already
    if subscription.status == S.CANCELLED:
        raise FulfilmentRefused("the subscription has ended")
    plan, period = _paid_for(subscription, payment)
    now = timezone.now()
    before = (subscription.status, subscription.plan, subscription.period)
    renewal = subscription.status in PLAN_IN_FORCE and subscription.current_period_end
    start = subscription.current_period_end if renewal else now
    withdrawn = subscription.cancel_at_period_end
    subscription.status = S.ACTIVE
    subscription.plan, subscription.period = plan, period
    subscription.current_period_start = start
    subscription.current_period_end = period_end(start, period)
    subscription.grace_until = None
    subscription.renewal_reminded_at = None
    subscription.cancel_at_period_end = False
    if subscription.next_plan_id in (None, plan.pk) and subscription.next_period in ("", period):
        subscription.next_plan, subscription.next_period = None, ""
    subscription.save()
    action = "renewed" if renewal else "activated"
    event_record(
        subscription,
        action,
        before[0],
        payment=payment,
        plan=plan.code,
        period=period,
        period_start=start,
        period_end=subscription.current_period_end,
        amount=int(payment.amount),
        currency=payment.currency,
    )
    if (before[1].pk, before[2]) != (plan.pk, period):
        event_record(
            subscription,
            "plan_changed",
            S.ACTIVE,
            payment=payment,
            from_plan=before[1].code,
            to_plan=plan.code,
            from_period=before[2],
            to_period=period,
        )
    if withdrawn:
        event_record(subscription, "cancellation_withdrawn", S.ACTIVE, payment=payment)
    notify(subscription, action, str(payment.pk))
    return subscription


payables.register(PAYABLE, SubscriptionPayable())


# --- The renewal job ----------------------------------------------------------------------


def _locked(pk) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("organization", "plan", "next_plan")
        .get(pk=pk)
    )


@transaction.atomic
def _remind(pk, now: datetime) -> bool:
    subscription = _locked(pk)
    end = subscription.current_period_end
    if (
        subscription.status != S.ACTIVE
        or subscription.cancel_at_period_end
        or end is None
        or not now < end <= now + timedelta(days=REMINDER_DAYS)
        or subscription.renewal_reminded_at is not None
    ):
        return False
    subscription.renewal_reminded_at = now
    subscription.save(update_fields=["renewal_reminded_at", "updated_at"])
    notify(subscription, "renewal_reminder", period_key(end))
    return True


@transaction.atomic
def _end_period(pk, now: datetime) -> str | None:
    subscription = _locked(pk)
    end = subscription.current_period_end
    if subscription.status != S.ACTIVE or end is None or end > now:
        return None
    if subscription.cancel_at_period_end:
        subscription.status = S.CANCELLED
        subscription.cancel_at_period_end = False
        subscription.next_plan, subscription.next_period = None, ""
        subscription.save()
        event_record(subscription, "cancelled", S.ACTIVE, period_end=end)
        notify(subscription, "cancelled", period_key(end))
        return "cancelled"
    subscription.status = S.PAST_DUE
    subscription.grace_until = end + timedelta(days=grace_days())
    subscription.save()
    event_record(
        subscription, "past_due", S.ACTIVE, period_end=end, grace_until=subscription.grace_until
    )
    notify(subscription, "past_due", period_key(end))
    return "past_due"


@transaction.atomic
def _suspend(pk, now: datetime) -> bool:
    subscription = _locked(pk)
    grace = subscription.grace_until
    if subscription.status != S.PAST_DUE or grace is None or grace > now:
        return False
    subscription.status = S.SUSPENDED
    subscription.save()
    event_record(subscription, "suspended", S.PAST_DUE, grace_until=grace)
    notify(subscription, "suspended", period_key(grace))
    return True


def subscriptions_renew(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: reminders, period ends, grace periods. Each subscription in its
    own transaction, under its row lock, its condition checked again there: running it
    twice (or on two workers) changes nothing more. Returns what it did."""
    now = now or timezone.now()
    done = {"reminded": 0, "cancelled": 0, "past_due": 0, "suspended": 0}
    due_soon = Subscription.objects.filter(
        status=S.ACTIVE,
        cancel_at_period_end=False,
        current_period_end__gt=now,
        current_period_end__lte=now + timedelta(days=REMINDER_DAYS),
        renewal_reminded_at__isnull=True,
    )
    for pk in list(due_soon.values_list("pk", flat=True)):
        done["reminded"] += _remind(pk, now)
    ended = Subscription.objects.filter(status=S.ACTIVE, current_period_end__lte=now)
    for pk in list(ended.values_list("pk", flat=True)):
        outcome = _end_period(pk, now)
        if outcome:
            done[outcome] += 1
    # After the period ends: a job that did not run for a while suspends in one run.
    graceless = Subscription.objects.filter(status=S.PAST_DUE, grace_until__lte=now)
    for pk in list(graceless.values_list("pk", flat=True)):
        done["suspended"] += _suspend(pk, now)
    return done
