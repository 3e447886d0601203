"""Wave (Senegal, Côte d'Ivoire …) through its Checkout API.

- Checkout: ``POST /v1/checkout/sessions`` (Bearer API key, ``Idempotency-Key``) with the
  amount as a string of XOF francs, ``success_url``/``error_url`` and our payment id as
  ``client_reference``; the payer opens ``wave_launch_url``.
- Status: ``GET /v1/checkout/sessions/{id}``: ``checkout_status`` is open, complete or
  expired; ``payment_status`` is processing, cancelled or succeeded.
- Webhooks: header ``Wave-Signature: t=<unix time>,v1=<hex>[,v1=<hex> …]``, each v1 an
  HMAC-SHA256 with the webhook (signing) secret over the timestamp string immediately
  followed by the raw body (no separator). Several v1 values appear while a secret is
  rotated; one match is enough. Older than five minutes: refused. Events used:
  ``checkout.session.completed`` and ``checkout.session.payment_failed``; the others
  (merchant and B2B payments) concern no checkout of ours.
- Refund: ``POST /v1/checkout/sessions/{id}/refund`` with no body refunds the whole
  session (idempotent: a repeat refunds nothing more), so partial refunds are refused
  before any call.
- Errors: ``{"code": "checkout-refund-failed", "message": …}``; the code becomes
  ``ProviderError.code`` (``checkout_refund_failed``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import httpx2

from teranga.core import http

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

API_URL = "https://api.wave.com"
SIGNATURE_HEADER = "wave-signature"
TOLERANCE_SECONDS = 300
EVENT_COMPLETED = "checkout.session.completed"
EVENT_PAYMENT_FAILED = "checkout.session.payment_failed"


def session_status(session: Mapping[str, Any]) -> str:
    """Our PaymentStatus for a checkout session object."""
    payment_status = session.get("payment_status")
    checkout_status = session.get("checkout_status")
    if payment_status == "succeeded":
        return "succeeded"
    if checkout_status == "expired":
        return "expired"
    if payment_status == "cancelled":
        return "cancelled"
    # processing, with the session open (the payer may still pay, or try again after a
    # failed attempt) or complete but not yet settled.
    return "pending"


def _amount(value: Any) -> int | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return int(amount) if amount == amount.to_integral_value() else None


def _raise_for_status(response: httpx2.Response) -> None:
    if response.is_success:
        return
    try:
        code = str(response.json().get("code") or "")
    except (ValueError, AttributeError):
        code = ""
    if not code:
        http.raise_for_status(response, provider=WaveProvider.name)
    raise ProviderError(
        f"wave answered HTTP {response.status_code} ({code})",
        retryable=response.status_code in http.RETRYABLE_STATUS,
        code=code.replace("-", "_"),
    )


def _json(response: httpx2.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ProviderError("wave answered with an unexpected body", code="malformed_response")
    return data


def _verify(body: bytes, header: str, secret: str, *, now: float | None = None) -> None:
    timestamp = ""
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1" and value:
            signatures.append(value.lower())
    if not timestamp.isdigit() or not signatures:
        raise WebhookRejected("invalid_signature", "missing or malformed Wave-Signature")
    expected = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise WebhookRejected("invalid_signature", "Wave-Signature does not match")
    if abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE_SECONDS:
        raise WebhookRejected("stale_timestamp", "Wave-Signature timestamp is too old")


class WaveProvider:
    name = "wave"
    label = "Wave"
    currencies = frozenset({"XOF"})
    supports_refunds = True
    credential_fields: tuple[str, ...] = ("api_key", "webhook_secret")
    webhook_credential_fields: tuple[str, ...] = ("webhook_secret",)

    def _client(self, credentials: Credentials) -> httpx2.Client:
        return http.client(
            base_url=credentials.get("api_url") or API_URL,
            headers={
                "Authorization": f"Bearer {credentials['api_key']}",
                "Accept": "application/json",
            },
        )

    def create_checkout(self, *, request: CheckoutRequest, credentials: Credentials) -> Checkout:
        credentials.require("api_key")
        if request.currency not in self.currencies:
            raise ProviderError("wave only takes XOF", code="unsupported_currency")
        body = {
            "amount": str(int(request.amount)),  # XOF has no minor unit
            "currency": request.currency,
            "success_url": request.return_url,
            "error_url": request.cancel_url,
            "client_reference": request.payment_id,
        }
        idempotency_key = request.idempotency_key or f"teranga-checkout-{request.payment_id}"
        with self._client(credentials) as client:
            response = http.send(
                client,
                "POST",
                "/v1/checkout/sessions",
                provider=self.name,
                retry=True,  # safe: the Idempotency-Key makes a repeat return the same session
                json=body,
                headers={"Idempotency-Key": idempotency_key},
            )
        _raise_for_status(response)
        session = _json(response)
        if not session.get("id") or not session.get("wave_launch_url"):
            raise ProviderError("wave answered without a session", code="malformed_response")
        return Checkout(
            reference=str(session["id"]),
            redirect_url=str(session["wave_launch_url"]),
            data={"when_expires": session.get("when_expires") or ""},
        )

    def fetch_status(self, *, payment: PaymentRef, credentials: Credentials) -> ProviderStatus:
        credentials.require("api_key")
        with self._client(credentials) as client:
            response = http.send(
                client,
                "GET",
                f"/v1/checkout/sessions/{quote(payment.reference, safe='')}",
                provider=self.name,
                retry=True,
            )
        _raise_for_status(response)
        session = _json(response)
        error = session.get("last_payment_error") or {}
        return ProviderStatus(
            status=session_status(session),
            reference=str(session.get("id") or payment.reference),
            amount=_amount(session.get("amount")),
            currency=session.get("currency") or None,
            detail=str(error.get("code") or "") if isinstance(error, dict) else "",
        )

    def parse_webhook(
        self,
        *,
        body: bytes,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        credentials: Credentials,
    ) -> list[WebhookNotice]:
        credentials.require(*self.webhook_credential_fields)
        _verify(body, headers.get(SIGNATURE_HEADER, ""), credentials["webhook_secret"])
        try:
            event = json.loads(body)
            event_id = str(event["id"])
            event_type = str(event["type"])
            data = event["data"]
            if not isinstance(data, dict):
                raise TypeError
            if event_type not in (EVENT_COMPLETED, EVENT_PAYMENT_FAILED):
                return []
            session_id = str(data["id"])
        except (ValueError, KeyError, TypeError):
            raise WebhookRejected("malformed", "unexpected Wave event") from None
        status = session_status(data) if event_type == EVENT_COMPLETED else "failed"
        return [
            WebhookNotice(
                event_id=event_id,
                event_type=event_type,
                payment_id=str(data.get("client_reference") or "") or None,
                reference=session_id,
                status=status,
                amount=_amount(data.get("amount")),
                currency=data.get("currency") or None,
            )
        ]

    def refund(self, *, request: RefundRequest, credentials: Credentials) -> RefundOutcome:
        credentials.require("api_key")
        if request.amount != request.payment.amount:
            raise ProviderError(
                "wave refunds whole checkout sessions only", code="partial_refund_unsupported"
            )
        session_id = request.payment.reference
        with self._client(credentials) as client:
            response = http.send(
                client,
                "POST",
                f"/v1/checkout/sessions/{quote(session_id, safe='')}/refund",
                provider=self.name,
                retry=True,  # documented idempotent, and sent with an Idempotency-Key
                headers={"Idempotency-Key": f"teranga-refund-{request.refund_id}"},
            )
        _raise_for_status(response)
        return RefundOutcome(status="succeeded", reference=session_id)
