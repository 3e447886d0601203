"""The sandbox provider, the default: a hosted confirmation page on our own site
(``/pay/sandbox/<payment id>/``) where the payer chooses success, failure or cancellation.

It behaves like a real provider: its own state lives in ``SandboxCharge`` (the
"provider side"), the result reaches us as a signed webhook through the same path as a
real provider's (``/api/v1/payments/webhooks/sandbox/``, verified on the raw body), and
``fetch_status`` answers reconciliation from that state. The signature is an HMAC-SHA256
over ``"<timestamp>.<raw body>"`` with a key derived from ``SECRET_KEY`` (or
``SANDBOX_WEBHOOK_SECRET``); anything older than five minutes is rejected.

The payer's choice on that page, and the webhook it sends, are a service:
``services.sandbox.sandbox_decide``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction

from teranga.core.links import public_link

from ..models import SandboxCharge
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

SIGNATURE_HEADER = "teranga-sandbox-signature"
TOLERANCE_SECONDS = 300
OUTCOME_TO_STATUS = {
    "open": "pending",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
}


def _secret() -> bytes:
    configured = getattr(settings, "SANDBOX_WEBHOOK_SECRET", "")
    if configured:
        return configured.encode()
    return hashlib.sha256(f"teranga.payments.sandbox:{settings.SECRET_KEY}".encode()).digest()


def sign(body: bytes, *, timestamp: int | None = None) -> str:
    """The signature header value for ``body``: ``t=<unix time>,v1=<hex HMAC>``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(_secret(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(body: bytes, header: str, *, now: float | None = None) -> None:
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise WebhookRejected("invalid_signature", "missing or malformed signature") from None
    expected = hmac.new(_secret(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise WebhookRejected("invalid_signature", "signature does not match")
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_SECONDS:
        raise WebhookRejected("stale_timestamp", "signature timestamp is too old")


def event_body(charge, *, event_type: str) -> bytes:
    """The webhook body the sandbox sends when its page decides ``charge``."""
    return json.dumps(
        {
            "id": f"sbx_evt_{uuid.uuid4().hex}",
            "type": event_type,
            "data": {
                "payment_id": str(charge.payment_id),
                "reference": str(charge.pk),
                "outcome": charge.outcome,
                "amount": int(charge.amount),
                "currency": charge.currency,
            },
        },
        separators=(",", ":"),
    ).encode()


class SandboxProvider:
    name = "sandbox"
    label = "Sandbox (test payments)"
    currencies = frozenset({"XOF", "EUR"})
    supports_refunds = True
    credential_fields: tuple[str, ...] = ()
    webhook_credential_fields: tuple[str, ...] = ()

    def create_checkout(self, *, request: CheckoutRequest, credentials: Credentials) -> Checkout:
        charge, _created = SandboxCharge.objects.get_or_create(
            payment_id=request.payment_id,
            defaults={
                "amount": request.amount,
                "currency": request.currency,
                "description": request.description[:200],
            },
        )
        return Checkout(
            reference=str(charge.pk),
            redirect_url=public_link(f"/pay/sandbox/{request.payment_id}/"),
        )

    def fetch_status(self, *, payment: PaymentRef, credentials: Credentials) -> ProviderStatus:
        charge = SandboxCharge.objects.filter(pk=payment.reference).first()
        if charge is None:
            raise ProviderError("unknown sandbox charge", code="not_found")
        return ProviderStatus(
            status=OUTCOME_TO_STATUS[charge.outcome],
            reference=str(charge.pk),
            amount=int(charge.amount),
            currency=charge.currency,
        )

    def parse_webhook(
        self,
        *,
        body: bytes,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        credentials: Credentials,
    ) -> list[WebhookNotice]:
        verify(body, headers.get(SIGNATURE_HEADER, ""))
        try:
            event = json.loads(body)
            data = event["data"]
            return [
                WebhookNotice(
                    event_id=str(event["id"]),
                    event_type=str(event["type"]),
                    payment_id=str(data["payment_id"]),
                    reference=str(data["reference"]),
                    status=OUTCOME_TO_STATUS[data["outcome"]],
                    amount=int(data["amount"]),
                    currency=str(data["currency"]),
                )
            ]
        except (ValueError, KeyError, TypeError):
            raise WebhookRejected("malformed", "unexpected sandbox event") from None

    def refund(self, *, request: RefundRequest, credentials: Credentials) -> RefundOutcome:
        with transaction.atomic():
            charge = (
                SandboxCharge.objects.select_for_update()
                .filter(pk=request.payment.reference)
                .first()
            )
            reference = f"sbx_re_{request.refund_id}"
            if charge is not None and request.refund_id in charge.refund_ids:
                return RefundOutcome(status="succeeded", reference=reference)  # a retry
            if charge is None or charge.outcome != SandboxCharge.Outcome.SUCCEEDED:
                raise ProviderError("nothing to refund on this sandbox charge", code="refused")
            if charge.refunded_amount + request.amount > charge.amount:
                raise ProviderError("refund exceeds the charge", code="refused")
            charge.refunded_amount += request.amount
            charge.refund_ids = [*charge.refund_ids, request.refund_id]
            charge.save(update_fields=["refunded_amount", "refund_ids", "updated_at"])
        return RefundOutcome(status="succeeded", reference=reference)


#: What the payer may choose on the hosted page, and the event each choice sends.
OUTCOMES = {
    "succeeded": "payment.succeeded",
    "failed": "payment.failed",
    "cancelled": "payment.cancelled",
}
