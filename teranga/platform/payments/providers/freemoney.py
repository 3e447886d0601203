"""Free Money (Senegal) through the PayTech aggregator (paytech.sn).

- Checkout: ``POST /payment/request-payment`` with headers ``API_KEY``/``API_SECRET`` and
  JSON ``item_name``, ``item_price``, ``currency``, ``ref_command`` (our payment id),
  ``command_name``, ``env`` (test/prod, credential ``env``), ``ipn_url``, ``success_url``,
  ``cancel_url``, ``target_payment`` ("Free Money": the hosted page offers only it) and
  ``custom_field`` → ``{"success": 1, "token", "redirect_url"}``; a refusal is
  ``{"success": 0 | -1, "message"}``.
- Status: ``GET /payment/get-status?token_payment=<token>``.
- IPN (form-encoded or JSON) to ``ipn_url``: ``type_event`` (sale_complete, sale_canceled,
  refund_complete, transfer_…), ``ref_command``, ``token``, prices … and its proof:
  ``hmac_compute`` = hex HMAC-SHA256 with the API secret of
  ``"<final_item_price>|<ref_command>|<api_key>"`` (preferred when present), else
  ``api_key_sha256``/``api_secret_sha256`` = SHA-256 of each key. The second proof is the
  same for every IPN, so neither is treated as authoritative: the services confirm with
  ``fetch_status``.
- Refund: ``POST /payment/refund-payment`` with ``ref_command`` refunds the whole payment
  (no amount parameter: partial refunds are refused before any call). PayTech confirms
  it later with a ``refund_complete`` IPN, so the refund starts as pending.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

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

API_URL = "https://paytech.sn/api"
TARGET_PAYMENT = "Free Money"
ENVIRONMENTS = frozenset({"test", "prod"})
SALE_EVENTS = {"sale_complete": "succeeded", "sale_canceled": "cancelled"}
REFUND_EVENT = "refund_complete"
STATUS_MAP = {
    "completed": "succeeded",
    "complete": "succeeded",
    "success": "succeeded",
    "sale_complete": "succeeded",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "sale_canceled": "cancelled",
    "pending": "pending",
    "sale_pending": "pending",
    "failed": "failed",
    "sale_failed": "failed",
    "expired": "expired",
}


def refund_reference(token: str) -> str:
    """Our name for PayTech's (only, whole) refund of the payment ``token``."""
    return f"{token}:refund"


def _json(response: httpx2.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ProviderError(
            "free_money answered with an unexpected body", code="malformed_response"
        )
    return data


def _succeeded(data: Mapping[str, Any]) -> bool:
    return str(data.get("success")) == "1"


def _fields(body: bytes, content_type: str) -> dict[str, str]:
    """The IPN's fields, whether PayTech posted a form or JSON."""
    text = body.decode("utf-8")
    if "json" in content_type or text.lstrip().startswith("{"):
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return {str(k): "" if v is None else str(v) for k, v in data.items()}
    return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))


def _verify(fields: Mapping[str, str], api_key: str, api_secret: str) -> None:
    given_hmac = fields.get("hmac_compute", "").strip().lower()
    if given_hmac:
        ref_command = fields.get("ref_command", "")
        prices = {fields.get("final_item_price", ""), fields.get("item_price", "")} - {""}
        for price in sorted(prices):
            message = f"{price}|{ref_command}|{api_key}".encode()
            expected = hmac.new(api_secret.encode(), message, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, given_hmac):
                return
        raise WebhookRejected("invalid_signature", "hmac_compute does not match")
    key_hash = fields.get("api_key_sha256", "").strip().lower()
    secret_hash = fields.get("api_secret_sha256", "").strip().lower()
    key_ok = hmac.compare_digest(hashlib.sha256(api_key.encode()).hexdigest(), key_hash)
    secret_ok = hmac.compare_digest(hashlib.sha256(api_secret.encode()).hexdigest(), secret_hash)
    if not (key_ok and secret_ok):
        raise WebhookRejected("invalid_signature", "IPN key hashes do not match")


class FreeMoneyProvider:
    name = "free_money"
    label = "Free Money"
    currencies = frozenset({"XOF"})
    supports_refunds = True  # PayTech documents POST /payment/refund-payment (whole payment)
    credential_fields: tuple[str, ...] = ("api_key", "api_secret")
    webhook_credential_fields: tuple[str, ...] = ("api_key", "api_secret")

    def _client(self, credentials: Credentials) -> httpx2.Client:
        return http.client(
            base_url=credentials.get("api_url") or API_URL,
            headers={
                "API_KEY": credentials["api_key"],
                "API_SECRET": credentials["api_secret"],
                "Accept": "application/json",
            },
        )

    def create_checkout(self, *, request: CheckoutRequest, credentials: Credentials) -> Checkout:
        credentials.require(*self.credential_fields)
        if request.currency not in self.currencies:
            raise ProviderError("free_money only takes XOF", code="unsupported_currency")
        env = credentials.get("env") or "prod"
        if env not in ENVIRONMENTS:
            raise ProviderError("free_money env must be test or prod", code="not_configured")
        body = {
            "item_name": request.description,
            "item_price": int(request.amount),
            "currency": request.currency,
            "ref_command": request.payment_id,
            "command_name": request.description,
            "env": env,
            "ipn_url": request.webhook_url,
            "success_url": request.return_url,
            "cancel_url": request.cancel_url,
            "target_payment": TARGET_PAYMENT,
            "custom_field": json.dumps({"payment_id": request.payment_id}),
        }
        with self._client(credentials) as client:
            response = http.send(
                client,
                "POST",
                "/payment/request-payment",
                provider=self.name,
                retry=False,  # no idempotency key at PayTech
                json=body,
            )
        http.raise_for_status(response, provider=self.name)
        data = _json(response)
        token = str(data.get("token") or "")
        redirect_url = str(data.get("redirect_url") or data.get("redirectUrl") or "")
        if not _succeeded(data):
            raise ProviderError("free_money refused the payment request", code="refused")
        if not (token and redirect_url):
            raise ProviderError("free_money answered without a token", code="malformed_response")
        return Checkout(reference=token, redirect_url=redirect_url, data={"token": token})

    def fetch_status(self, *, payment: PaymentRef, credentials: Credentials) -> ProviderStatus:
        credentials.require(*self.credential_fields)
        with self._client(credentials) as client:
            response = http.send(
                client,
                "GET",
                "/payment/get-status",
                provider=self.name,
                retry=True,
                params={"token_payment": payment.reference},
            )
        http.raise_for_status(response, provider=self.name)
        data = _json(response)
        if not _succeeded(data):
            raise ProviderError("free_money knows no such payment", code="not_found")
        details = data.get("payment") or data.get("data") or data
        if not isinstance(details, dict):
            details = data
        raw = str(details.get("status") or details.get("type_event") or "").lower()
        return ProviderStatus(
            status=STATUS_MAP.get(raw, "pending"),
            reference=payment.reference,
            detail="" if raw in STATUS_MAP else f"unknown status {raw[:40]}",
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
        try:
            fields = _fields(body, headers.get("content-type", ""))
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected("malformed", "unreadable IPN") from None
        _verify(fields, credentials["api_key"], credentials["api_secret"])
        type_event = fields.get("type_event", "")
        token = fields.get("token", "")
        ref_command = fields.get("ref_command", "")
        if not (type_event and token and ref_command):
            raise WebhookRejected("malformed", "IPN lacks type_event, token or ref_command")
        if type_event not in SALE_EVENTS and type_event != REFUND_EVENT:
            return []  # transfers (payouts) are not payments of ours
        try:
            payment_id: str | None = str(uuid.UUID(ref_command))
        except ValueError:
            payment_id = None
        notice = {
            "event_id": f"ptk:{token}:{type_event}"[:200],
            "event_type": type_event,
            "payment_id": payment_id,
            "reference": token,
            "authoritative": False,
        }
        if type_event == REFUND_EVENT:
            return [
                WebhookNotice(
                    **notice, refund_reference=refund_reference(token), refund_status="succeeded"
                )
            ]
        return [WebhookNotice(**notice, status=SALE_EVENTS[type_event])]

    def refund(self, *, request: RefundRequest, credentials: Credentials) -> RefundOutcome:
        credentials.require(*self.credential_fields)
        if request.amount != request.payment.amount:
            raise ProviderError(
                "PayTech refunds whole payments only", code="partial_refund_unsupported"
            )
        with self._client(credentials) as client:
            response = http.send(
                client,
                "POST",
                "/payment/refund-payment",
                provider=self.name,
                retry=False,  # no idempotency key at PayTech
                data={"ref_command": request.payment.payment_id},
            )
        http.raise_for_status(response, provider=self.name)
        if not _succeeded(_json(response)):
            raise ProviderError("free_money refused the refund", code="refused")
        return RefundOutcome(
            status="pending", reference=refund_reference(request.payment.reference)
        )
