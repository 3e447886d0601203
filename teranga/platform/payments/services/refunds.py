"""Refunds, full or partial, through the payment's provider, with a state and an audit
trail (``PaymentEvent`` rows tied to the refund).

A refund is recorded first (pending) under the payment's lock — the total of pending and
succeeded refunds can never exceed the amount paid — then executed after commit
(:func:`refund_execute`, our refund id as the provider's idempotency key). The
provider's answer, or its later webhook, settles it (:func:`refund_settle`): a succeeded
refund adds to ``refunded_amount``, moves the payment to partially_refunded or refunded,
runs the refund hooks (invoicing issues the credit note) and tells the payer.

Manual payments (bank transfer, cash) are refunded by the organisation by hand: the
refund succeeds when staff record it. A provider without a refund API (Orange Money's
web payment) fails the refund and tells staff to refund by other means.

This module sits below ``effects`` and ``payments`` (fulfilment refunds what it cannot
deliver, and ``effects`` schedules fulfilment): it moves the payment's status with
``state.status_move`` and runs a refund's consequences itself (see ``state``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from teranga.core.errors import Conflict, NotFound, ValidationFailed
from teranga.platform.audit.models import AuditAction
from teranga.platform.audit.services import audit_record
from teranga.platform.organizations.access import get_organization_for
from teranga.platform.payments.errors import PaymentError

from .. import notices
from ..extensions import refund_succeeded
from ..models import (
    PAID_STATUSES,
    EventSource,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from ..payables import payables
from ..providers.base import ProviderError, RefundRequest
from . import providers as offers
from .state import event_record, payment_lock, status_move

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RESUME_AFTER = timedelta(minutes=1)


def _committed_refunds(payment: Payment) -> int:
    return int(
        Refund.objects.filter(
            payment=payment, status__in=(RefundStatus.PENDING, RefundStatus.SUCCEEDED)
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )


def _ensure_refundable(payment: Payment) -> None:
    if payment.status not in PAID_STATUSES or payment.status == PaymentStatus.REFUNDED:
        raise Conflict(_("Only a paid payment can be refunded."), code=PaymentError.NOT_REFUNDABLE)


def refund_open(
    *, payment: Payment, amount: int, reason: str, actor, automatic: bool = False
) -> Refund:
    """Record a pending refund of the (locked) ``payment`` and execute it after commit."""
    _ensure_refundable(payment)
    available = int(payment.amount) - _committed_refunds(payment)
    if amount > available:
        raise Conflict(
            _("At most %(available)s can still be refunded.") % {"available": available},
            code=PaymentError.REFUND_EXCEEDS_AMOUNT,
            fields={"amount": [_("Too large.")]},
        )
    if not offers.is_manual(payment) and payment.provider not in (offers.FREE,):
        adapter = offers.adapter_for(payment.provider)
        if not adapter.supports_refunds and not automatic:
            raise Conflict(
                _(
                    "%(provider)s payments cannot be refunded through the provider; refund "
                    "the client by other means."
                )
                % {"provider": adapter.label},
                code=PaymentError.REFUND_UNSUPPORTED,
            )
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        currency=payment.currency,
        reason=reason[:300],
        automatic=automatic,
        requested_by=actor,
    )
    event_record(
        payment,
        "refund_requested",
        source=EventSource.SYSTEM if automatic else EventSource.STAFF,
        actor=actor,
        refund=refund,
        detail={"amount": amount, "reason": reason[:300], "automatic": automatic},
    )
    audit_record(
        action=AuditAction.REFUND_REQUESTED,
        actor=actor,
        organization=payment.organization_id,
        subject=payment.payer_id,
        object_type="payments.refund",
        object_id=refund.pk,
        summary=f"Refund of {amount} {payment.currency} on payment {payment.pk}",
        before={
            "payment": payment.pk,
            "status": payment.status,
            "refunded_amount": int(payment.refunded_amount),
        },
        after={
            "amount": amount,
            "currency": payment.currency,
            "reason": reason[:300],
            "automatic": automatic,
        },
        system=actor is None,
    )
    refund_id = str(refund.pk)
    transaction.on_commit(lambda: _enqueue(refund_id))
    return refund


def _enqueue(refund_id: str) -> None:
    refund_execute_task.enqueue(refund_id=refund_id)


@transaction.atomic
def refund_create(*, actor, payment_id, amount: int | None = None, reason: str = "") -> Refund:
    """Staff (``payments.refund``: managers and above) refund all or part of a payment."""
    payment = payment_lock(payment_id)
    get_organization_for(actor, payment.organization_id, "payments.refund")
    _ensure_refundable(payment)
    amount = payment.refundable_amount if amount is None else amount
    if amount <= 0:
        raise ValidationFailed(fields={"amount": [_("Must be positive.")]})
    return refund_open(payment=payment, amount=amount, reason=reason, actor=actor)


#: Payments with money that may still be refunded.
TARGET_REFUNDABLE_STATUSES = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)


@transaction.atomic
def refunds_open_for_target(
    *, target_type: str, target_id: str, reason: str, actor=None
) -> list[Refund]:
    """Refund everything paid for one target (a payable's ``target_type`` and
    ``target_id``: an appointment the organisation cancelled, a cancelled event …).

    Every succeeded or partially refunded payment for the target gets one automatic
    refund (:func:`refund_open`, executed after commit) of what is neither refunded nor
    being refunded. The payments are locked in id order. Idempotent: pending and
    succeeded refunds count as refunded, so calling again opens nothing new (a failed
    refund does not count: calling again retries it). Returns the refunds opened, in
    payment id order; an empty list when nothing is left to refund.
    """
    payments = list(
        Payment.objects.select_for_update()
        .filter(target_type=target_type, target_id=target_id, status__in=TARGET_REFUNDABLE_STATUSES)
        .order_by("pk")
    )
    opened: list[Refund] = []
    for payment in payments:
        remaining = int(payment.amount) - _committed_refunds(payment)
        if remaining > 0:
            opened.append(
                refund_open(
                    payment=payment, amount=remaining, reason=reason, actor=actor, automatic=True
                )
            )
    return opened


def refund_execute(*, refund_id) -> Refund:
    """Ask the provider to refund (outside any transaction), then settle."""
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None:
        raise NotFound(_("No such refund."), code=PaymentError.REFUND_NOT_FOUND)
    if refund.status != RefundStatus.PENDING or refund.provider_reference:
        return refund
    payment = refund.payment
    if offers.is_manual(payment) or payment.provider == offers.FREE:
        return refund_settle(
            refund_id=refund.pk,
            status=RefundStatus.SUCCEEDED,
            source=EventSource.STAFF,
            reference="manual",
        )
    adapter = offers.adapter_for(payment.provider)
    request = RefundRequest(
        refund_id=str(refund.pk),
        payment=offers.payment_ref(payment),
        amount=int(refund.amount),
        reason=refund.reason,
    )
    try:
        outcome = adapter.refund(request=request, credentials=offers.payment_credentials(payment))
    except ProviderError as exc:
        return _refund_attempt_failed(refund.pk, exc)
    return refund_settle(
        refund_id=refund.pk,
        status=outcome.status,
        source=EventSource.SYSTEM,
        reference=outcome.reference,
        detail={"provider_detail": outcome.detail} if outcome.detail else None,
    )


@task()
def refund_execute_task(*, refund_id: str) -> str:
    return refund_execute(refund_id=refund_id).status


@transaction.atomic
def _refund_attempt_failed(refund_id, exc: ProviderError) -> Refund:
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.status != RefundStatus.PENDING:
        return refund
    refund.attempts += 1
    refund.save(update_fields=["attempts", "updated_at"])
    if exc.retryable and refund.attempts < MAX_ATTEMPTS:
        logger.warning("refund retry later", extra={"refund": str(refund.pk), "code": exc.code})
        return refund
    return refund_settle(
        refund_id=refund.pk,
        status=RefundStatus.FAILED,
        source=EventSource.SYSTEM,
        failure_reason=exc.code or str(exc),
    )


@transaction.atomic
def refund_settle(
    *,
    refund_id,
    status: str,
    source: str,
    reference: str = "",
    failure_reason: str = "",
    detail: dict | None = None,
) -> Refund:
    """Apply the provider's answer (or webhook) to a refund, once: a settled refund does
    not change again."""
    refund = Refund.objects.filter(pk=refund_id).only("payment_id").first()
    if refund is None:
        raise NotFound(_("No such refund."), code=PaymentError.REFUND_NOT_FOUND)
    payment = payment_lock(refund.payment_id)  # the payment, then its refund: one order
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if reference and not refund.provider_reference:
        refund.provider_reference = reference[:200]
    if refund.status != RefundStatus.PENDING or status == RefundStatus.PENDING:
        refund.save(update_fields=["provider_reference", "updated_at"])
        return refund
    refund.status = status
    if status == RefundStatus.SUCCEEDED:
        refund.succeeded_at = timezone.now()
        payment.refunded_amount = int(payment.refunded_amount) + int(refund.amount)
        payment.save(update_fields=["refunded_amount", "updated_at"])
        target = (
            PaymentStatus.REFUNDED
            if payment.refunded_amount >= payment.amount
            else PaymentStatus.PARTIALLY_REFUNDED
        )
        # Partially refunded and refunded set nothing off in ``effects``: the refund's
        # consequences follow below, once the refund itself is saved.
        status_move(payment, target, source=source, detail={"refund": str(refund.pk)})
    else:
        refund.failure_reason = failure_reason[:300]
    refund.save()
    event_record(
        payment,
        f"refund_{status}",
        source=source,
        refund=refund,
        detail={
            "amount": int(refund.amount),
            "reference": refund.provider_reference,
            **(detail or {}),
            **({"reason": failure_reason} if failure_reason else {}),
        },
    )
    if status == RefundStatus.SUCCEEDED:
        for hook in refund_succeeded.values():
            hook(refund)
        try:
            payable = payables.get(payment.target_type)
        except LookupError:
            payable = None
        if payable is not None:
            payable.refunded(payment=payment, refund=refund)
        notices.tell_payer(payment, "refunded", refund=refund)
    else:
        notices.tell_staff(payment, "refund_failed", refund=refund, reason=failure_reason)
    return refund


def refunds_resume(*, now=None, limit: int = 100) -> int:
    """Pending refunds the provider has not been asked about (a crash, a transient
    error): ask again — our refund id is the provider's idempotency key, so a refund the
    provider did make is not made twice. Bounded by ``MAX_ATTEMPTS`` per refund."""
    now = now or timezone.now()
    ids = list(
        Refund.objects.filter(
            status=RefundStatus.PENDING,
            provider_reference="",
            attempts__lt=MAX_ATTEMPTS,
            updated_at__lte=now - RESUME_AFTER,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for refund_id in ids:
        refund_execute(refund_id=refund_id)
    return len(ids)
