"""Stripe (cards) through the official SDK: one PaymentIntent per payment.

The payer's app or page confirms the PaymentIntent with its ``client_secret`` (Stripe's
mobile SDK or Payment Element); the result reaches us as a signed webhook
(``Stripe-Signature``, verified on the raw body by ``stripe.Webhook``) and, for
reconciliation, by retrieving the PaymentIntent.

Every call builds its own ``StripeClient`` from the credentials it is given (an
organisation's own account or the environment's): never the global ``stripe.api_key``.
Each call has a timeout and bounded retries (Stripe's SDK retries connection errors,
409 and 5xx, and sends our idempotency key with every retry of a POST). Stripe's error
messages are never copied into ours: some of them quote part of the API key.

Amounts are minor units as Stripe wants them: XOF is a zero-decimal currency at Stripe
(1 500 F CFA is sent as 1500), EUR is in cents.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import stripe
from django.conf import settings

from teranga.core.asgi_handler import slot_released

from .base import (
    Checkout,
    CheckoutRequest,
    Credentials,
    PaymentRef,
    ProviderError,
    ProviderStatus,
    RefundOutcome,
    RefundRequest,
    WebhookNotice,
    WebhookRejected,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "stripe-signature"

#: PaymentIntent.status -> our PaymentStatus (``requires_payment_method`` is special:
#: failed when the last attempt was declined, else still pending).
INTENT_STATUS = {
    "succeeded": "succeeded",
    "canceled": "cancelled",
    "processing": "pending",
    "requires_action": "pending",
    "requires_confirmation": "pending",
    "requires_capture": "pending",
    "requires_payment_method": "pending",
}
#: Refund.status -> our refund status.
REFUND_STATUS = {
    "pending": "pending",
    "requires_action": "pending",
    "succeeded": "succeeded",
    "failed": "failed",
    "canceled": "failed",
}
#: Webhook event types that carry a payment state.
INTENT_EVENTS = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "payment_intent.canceled": "cancelled",
    "payment_intent.processing": "pending",
}
#: Webhook event types about a refund: ``data.object`` is a Refund (or, for
#: ``charge.refunded``, the Charge with its refunds).
REFUND_EVENTS = frozenset(
    {"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"}
)


@contextlib.contextmanager
def _client(credentials: Credentials) -> Iterator[stripe.StripeClient]:
    """A client for this account only, its HTTP session closed after the call. The call
    gives the request's slot to the next one meanwhile (``teranga.core.asgi_handler``)."""
    http_client = stripe.RequestsClient(timeout=float(settings.PAYMENTS_HTTP_TIMEOUT))
    try:
        with slot_released():
            yield stripe.StripeClient(
                credentials["secret_key"],
                http_client=http_client,
                max_network_retries=int(settings.PAYMENTS_HTTP_RETRIES),
            )
    finally:
        http_client.close()


def _provider_error(exc: stripe.StripeError, *, action: str) -> ProviderError:
    """Our error for a Stripe one: its class, HTTP status and code, never its message."""
    status = exc.http_status or 0
    retryable = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or (
        status >= 500
    )
    if isinstance(exc, stripe.APIConnectionError):
        code = "unreachable"
    elif isinstance(exc, stripe.AuthenticationError):
        code = "authentication_failed"
    else:
        body = exc.json_body if isinstance(exc.json_body, dict) else {}
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        code = exc.code or error.get("type") or (f"http_{status}" if status else "stripe_error")
    logger.warning(
        "stripe call failed",
        extra={"action": action, "error": type(exc).__name__, "status": status, "code": code},
    )
    detail = f"HTTP {status}, {code}" if status else code
    return ProviderError(
        f"Stripe {action} failed ({type(exc).__name__}: {detail})",
        retryable=retryable,
        code=code,
    )


def _intent_status(intent: Mapping[str, Any]) -> str:
    status = str(intent.get("status") or "")
    if status == "requires_payment_method" and intent.get("last_payment_error"):
        return "failed"
    return INTENT_STATUS.get(status, "pending")


def _upper(currency: Any) -> str | None:
    return str(currency).upper() if currency else None


def _amount(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


class StripeProvider:
    name = "stripe"
    label = "Carte bancaire (Stripe)"
    currencies = frozenset({"XOF", "EUR"})
    supports_refunds = True
    credential_fields: tuple[str, ...] = ("secret_key", "webhook_secret")
    webhook_credential_fields: tuple[str, ...] = ("webhook_secret",)

    # -- checkout ---------------------------------------------------------------------

    def create_checkout(self, *, request: CheckoutRequest, credentials: Credentials) -> Checkout:
        credentials.require("secret_key")
        if request.currency not in self.currencies:
            raise ProviderError(
                f"Stripe does not take {request.currency}", code="unsupported_currency"
            )
        params: dict[str, Any] = {
            "amount": int(request.amount),  # minor units as-is (XOF is zero-decimal)
            "currency": request.currency.lower(),
            "automatic_payment_methods": {"enabled": True},
            "metadata": {"payment_id": request.payment_id},
            "description": request.description[:1000],
        }
        if request.payer_email:
            params["receipt_email"] = request.payer_email
        options = {"idempotency_key": request.idempotency_key or request.payment_id}
        try:
            with _client(credentials) as client:
                intent = client.v1.payment_intents.create(params=params, options=options)
        except stripe.StripeError as exc:
            raise _provider_error(exc, action="checkout") from None
        data = intent.to_dict()
        return Checkout(
            reference=str(data["id"]),
            client_secret=str(data.get("client_secret") or ""),
            redirect_url="",
        )

    # -- status -----------------------------------------------------------------------

    def fetch_status(self, *, payment: PaymentRef, credentials: Credentials) -> ProviderStatus:
        credentials.require("secret_key")
        try:
            with _client(credentials) as client:
                intent = client.v1.payment_intents.retrieve(payment.reference)
        except stripe.StripeError as exc:
            raise _provider_error(exc, action="status") from None
        data = intent.to_dict()
        error = data.get("last_payment_error") or {}
        return ProviderStatus(
            status=_intent_status(data),
            reference=str(data.get("id") or payment.reference),
            amount=_amount(data.get("amount")),
            currency=_upper(data.get("currency")),
            detail=str(error.get("decline_code") or error.get("code") or data.get("status")),
        )

    # -- webhooks ---------------------------------------------------------------------

    def parse_webhook(
        self,
        *,
        body: bytes,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        credentials: Credentials,
    ) -> list[WebhookNotice]:
        credentials.require("webhook_secret")
        secret = credentials["webhook_secret"]
        header = headers.get(SIGNATURE_HEADER, "")
        try:
            event = stripe.Webhook.construct_event(body, header, secret)
        except stripe.SignatureVerificationError:
            raise WebhookRejected(_rejection(body, header, secret)) from None
        except (ValueError, TypeError, AttributeError):  # not JSON, not an event object
            raise WebhookRejected("malformed", "the body is not a Stripe event") from None
        try:
            return [_notice(event.to_dict())]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise WebhookRejected("malformed", "unexpected Stripe event shape") from None

    # -- refunds ----------------------------------------------------------------------

    def refund(self, *, request: RefundRequest, credentials: Credentials) -> RefundOutcome:
        credentials.require("secret_key")
        params: dict[str, Any] = {
            "payment_intent": request.payment.reference,
            "amount": int(request.amount),
            "metadata": {"refund_id": request.refund_id, "payment_id": request.payment.payment_id},
        }
        try:
            with _client(credentials) as client:
                refund = client.v1.refunds.create(
                    params=params, options={"idempotency_key": request.refund_id}
                )
        except stripe.StripeError as exc:
            raise _provider_error(exc, action="refund") from None
        data = refund.to_dict()
        status = str(data.get("status") or "")
        return RefundOutcome(
            status=REFUND_STATUS.get(status, "pending"),
            reference=str(data.get("id") or ""),
            detail=str(data.get("failure_reason") or status),
        )


def _rejection(body: bytes, header: str, secret: str) -> str:
    """Why ``construct_event`` refused: a good signature whose timestamp is outside
    Stripe's tolerance is ``stale_timestamp``; anything else is ``invalid_signature``."""
    try:
        stripe.WebhookSignature.verify_header(body, header, secret, tolerance=None)
    except (stripe.SignatureVerificationError, ValueError):
        return "invalid_signature"
    return "stale_timestamp"


def _notice(event: Mapping[str, Any]) -> WebhookNotice:
    event_id = str(event["id"])
    event_type = str(event["type"])
    obj = event["data"]["object"]
    metadata = obj.get("metadata") or {}
    payment_id = metadata.get("payment_id") or None
    if event_type in INTENT_EVENTS or obj.get("object") == "payment_intent":
        return WebhookNotice(
            event_id=event_id,
            event_type=event_type,
            payment_id=payment_id,
            reference=str(obj["id"]),
            status=INTENT_EVENTS.get(event_type),
            amount=_amount(obj.get("amount")),
            currency=_upper(obj.get("currency")),
        )
    if event_type in REFUND_EVENTS:
        return _refund_notice(event_id, event_type, obj, payment_id=payment_id)
    if event_type == "charge.refunded":
        refunds = (obj.get("refunds") or {}).get("data") or []
        if refunds:  # newest first; absent on recent API versions (see refund.* events)
            return _refund_notice(
                event_id,
                event_type,
                refunds[0],
                payment_id=payment_id,
                reference=obj.get("payment_intent"),
            )
        return WebhookNotice(
            event_id=event_id,
            event_type=event_type,
            payment_id=payment_id,
            reference=obj.get("payment_intent") or None,
        )
    return WebhookNotice(  # an event without a payment state: stored, then ignored
        event_id=event_id,
        event_type=event_type,
        payment_id=payment_id,
        reference=obj.get("payment_intent") or None,
    )


def _refund_notice(
    event_id: str,
    event_type: str,
    refund: Mapping[str, Any],
    *,
    payment_id: str | None,
    reference: str | None = None,
) -> WebhookNotice:
    metadata = refund.get("metadata") or {}
    return WebhookNotice(
        event_id=event_id,
        event_type=event_type,
        payment_id=metadata.get("payment_id") or payment_id,
        reference=refund.get("payment_intent") or reference or None,
        refund_id=metadata.get("refund_id") or None,
        refund_reference=str(refund["id"]),
        refund_status=REFUND_STATUS.get(str(refund.get("status") or ""), "pending"),
    )
