"""Payments: initiation (idempotent), the one state machine, payer cancellation, expiry.

Every change of a payment's status goes through :func:`transition`, under a row lock on
the payment: the move and its append-only ``PaymentEvent`` (``state``), then what the
move sets off, in the same transaction (``effects``): success records a ``Fulfilment``
row (executed after commit, see ``fulfilment``); an unpaid end (failed, cancelled,
expired) gives held coupon uses back and tells the product (``Payable.released``).

Provider calls never run inside a database transaction: initiation records the payment
first (so a crash leaves a row that expires), calls the provider, then records the
checkout.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import status as http

from teranga.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from teranga.core.links import public_link
from teranga.core.phones import phone_e164_or_blank
from teranga.platform.accounts.selectors import phone_region_for
from teranga.platform.payments.errors import PaymentError

from .. import notices
from ..models import (
    MANUAL_METHODS,
    OPEN_STATUSES,
    EventSource,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from ..payables import Payable, Quote, payables
from ..providers.base import CheckoutRequest, ProviderError
from . import coupons
from . import providers as offers
from .effects import payment_status_changed
from .state import (  # noqa: F401  (STALE, UNCHANGED: re-exported with the state machine)
    APPLIED,
    STALE,
    UNCHANGED,
    event_record,
    payment_lock,
    status_move,
)

logger = logging.getLogger(__name__)

MANUAL_TTL = timedelta(days=14)


class ProviderFailed(ApplicationError):
    """The provider refused or could not be reached; the payment is recorded as failed."""

    status_code = http.HTTP_502_BAD_GATEWAY
    code = PaymentError.PROVIDER_ERROR
    default_message = gettext_noop("The payment provider could not start this payment. Try again.")


# --- The state machine --------------------------------------------------------------------


def transition(
    payment: Payment,
    to_status: str,
    *,
    source: str,
    actor=None,
    detail: dict | None = None,
    failure_reason: str = "",
    strict: bool = False,
) -> str:
    """Move the (locked) ``payment`` to ``to_status``: ``applied``, ``unchanged`` when it is
    there already, or ``stale`` when the move is not allowed (a late or out-of-order
    event: nothing changes). ``strict`` raises 409 ``invalid_transition`` instead.

    An applied move is recorded (``state.status_move``) and then fanned out
    (``effects.payment_status_changed``: coupons, fulfilment, notices, the product), in
    the caller's transaction."""
    outcome = status_move(
        payment,
        to_status,
        source=source,
        actor=actor,
        detail=detail,
        failure_reason=failure_reason,
        strict=strict,
    )
    if outcome == APPLIED:
        payment_status_changed(payment, to_status)
    return outcome


@transaction.atomic
def payment_apply_status(
    *,
    payment_id,
    status: str,
    source: str,
    actor=None,
    detail: dict | None = None,
    failure_reason: str = "",
) -> tuple[Payment, str]:
    payment = payment_lock(payment_id)
    outcome = transition(
        payment,
        status,
        source=source,
        actor=actor,
        detail=detail,
        failure_reason=failure_reason,
    )
    return payment, outcome


# --- Initiation ---------------------------------------------------------------------------


def _payable_or_none(target_type: str) -> Payable | None:
    try:
        return payables.get(target_type)
    except LookupError:
        return None


def payable_for(target_type: str) -> Payable:
    payable = _payable_or_none(target_type)
    if payable is None:
        raise ValidationFailed(
            _("Nothing of this type can be paid for."),
            code=PaymentError.UNKNOWN_TARGET_TYPE,
            fields={"target_type": [_("Unknown type.")]},
        )
    return payable


def quote_for(*, target_type: str, target_id: str, payer) -> Quote:
    """The product's price for the object (404/409 from the product when it cannot be
    paid for by ``payer``)."""
    quote = payable_for(target_type).quote(target_id=str(target_id), payer=payer)
    if not quote.lines or any(line.quantity < 1 or line.unit_amount < 0 for line in quote.lines):
        raise Conflict(_("There is nothing to pay for."), code=PaymentError.NOTHING_TO_PAY)
    return quote


def request_fingerprint(data: dict) -> str:
    """A digest of the validated request body: the same key must come with the same body."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


#: A payment that holds the payer's money (a partial refund still does).
CHARGED_STATUSES = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED})


def _open_payments(target_type: str, target_id):
    return Payment.objects.filter(
        target_type=target_type, target_id=str(target_id), status__in=OPEN_STATUSES
    )


def _in_progress() -> Conflict:
    return Conflict(
        _("A payment for this is already in progress: complete it or cancel it first."),
        code=PaymentError.PAYMENT_IN_PROGRESS,
    )


def _refuse_second_payment(*, target_type: str, target_id, quote: Quote) -> None:
    """409 when the target has an open payment, or (paid once) a successful one. Checked
    after the quote, so that only those who may pay for the target learn of it. The open
    case also holds under concurrency: the insert of a second open payment fails on
    ``pay_payment_one_open_per_target`` (see ``payment_initiate``)."""
    blocking = set(OPEN_STATUSES) | (CHARGED_STATUSES if quote.paid_once else set())
    found = set(  # one read for both questions
        Payment.objects.filter(
            target_type=target_type, target_id=str(target_id), status__in=blocking
        )
        .values_list("status", flat=True)
        .distinct()
    )
    if found & set(OPEN_STATUSES):
        raise _in_progress()
    if found:
        raise Conflict(_("This has already been paid for."), code=PaymentError.TARGET_ALREADY_PAID)


def _replay(payment: Payment, request_hash: str) -> tuple[Payment, bool]:
    if payment.request_hash != request_hash:
        raise Conflict(
            _("This Idempotency-Key was already used with a different request."),
            code=PaymentError.IDEMPOTENCY_KEY_REUSED,
        )
    return payment, False


def payment_initiate(
    *,
    payer,
    target_type: str,
    target_id: str,
    provider: str,
    idempotency_key: str,
    request_hash: str,
    coupon_codes: Sequence[str] = (),
    method: str = PaymentMethod.ONLINE,
    transaction_number: str = "",
    payer_phone: str = "",
    return_url: str = "",
) -> tuple[Payment, bool]:
    """Start paying for ``target_type``/``target_id``. Returns ``(payment, created)``.

    The same ``idempotency_key`` (per payer) with the same request returns the same
    payment (``created`` False); with a different request, 409
    ``idempotency_key_reused``. The amount comes from the product's quote, minus coupons.
    Online payments get a checkout from the provider (``checkout_url``, or Stripe's
    ``client_secret``); manual ones (bank transfer, cash) wait, pending, for a staff
    review; nothing left to pay succeeds at once.

    One target is paid once: while a payment for it is open (created, pending), another
    key is 409 ``payment_in_progress``; once one succeeded, 409 ``target_already_paid``
    (unless the quote is not ``paid_once``). One that ended unpaid (failed, cancelled,
    expired) blocks nothing. Racing requests are kept apart by the unique constraint on
    open payments per target (``pay_payment_one_open_per_target``).
    """
    existing = Payment.objects.filter(payer=payer, idempotency_key=idempotency_key).first()
    if existing is not None:
        return _replay(existing, request_hash)
    manual = method in MANUAL_METHODS
    if manual:
        provider = offers.MANUAL
        if not transaction_number.strip():
            raise ValidationFailed(
                code=PaymentError.TRANSACTION_NUMBER_REQUIRED,
                fields={"transaction_number": [_("A transaction number is required.")]},
            )
    try:
        payment, offer = _record(
            payer=payer,
            target_type=target_type,
            target_id=target_id,
            provider=provider,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            coupon_codes=coupon_codes,
            method=method,
            transaction_number=transaction_number.strip(),
            payer_phone=payer_phone,
            return_url=return_url,
        )
    except (IntegrityError, Conflict) as exc:
        # A concurrent request with the same key won: it is this request's payment.
        existing = Payment.objects.filter(payer=payer, idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replay(existing, request_hash)
        if isinstance(exc, Conflict):
            raise
        # Otherwise another open payment for the target, or the same transaction number.
        if not transaction_number.strip() or _open_payments(target_type, target_id).exists():
            raise _in_progress() from None
        raise Conflict(
            _("This transaction number was already declared."),
            code=PaymentError.TRANSACTION_NUMBER_USED,
        ) from None
    # Each returns the payment as it locked and saved it (its organisation and payer
    # read with it): nothing to read again.
    if payment.amount == 0:
        payment = _settle_free(payment)
    elif manual:
        payment = _declare_manual(payment)
    else:
        payment = _start_checkout(payment, offer)
    return payment, True


@transaction.atomic
def _record(
    *,
    payer,
    target_type,
    target_id,
    provider,
    idempotency_key,
    request_hash,
    coupon_codes,
    method,
    transaction_number,
    payer_phone,
    return_url,
):
    quote = quote_for(target_type=target_type, target_id=target_id, payer=payer)
    organization = quote.organization
    if not organization.is_verified:
        raise Conflict(
            _("This organisation cannot take payments yet."),
            code=PaymentError.ORGANIZATION_NOT_VERIFIED,
        )
    if payer_phone and str(payer_phone).strip():  # blank stays blank: no region to look up
        payer_phone = phone_e164_or_blank(
            payer_phone,
            region=phone_region_for(user=payer, organization=organization),
            field="payer_phone",
        )
    else:
        payer_phone = ""
    _refuse_second_payment(target_type=target_type, target_id=target_id, quote=quote)
    offer = None
    if method == PaymentMethod.ONLINE:
        offer = offers.offer_for(organization, provider)
        if offer is None:
            raise ValidationFailed(
                _("This payment method is not available here."),
                code=PaymentError.PROVIDER_UNAVAILABLE,
                fields={"provider": [_("Not available for this organisation.")]},
            )
        if quote.currency not in offer.adapter.currencies:
            raise ValidationFailed(
                _("This payment method does not accept %(currency)s.")
                % {"currency": quote.currency},
                code=PaymentError.CURRENCY_NOT_SUPPORTED,
                fields={"provider": [_("Currency not supported.")]},
            )
    if (
        transaction_number
        and Payment.objects.filter(
            organization=organization, method=method, transaction_number=transaction_number
        ).exists()
    ):
        raise Conflict(
            _("This transaction number was already declared."),
            code=PaymentError.TRANSACTION_NUMBER_USED,
        )
    codes = [code for code in dict.fromkeys(c.strip() for c in coupon_codes) if code]
    if codes and not quote.coupons_allowed:
        raise ValidationFailed(
            _("Coupons do not apply to this purchase."),
            code=PaymentError.COUPONS_NOT_ALLOWED,
            fields={"coupon_codes": [_("Coupons do not apply here.")]},
        )
    pricing = (
        coupons.coupons_hold(quote=quote, codes=codes, payer=payer, field="coupon_codes")
        if codes
        else None
    )
    now = timezone.now()
    ttl = (
        MANUAL_TTL if method in MANUAL_METHODS else timedelta(minutes=settings.PAYMENT_TTL_MINUTES)
    )
    expires_at = now + ttl
    if quote.expires_at is not None:
        expires_at = min(expires_at, quote.expires_at)
    subtotal = quote.amount
    amount = pricing.total if pricing else subtotal
    payment = Payment.objects.create(
        organization=organization,
        payer=payer,
        payer_email=getattr(payer, "email", "") or "",
        payer_phone=payer_phone,
        target_type=target_type,
        target_id=str(target_id),
        description=quote.description[:200],
        subtotal_amount=subtotal,
        discount_amount=pricing.discount if pricing else 0,
        amount=amount,
        currency=quote.currency,
        lines=[
            {
                "description": line.description,
                "unit_amount": line.unit_amount,
                "quantity": line.quantity,
                "vat_rate": None if line.vat_rate is None else str(line.vat_rate),
            }
            for line in quote.lines
        ],
        method=method,
        provider=provider if amount else offers.FREE,
        provider_account=offer.account if offer else None,
        return_url=return_url,
        expires_at=expires_at,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        transaction_number=transaction_number,
        metadata=dict(quote.metadata),
    )
    if pricing is not None:
        coupons.coupons_record(payment=payment, pricing=pricing)
    event_record(
        payment,
        "created",
        source=EventSource.API,
        to_status=PaymentStatus.CREATED,
        actor=payer,
        detail={"provider": payment.provider, "coupons": codes},
    )
    return payment, offer


@transaction.atomic
def _settle_free(payment: Payment) -> Payment:
    payment = payment_lock(payment.pk)
    transition(payment, PaymentStatus.PENDING, source=EventSource.SYSTEM)
    transition(
        payment,
        PaymentStatus.SUCCEEDED,
        source=EventSource.SYSTEM,
        detail={"reason": "nothing to pay"},
    )
    return payment


@transaction.atomic
def _declare_manual(payment: Payment) -> Payment:
    payment = payment_lock(payment.pk)
    transition(
        payment,
        PaymentStatus.PENDING,
        source=EventSource.API,
        actor=payment.payer,
        detail={"method": payment.method, "transaction_number": payment.transaction_number},
    )
    notices.tell_staff(payment, "manual_declared")
    return payment


def _start_checkout(payment: Payment, offer: offers.Offer) -> Payment:
    return_url = payment.return_url or public_link(f"/pay/return/{payment.pk}/")
    request = CheckoutRequest(
        payment_id=str(payment.pk),
        amount=int(payment.amount),
        currency=payment.currency,
        description=payment.description,
        return_url=return_url,
        cancel_url=return_url,
        webhook_url=offers.webhook_url(payment.provider, offer.account),
        payer_email=payment.payer_email,
        payer_phone=str(payment.payer_phone or ""),
        locale=getattr(payment.payer, "language", "") or "fr",
        idempotency_key=f"teranga-{payment.pk}",
    )
    try:
        checkout = offer.adapter.create_checkout(request=request, credentials=offer.credentials)
    except ProviderError as exc:
        logger.warning(
            "checkout refused",
            extra={"provider": payment.provider, "payment": str(payment.pk), "code": exc.code},
        )
        payment_apply_status(
            payment_id=payment.pk,
            status=PaymentStatus.FAILED,
            source=EventSource.SYSTEM,
            detail={"error": exc.code or "provider_error"},
            failure_reason=str(exc),
        )
        raise ProviderFailed() from exc
    with transaction.atomic():
        locked = payment_lock(payment.pk)
        locked.provider_reference = checkout.reference[:200]
        locked.checkout_url = checkout.redirect_url
        locked.client_secret = checkout.client_secret
        locked.provider_data = {**(locked.provider_data or {}), **checkout.data}
        locked.save(
            update_fields=[
                "provider_reference",
                "checkout_url",
                "client_secret",
                "provider_data",
                "updated_at",
            ]
        )
        if locked.status == PaymentStatus.CREATED:
            transition(
                locked,
                PaymentStatus.PENDING,
                source=EventSource.SYSTEM,
                detail={"reference": locked.provider_reference},
            )
    return locked


# --- Payer and time -----------------------------------------------------------------------


@transaction.atomic
def payment_cancel(*, payer, payment_id) -> Payment:
    """The payer gives up an open payment (409 ``invalid_transition`` once it is settled)."""
    payment = payment_lock(payment_id)
    if payment.payer_id != getattr(payer, "pk", None):
        raise NotFound(_("No such payment."), code=PaymentError.PAYMENT_NOT_FOUND)
    transition(
        payment,
        PaymentStatus.CANCELLED,
        source=EventSource.API,
        actor=payer,
        strict=True,
    )
    return payment


def payments_expire(*, now=None, limit: int = 500) -> int:
    """Open payments past their expiry that no provider knows of (no checkout was
    recorded: a crash or a refusal before it) or that are manual, expire. Online payments
    with a checkout are settled by reconciliation, which asks the provider first."""
    now = now or timezone.now()
    ids = list(
        Payment.objects.filter(status__in=OPEN_STATUSES, expires_at__lte=now)
        .filter(provider_reference="")
        .values_list("pk", flat=True)[:limit]
    )
    expired = 0
    for payment_id in ids:
        _payment, outcome = payment_apply_status(
            payment_id=payment_id, status=PaymentStatus.EXPIRED, source=EventSource.SYSTEM
        )
        expired += outcome == APPLIED
    return expired
