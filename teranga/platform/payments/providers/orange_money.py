"""Orange Money through the Orange Developer "Web Payment" API (Sonatel in Senegal).

- Token: ``POST /oauth/v3/token`` with HTTP Basic ``client_id:client_secret`` and the form
  ``grant_type=client_credentials`` → ``{"access_token", "expires_in"}``. Kept in Django's
  cache for ``expires_in`` minus a margin, under a digest of the API URL and client id
  (never the token itself in a key, a log or a message); a 401 from the API drops it and
  the call is made once more with a fresh token.
- Payment: ``POST /orange-money-webpay/{country}/v1/webpayment`` → 201 ``{pay_token,
  payment_url, notif_token}``. ``currency`` is "OUV" on the development platform and
  "XOF" in production (credential ``currency_code``). ``order_id`` must be unique and
  short: the payment id's hex without dashes, cut to 30 characters (kept in
  ``Checkout.data``). The notification URL carries ``?payment=<payment id>`` because the
  notification itself names no order.
- Status: ``POST /orange-money-webpay/{country}/v1/transactionstatus`` with ``order_id``,
  ``amount`` and ``pay_token`` → INITIATED, PENDING, SUCCESS, FAILED or EXPIRED.
- Notification: JSON ``{"status", "notif_token", "txnid"}``, unsigned. It only says
  "look at this payment": the services compare ``notif_token`` with the one received at
  checkout (constant time) and confirm with ``fetch_status`` before acting.
- No refund API: refunds raise ``ProviderError(code="refund_unsupported")``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx2
from django.core.cache import cache

from teranga.core import http, orange_oauth

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

API_URL = "https://api.orange.com"
COUNTRY_PATH = "sn"
TOKEN_CACHE_PREFIX = "payments:orange_money:token:"
ORDER_ID_LENGTH = 30
STATUS_MAP = {
    "INITIATED": "pending",
    "PENDING": "pending",
    "SUCCESS": "succeeded",
    "FAILED": "failed",
    "EXPIRED": "expired",
}


def order_id_for(payment_id: str) -> str:
    """Orange's ``order_id`` for our payment: its UUID hex, cut to 30 characters."""
    try:
        compact = uuid.UUID(payment_id).hex
    except ValueError:
        compact = payment_id.replace("-", "")
    return compact[:ORDER_ID_LENGTH]


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to its query string (kept if it already has one)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _json(response: httpx2.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ProviderError(
            "orange_money answered with an unexpected body", code="malformed_response"
        )
    return data


class OrangeMoneyProvider:
    name = "orange_money"
    label = "Orange Money"
    currencies = frozenset({"XOF"})
    supports_refunds = False
    credential_fields: tuple[str, ...] = ("client_id", "client_secret", "merchant_key")
    # Confirming a notification needs a status query, hence the API credentials.
    webhook_credential_fields: tuple[str, ...] = ("client_id", "client_secret", "merchant_key")

    # -- plumbing ------------------------------------------------------------------------

    @staticmethod
    def _api_url(credentials: Credentials) -> str:
        return credentials.get("api_url") or API_URL

    def _webpay_path(self, credentials: Credentials, operation: str) -> str:
        country = (credentials.get("country_path") or COUNTRY_PATH).strip("/")
        return f"/orange-money-webpay/{country}/v1/{operation}"

    def _token_cache_key(self, credentials: Credentials) -> str:
        return orange_oauth.token_cache_key(
            TOKEN_CACHE_PREFIX,
            api_url=self._api_url(credentials),
            client_id=credentials["client_id"],
        )

    def _token(self, client: httpx2.Client, credentials: Credentials) -> str:
        try:
            return orange_oauth.access_token(
                client,
                provider=self.name,
                client_id=credentials["client_id"],
                client_secret=credentials["client_secret"],
                cache_key=self._token_cache_key(credentials),
            )
        except orange_oauth.OrangeTokenError as exc:
            if exc.response is not None:
                http.raise_for_status(exc.response, provider=self.name)
            raise ProviderError(
                "orange_money gave no access token", code="malformed_response"
            ) from exc

    def _call(
        self,
        client: httpx2.Client,
        credentials: Credentials,
        path: str,
        body: dict[str, Any],
        *,
        retry: bool,
    ) -> httpx2.Response:
        """POST ``body`` with a bearer token; on 401 drop the cached token, try once more
        (a 401 means the request was refused before anything was created)."""
        response = None
        for attempt in range(2):
            token = self._token(client, credentials)
            response = http.send(
                client,
                "POST",
                path,
                provider=self.name,
                retry=retry,
                json=body,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            )
            if response.status_code != 401 or attempt:
                break
            cache.delete(self._token_cache_key(credentials))
        return response

    # -- the protocol --------------------------------------------------------------------

    def create_checkout(self, *, request: CheckoutRequest, credentials: Credentials) -> Checkout:
        credentials.require(*self.credential_fields)
        if request.currency not in self.currencies:
            raise ProviderError("orange_money only takes XOF", code="unsupported_currency")
        order_id = order_id_for(request.payment_id)
        body = {
            "merchant_key": credentials["merchant_key"],
            "currency": credentials.get("currency_code") or "XOF",
            "order_id": order_id,
            "amount": int(request.amount),
            "return_url": request.return_url,
            "cancel_url": request.cancel_url,
            "notif_url": with_query(request.webhook_url, payment=request.payment_id),
            "lang": "en" if request.locale.lower().startswith("en") else "fr",
            "reference": credentials.get("reference") or request.description[:30],
        }
        with http.client(base_url=self._api_url(credentials)) as client:
            response = self._call(
                client, credentials, self._webpay_path(credentials, "webpayment"), body,
                retry=False,  # no idempotency key: a repeat could open a second payment
            )
        http.raise_for_status(response, provider=self.name)
        data = _json(response)
        pay_token = str(data.get("pay_token") or "")
        payment_url = str(data.get("payment_url") or "")
        notif_token = str(data.get("notif_token") or "")
        if not (pay_token and payment_url and notif_token):
            raise ProviderError(
                "orange_money answered without a payment", code="malformed_response"
            )
        return Checkout(
            reference=pay_token,
            redirect_url=payment_url,
            data={"pay_token": pay_token, "notif_token": notif_token, "order_id": order_id},
        )

    def fetch_status(self, *, payment: PaymentRef, credentials: Credentials) -> ProviderStatus:
        credentials.require(*self.credential_fields)
        pay_token = str(payment.data.get("pay_token") or payment.reference)
        body = {
            "order_id": str(payment.data.get("order_id") or order_id_for(payment.payment_id)),
            "amount": int(payment.amount),
            "pay_token": pay_token,
        }
        with http.client(base_url=self._api_url(credentials)) as client:
            response = self._call(
                client, credentials, self._webpay_path(credentials, "transactionstatus"), body,
                retry=True,  # a status query: repeating it is harmless
            )
        http.raise_for_status(response, provider=self.name)
        raw = str(_json(response).get("status") or "").upper()
        return ProviderStatus(
            status=STATUS_MAP.get(raw, "pending"),
            reference=pay_token,
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
            payment_id = str(uuid.UUID(query.get("payment") or ""))
        except ValueError:
            raise WebhookRejected("invalid_signature", "notification names no payment") from None
        try:
            notification = json.loads(body)
        except ValueError:
            raise WebhookRejected("malformed", "notification is not JSON") from None
        if not isinstance(notification, dict):
            raise WebhookRejected("malformed", "notification is not an object")
        notif_token = notification.get("notif_token")
        if not isinstance(notif_token, str) or not notif_token:
            raise WebhookRejected("invalid_signature", "notification carries no notif_token")
        status = str(notification.get("status") or "")
        txnid = str(notification.get("txnid") or "")
        digest = hashlib.sha256(f"{payment_id}|{status}|{txnid}".encode()).hexdigest()
        return [
            WebhookNotice(
                event_id=f"om:{digest}",
                event_type=f"notification.{status.lower() or 'unknown'}"[:100],
                payment_id=payment_id,
                status=None,
                authoritative=False,
                shared_token=notif_token,
                token_key="notif_token",
            )
        ]

    def refund(self, *, request: RefundRequest, credentials: Credentials) -> RefundOutcome:
        raise ProviderError(
            "Orange Money web payments cannot be refunded through the API",
            code="refund_unsupported",
        )
