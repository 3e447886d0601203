"""Paying for an enrolment: the Academy's payable ``academy.enrolment``.

* **Quote** — the payer's own pending enrolment (others: 404 ``enrolment_not_found``), at
  the price fixed when they enrolled, paid to the academy; coupon scope
  ``academy.formation``. An active or cancelled enrolment is 409 ``not_awaiting_payment``.
* **Fulfil** — the enrolment becomes active; one that is no longer pending refuses (the
  payment is refunded).
* **Refunded** — a full refund cancels the enrolment.

And paying for a signal plan: the payable ``academy.signal_subscription``.

* **Quote** — the payer's own signal subscription at an academy (others: 404
  ``signal_subscription_not_found``), for the plan it names (chosen with
  ``POST signal-plans/{id}/subscribe/``), at the plan's price, paid to the academy; coupon
  scope ``academy.signal_plan``. A plan deactivated since is 409 ``signal_plan_inactive``.
  Paid again at each renewal (``paid_once`` False); one payment open at a time.
* **Fulfil** — the period the plan lasts is added (``services.plans``): from the current
  end while the subscription runs, from now otherwise; once per payment.
* **Refunded** — a full refund ends the period that payment paid for.

Manual payments (bank transfer, cash) go through the same payables: the payments module
requires their transaction number and the academy's managers validate them
(``POST /api/v1/payments/{id}/review/``); the validation fulfils the enrolment or the
subscription.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from teranga.core.errors import Conflict
from teranga.platform.payments.extensions import (
    FulfilmentRefused,
    PayableBase,
    Quote,
    QuoteLine,
)
from teranga.platform.payments.models import PaymentStatus
from teranga.platform.payments.selectors import target_paid

from .errors import AcademyError
from .selectors import ENROLMENT_PAYABLE
from .selectors_signals import signal_subscription_of_payer
from .services.enrolments import (
    EnrolmentUnavailable,
    enrolment_activate,
    enrolment_refunded,
    pending_enrolment_of,
)
from .services.plans import (
    SubscriptionUnavailable,
    signal_period_refunded,
    signal_subscription_extend,
)

TARGET_TYPE = ENROLMENT_PAYABLE


class EnrolmentPayable(PayableBase):
    def quote(self, *, target_id: str, payer) -> Quote:
        enrolment = pending_enrolment_of(payer=payer, enrolment_id=target_id)
        if target_paid(target_type=TARGET_TYPE, target_id=enrolment.pk):
            raise Conflict(
                _("This enrolment is not awaiting payment."),
                code=AcademyError.NOT_AWAITING_PAYMENT,
            )
        formation = enrolment.formation
        line = _("Formation: %(title)s") % {"title": formation.title}
        return Quote(
            organization=formation.organization,
            currency=enrolment.currency,
            description=line,
            lines=(QuoteLine(description=line, unit_amount=int(enrolment.amount)),),
            scopes=(("academy.formation", str(formation.pk)),),
            metadata={"formation": str(formation.pk)},
        )

    def fulfil(self, *, payment) -> None:
        try:
            enrolment_activate(enrolment_id=payment.target_id, payment=payment)
        except EnrolmentUnavailable as exc:
            raise FulfilmentRefused(str(exc)) from exc

    def refunded(self, *, payment, refund) -> None:
        if payment.status == PaymentStatus.REFUNDED:
            enrolment_refunded(enrolment_id=payment.target_id)


class SignalSubscriptionPayable(PayableBase):
    def quote(self, *, target_id: str, payer) -> Quote:
        subscription = signal_subscription_of_payer(payer=payer, subscription_id=target_id)
        plan = subscription.plan
        if not plan.is_active:
            raise Conflict(
                _("This signal plan is no longer offered: choose another one."),
                code=AcademyError.SIGNAL_PLAN_INACTIVE,
            )
        line = _("Trading signals: %(plan)s (%(days)s days) — %(academy)s") % {
            "plan": plan.name,
            "days": plan.duration_days,
            "academy": subscription.organization.name,
        }
        return Quote(
            organization=subscription.organization,
            currency=plan.currency,
            description=line[:200],
            lines=(QuoteLine(description=line[:200], unit_amount=int(plan.price_amount)),),
            scopes=(("academy.signal_plan", str(plan.pk)),),
            paid_once=False,  # each period is paid anew
            metadata={"plan": str(plan.pk), "duration_days": plan.duration_days},
        )

    def fulfil(self, *, payment) -> None:
        try:
            signal_subscription_extend(subscription_id=payment.target_id, payment=payment)
        except SubscriptionUnavailable as exc:
            raise FulfilmentRefused(str(exc)) from exc

    def refunded(self, *, payment, refund) -> None:
        if payment.status == PaymentStatus.REFUNDED:
            signal_period_refunded(payment=payment)
