"""Provider webhooks and reconciliation: how a provider's word becomes a payment's state.

``webhook_receive`` hands the raw body to the provider's adapter, which verifies the
signature before parsing anything (a rejected webhook stores nothing and answers 400).
For each verified notice:

1. the payment is found by our id (echoed by the provider) or the provider's reference;
2. a notification that only carries a token (Orange Money) must match the token the
   provider gave us at checkout, and a non-authoritative notice is confirmed with a
   status query before anything is acted on;
3. in one transaction, under the payment's lock: the event id is inserted under its
   unique constraint (a replay or a duplicate stops here: nothing applies twice), then
   the claimed state is applied through the state machine, which ignores anything that
   would move the payment backwards.

``payments_reconcile`` (periodic) asks the providers about payments still pending and
settles them the same way, and expires what the provider never completed.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import status as http

from teranga.core.errors import ApplicationError, NotFound, ValidationFailed
from teranga.core.validators import parse_uuid
from teranga.platform.payments.errors import PaymentError

from ..models import (
    OPEN_STATUSES,
    EventSource,
    Payment,
    PaymentStatus,
    ProviderEvent,
    ProviderEventOutcome,
    Refund,
    RefundStatus,
)
from ..providers.base import ProviderError, WebhookNotice, WebhookRejected
from . import providers as offers
from .payments import transition
from .refunds import refund_settle
from .state import APPLIED, STALE, UNCHANGED, event_record, payment_lock

logger = logging.getLogger(__name__)

PAYMENT_STATUSES = frozenset(
    {
        PaymentStatus.PENDING,
        PaymentStatus.SUCCEEDED,
        PaymentStatus.FAILED,
        PaymentStatus.CANCELLED,
        PaymentStatus.EXPIRED,
    }
)
REFUND_STATUSES = frozenset({RefundStatus.PENDING, RefundStatus.SUCCEEDED, RefundStatus.FAILED})
OUTCOMES = {
    APPLIED: ProviderEventOutcome.APPLIED,
    UNCHANGED: ProviderEventOutcome.UNCHANGED,
    STALE: ProviderEventOutcome.STALE,
}
DUPLICATE = "duplicate"
#: ``ProviderError.code`` when the credentials a call needs are missing or unusable.
NOT_CONFIGURED = "not_configured"
#: Reconciliation leaves a fresh payment to its webhook for this long.
RECONCILE_AFTER = timedelta(minutes=2)


class ProviderUnavailable(ApplicationError):
    """A verification call to the provider failed: answer 503 so that it retries."""

    status_code = http.HTTP_503_SERVICE_UNAVAILABLE
    code = PaymentError.PROVIDER_UNAVAILABLE
    default_message = gettext_noop("The payment provider could not be reached; try again later.")


class ProviderNotConfigured(NotFound):
    """The provider has no credentials here (or not the ones this webhook needs): answer
    404, not 503, so that the sender does not retry a delivery that cannot succeed."""

    code = PaymentError.PROVIDER_NOT_CONFIGURED
    default_message = gettext_noop("This payment provider is not configured.")


def _provider_failed(exc: ProviderError) -> ApplicationError:
    if exc.code == NOT_CONFIGURED:
        return ProviderNotConfigured()
    return ProviderUnavailable()


def webhook_receive(
    *, provider: str, body: bytes, headers: Mapping[str, str], query: Mapping[str, str]
) -> list[str]:
    """Verify and apply one webhook delivery; returns each notice's outcome."""
    adapter = offers.adapter_for(provider)
    credentials = offers.webhook_credentials(provider, query.get("account"))
    try:
        notices = adapter.parse_webhook(
            body=body,
            headers={key.lower(): value for key, value in headers.items()},
            query=dict(query),
            credentials=credentials,
        )
    except WebhookRejected as exc:
        logger.warning("webhook rejected", extra={"provider": provider, "reason": exc.reason})
        raise ValidationFailed(_("The webhook could not be verified."), code=exc.reason) from None
    except ProviderError as exc:
        raise _provider_failed(exc) from exc
    return [notice_apply(provider=provider, notice=notice) for notice in notices]


def _find_payment(provider: str, notice: WebhookNotice) -> Payment | None:
    queryset = Payment.objects.filter(provider=provider).select_related("provider_account")
    if notice.payment_id:
        key = parse_uuid(notice.payment_id)
        payment = queryset.filter(pk=key).first() if key else None
        if payment is not None:
            return payment
    if notice.reference:
        return queryset.filter(provider_reference=notice.reference).first()
    return None


def _claimed_status(provider: str, notice: WebhookNotice, payment: Payment) -> str | None:
    """The state to apply: the notice's own when it is authoritative, else the
    provider's answer to a status query."""
    if notice.shared_token is not None:
        expected = str((payment.provider_data or {}).get(notice.token_key, ""))
        if not expected or not hmac.compare_digest(expected, str(notice.shared_token)):
            raise ValidationFailed(
                _("The webhook could not be verified."), code=PaymentError.INVALID_SIGNATURE
            )
    if notice.refund_status or notice.refund_id or notice.refund_reference:
        return None
    if notice.authoritative and notice.status is not None:
        return notice.status
    if not payment.provider_reference:
        return None
    try:
        answer = offers.adapter_for(provider).fetch_status(
            payment=offers.payment_ref(payment),
            credentials=offers.payment_credentials(payment),
        )
    except ProviderError as exc:
        raise _provider_failed(exc) from exc
    return _checked(answer.status, answer.amount, answer.currency, payment)


def _checked(status: str | None, amount, currency, payment: Payment) -> str | None:
    """A success for another amount or currency than ours is not a success."""
    if status != PaymentStatus.SUCCEEDED:
        return status
    if (amount is not None and int(amount) != int(payment.amount)) or (
        currency is not None and currency.upper() != payment.currency
    ):
        logger.error("provider reports another amount", extra={"payment": str(payment.pk)})
        return "amount_mismatch"
    return status


def notice_apply(*, provider: str, notice: WebhookNotice) -> str:
    payment = _find_payment(provider, notice)
    claimed = None
    if payment is not None:
        claimed = _claimed_status(provider, notice, payment)
        if notice.authoritative and claimed == notice.status:
            claimed = _checked(claimed, notice.amount, notice.currency, payment)
    with transaction.atomic():
        if payment is not None:
            payment = payment_lock(payment.pk)
        try:
            with transaction.atomic():
                event = ProviderEvent.objects.create(
                    provider=provider,
                    event_id=notice.event_id[:200],
                    event_type=notice.event_type[:100],
                    payment=payment,
                    outcome=ProviderEventOutcome.IGNORED,
                    claimed_status=(notice.refund_status or claimed or "")[:20],
                )
        except IntegrityError:
            return DUPLICATE
        if payment is None:
            event.outcome = ProviderEventOutcome.UNKNOWN_PAYMENT
        elif notice.refund_status or notice.refund_id or notice.refund_reference:
            event.outcome = _refund_notice(payment, notice)
        elif claimed == "amount_mismatch":
            event_record(
                payment,
                "amount_mismatch",
                source=EventSource.WEBHOOK,
                detail={"event": notice.event_id},
            )
        elif claimed in PAYMENT_STATUSES:
            event.outcome = OUTCOMES[
                transition(
                    payment,
                    claimed,
                    source=EventSource.WEBHOOK,
                    detail={"event": notice.event_id, "type": notice.event_type},
                )
            ]
        event.save(update_fields=["outcome", "updated_at"])
        return event.outcome


def _refund_notice(payment: Payment, notice: WebhookNotice) -> str:
    refunds = Refund.objects.filter(payment=payment)
    refund = None
    if notice.refund_id:
        key = parse_uuid(notice.refund_id)
        refund = refunds.filter(pk=key).first() if key else None
    if refund is None and notice.refund_reference:
        refund = refunds.filter(provider_reference=notice.refund_reference).first()
    if refund is None or notice.refund_status not in REFUND_STATUSES:
        # A refund made outside Teranga (the provider's dashboard) is not ours to apply.
        return ProviderEventOutcome.IGNORED
    before = refund.status
    refund = refund_settle(
        refund_id=refund.pk,
        status=notice.refund_status,
        source=EventSource.WEBHOOK,
        reference=notice.refund_reference or "",
        failure_reason="" if notice.refund_status != RefundStatus.FAILED else "provider",
    )
    if refund.status == before:
        return ProviderEventOutcome.UNCHANGED
    return ProviderEventOutcome.APPLIED


def payments_reconcile(*, now=None, limit: int = 200) -> dict[str, int]:
    """Ask the providers about online payments still open, settle what they answer, and
    expire those past their expiry that the provider never completed."""
    now = now or timezone.now()
    counts = {"checked": 0, "applied": 0, "expired": 0, "errors": 0}
    candidates = (
        Payment.objects.filter(status__in=OPEN_STATUSES, created_at__lte=now - RECONCILE_AFTER)
        .exclude(provider_reference="")
        .exclude(provider__in=(offers.MANUAL, offers.FREE))
        .select_related("provider_account")
        .order_by("created_at")[:limit]
    )
    for payment in candidates:
        counts["checked"] += 1
        try:
            answer = offers.adapter_for(payment.provider).fetch_status(
                payment=offers.payment_ref(payment),
                credentials=offers.payment_credentials(payment),
            )
        except (ProviderError, ApplicationError):
            counts["errors"] += 1
            logger.warning("reconciliation failed", extra={"payment": str(payment.pk)})
            continue
        status = _checked(answer.status, answer.amount, answer.currency, payment)
        if status == PaymentStatus.PENDING and payment.expires_at <= now:
            status = PaymentStatus.EXPIRED
        if status not in PAYMENT_STATUSES or status == payment.status:
            continue
        with transaction.atomic():
            locked = payment_lock(payment.pk)
            outcome = transition(
                locked,
                status,
                source=EventSource.RECONCILIATION,
                detail={"provider_status": answer.status},
            )
        if outcome == APPLIED:
            counts["applied"] += 1
            counts["expired"] += status == PaymentStatus.EXPIRED
    return counts
