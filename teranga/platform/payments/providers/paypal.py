"""PayPal (Orders v2) through the official ``paypal-server-sdk``; EUR only (PayPal does
not take XOF).

The payer approves the order on PayPal's page (the ``payer-action``/``approve`` link);
the payment is then captured by us: ``fetch_status`` captures an APPROVED order (with a
PayPal-Request-Id, so a repeat is harmless) and the services call it when PayPal's
``CHECKOUT.ORDER.APPROVED`` webhook arrives (a non-authoritative notice) or when they
reconcile. ``PAYMENT.CAPTURE.*`` webhooks then confirm the capture.

Webhooks are verified by PayPal's own ``verify-webhook-signature`` API (not in the SDK:
called with httpx2 through ``teranga/core/http.py``). The raw body is embedded verbatim as
``webhook_event`` so PayPal checks exactly what it sent, and a transmission older than
five minutes is refused before asking PayPal.

Every SDK call has a timeout and bounded retries (``urllib3`` retries 429/5xx for GET
and POST; every POST carries a PayPal-Request-Id, so retrying it is safe). OAuth tokens
are cached in memory per account until shortly before they expire. Credentials never
reach a log or an exception message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import InvalidOperation
from typing import Any

import httpx2
import requests
from apimatic_core.exceptions.auth_validation_exception import AuthValidationException
from apimatic_core.utilities.auth_helper import AuthHelper
from django.conf import settings
from paypalserversdk.configuration import Environment
from paypalserversdk.exceptions.api_exception import ApiException
from paypalserversdk.exceptions.o_auth_provider_exception import OAuthProviderException
from paypalserversdk.http.auth.o_auth_2 import ClientCredentialsAuthCredentials
from paypalserversdk.models.o_auth_token import OAuthToken
from paypalserversdk.paypal_serversdk_client import PaypalServersdkClient

from teranga.core import http
from teranga.core.money import Money

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

PROVIDER = "paypal"
ENVIRONMENTS = {
    "sandbox": (Environment.SANDBOX, "https://api-m.sandbox.paypal.com"),
    "live": (Environment.PRODUCTION, "https://api-m.paypal.com"),
}
TOKEN_PATH = "/v1/oauth2/token"
VERIFY_PATH = "/v1/notifications/verify-webhook-signature"
TOLERANCE_SECONDS = 300
RETRY_STATUSES = [429, 500, 502, 503, 504]
#: Webhook headers -> fields of the verify-webhook-signature request.
SIGNATURE_HEADERS = {
    "auth_algo": "paypal-auth-algo",
    "cert_url": "paypal-cert-url",
    "transmission_id": "paypal-transmission-id",
    "transmission_sig": "paypal-transmission-sig",
    "transmission_time": "paypal-transmission-time",
}
#: PayPal locales are five-character BCP 47 codes.
LOCALES = {"fr": "fr-FR", "en": "en-US"}
CAPTURE_STATUS = {"COMPLETED": "succeeded", "PARTIALLY_REFUNDED": "succeeded",
                  "REFUNDED": "succeeded", "PENDING": "pending", "DECLINED": "failed",
                  "FAILED": "failed"}
REFUND_STATUS = {"COMPLETED": "succeeded", "PENDING": "pending", "FAILED": "failed",
                 "CANCELLED": "failed"}
CAPTURE_EVENTS = {
    "PAYMENT.CAPTURE.COMPLETED": "succeeded",
    "PAYMENT.CAPTURE.PENDING": "pending",
    "PAYMENT.CAPTURE.DENIED": "failed",
    "PAYMENT.CAPTURE.DECLINED": "failed",
}
ORDER_EVENTS = {"CHECKOUT.ORDER.APPROVED": None, "CHECKOUT.ORDER.VOIDED": "cancelled"}

# -- OAuth tokens (shared by the SDK and the webhook check) ------------------------------

_TOKEN_SKEW = 60  # seconds: a token this close to its expiry is renewed
_tokens: dict[str, tuple[OAuthToken, float]] = {}
_tokens_lock = threading.Lock()


def _token_key(credentials: Credentials) -> str:
    raw = f"{_base_url(credentials)}\0{credentials['client_id']}\0{credentials['client_secret']}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _cached_token(key: str) -> OAuthToken | None:
    with _tokens_lock:
        entry = _tokens.get(key)
    if entry is None or entry[1] <= time.monotonic():
        return None
    return entry[0]


def _store_token(key: str, token: OAuthToken, expires_in: int) -> None:
    if not getattr(token, "expiry", None):  # what the SDK checks before each call
        token.expiry = AuthHelper.get_current_utc_timestamp() + expires_in
    with _tokens_lock:
        _tokens[key] = (token, time.monotonic() + max(expires_in - _TOKEN_SKEW, 0))


def forget_tokens(key: str | None = None) -> None:
    """Drop one cached token (PayPal refused it) or all of them (tests)."""
    with _tokens_lock:
        if key is None:
            _tokens.clear()
        else:
            _tokens.pop(key, None)


# -- helpers -----------------------------------------------------------------------------


def _environment(credentials: Credentials) -> tuple[Environment, str]:
    name = credentials.get("environment", "sandbox").strip().lower()
    try:
        return ENVIRONMENTS[name]
    except KeyError:
        raise ProviderError(
            "PayPal environment must be 'sandbox' or 'live'", code="not_configured"
        ) from None


def _base_url(credentials: Credentials) -> str:
    return _environment(credentials)[1]


def _sdk(credentials: Credentials) -> PaypalServersdkClient:
    environment, _base = _environment(credentials)
    key = _token_key(credentials)

    def token_provider(_last_token, auth_manager) -> OAuthToken:
        token = _cached_token(key)
        if token is None:
            token = auth_manager.fetch_token()
            _store_token(key, token, int(getattr(token, "expires_in", None) or 300))
        return token

    return PaypalServersdkClient(
        client_credentials_auth_credentials=ClientCredentialsAuthCredentials(
            o_auth_client_id=credentials["client_id"],
            o_auth_client_secret=credentials["client_secret"],
            o_auth_token_provider=token_provider,
        ),
        environment=environment,
        timeout=float(settings.PAYMENTS_HTTP_TIMEOUT),
        max_retries=int(settings.PAYMENTS_HTTP_RETRIES),
        backoff_factor=float(getattr(settings, "PAYMENTS_HTTP_BACKOFF", 0.5)),
        retry_statuses=RETRY_STATUSES,
        retry_methods=["GET", "POST"],  # every POST here carries a PayPal-Request-Id
    )


def _call(credentials: Credentials, action: str, call: Callable[[PaypalServersdkClient], Any]):
    """One SDK call, its answer's JSON as a dict; every failure a ProviderError."""
    sdk = _sdk(credentials)
    try:
        response = call(sdk)
        return json.loads(response.text) if response.text else {}
    except ApiException as exc:
        if exc.response_code == 401 and not isinstance(exc, OAuthProviderException):
            forget_tokens(_token_key(credentials))  # a refused cached token: renew next time
        raise _api_error(exc, action) from None
    except AuthValidationException:
        raise ProviderError(
            f"PayPal {action} failed (no access token)", code="authentication_failed"
        ) from None
    except requests.exceptions.RequestException as exc:
        logger.warning("paypal unreachable", extra={"action": action, "error": type(exc).__name__})
        raise ProviderError(
            "paypal could not be reached", retryable=True, code="unreachable"
        ) from None
    except ValueError:
        raise ProviderError(
            f"PayPal {action}: unreadable answer", retryable=True, code="bad_response"
        ) from None
    finally:
        session = getattr(sdk.config.http_client, "session", None)
        if session is not None:
            session.close()


def _api_error(exc: ApiException, action: str) -> ProviderError:
    """PayPal's error ``details[0].issue`` (else ``name`` / OAuth ``error``) as our code;
    never PayPal's free text (it can echo what we sent). A 401 on a call (not on the
    token itself) is worth retrying: the cached token was dropped."""
    status = int(exc.response_code or 0)
    details = getattr(exc, "details", None) or []
    code = (
        (getattr(details[0], "issue", None) if details else None)
        or getattr(exc, "name", None)
        or getattr(exc, "error", None)
        or f"http_{status}"
    )
    code = str(code).lower()
    token_refused = status == 401 and not isinstance(exc, OAuthProviderException)
    if status == 401:
        code = "authentication_failed" if code in ("invalid_client", "http_401") else code
    debug_id = getattr(exc, "debug_id", None)
    logger.warning(
        "paypal call failed",
        extra={"action": action, "status": status, "code": code, "debug_id": debug_id},
    )
    suffix = f", debug_id {debug_id}" if debug_id else ""
    return ProviderError(
        f"PayPal {action} failed (HTTP {status}, {code}{suffix})",
        retryable=token_refused or status in (408, 429) or status >= 500,
        code=code,
    )


def _minor(amount: Mapping[str, Any] | None) -> tuple[int | None, str | None]:
    """PayPal's ``{"currency_code": "EUR", "value": "12.50"}`` -> (1250, "EUR")."""
    if not amount:
        return None, None
    currency = str(amount.get("currency_code") or "").upper() or None
    try:
        return Money.from_major(str(amount["value"]), currency or "").amount, currency
    except (KeyError, ValueError, InvalidOperation):
        return None, currency


def _first(items: Any) -> dict:
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def _unit(order: Mapping[str, Any]) -> dict:
    return _first(order.get("purchase_units"))


def _capture(order: Mapping[str, Any]) -> dict:
    return _first((_unit(order).get("payments") or {}).get("captures"))


def _order_status(order: Mapping[str, Any], fallback_reference: str) -> ProviderStatus:
    status = str(order.get("status") or "")
    capture = _capture(order)
    if status == "COMPLETED":
        capture_status = str(capture.get("status") or "COMPLETED")
        ours = CAPTURE_STATUS.get(capture_status, "pending")
        detail = capture_status
    elif status == "VOIDED":
        ours, detail = "cancelled", status
    else:  # CREATED, SAVED, APPROVED (capture refused), PAYER_ACTION_REQUIRED
        ours, detail = "pending", status
    amount, currency = _minor(_unit(order).get("amount") or capture.get("amount"))
    return ProviderStatus(
        status=ours,
        reference=str(order.get("id") or fallback_reference),
        amount=amount,
        currency=currency,
        detail=detail,
    )


def _transmission_time(value: str) -> float:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise WebhookRejected("invalid_signature", "unreadable transmission time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class PayPalProvider:
    name = "paypal"
    label = "PayPal"
    currencies = frozenset({"EUR"})
    supports_refunds = True
    credential_fields: tuple[str, ...] = ("client_id", "client_secret", "webhook_id")
    webhook_credential_fields: tuple[str, ...] = ("client_id", "client_secret", "webhook_id")

    # -- checkout ---------------------------------------------------------------------

    def create_checkout(self, *, request: CheckoutRequest, credentials: Credentials) -> Checkout:
        credentials.require("client_id", "client_secret")
        if request.currency not in self.currencies:
            raise ProviderError(
                f"PayPal does not take {request.currency}", code="unsupported_currency"
            )
        value = str(Money(int(request.amount), request.currency).major)  # 1250 -> "12.50"
        # The request body as PayPal documents it (the SDK serialises a dict as is).
        experience: dict[str, Any] = {
            "return_url": request.return_url,
            "cancel_url": request.cancel_url,
            "user_action": "PAY_NOW",
            "shipping_preference": "NO_SHIPPING",
        }
        if request.locale in LOCALES:
            experience["locale"] = LOCALES[request.locale]
        unit: dict[str, Any] = {
            "reference_id": request.payment_id,
            "custom_id": request.payment_id,
            "invoice_id": request.payment_id,
            "amount": {"currency_code": request.currency, "value": value},
        }
        if request.description:
            unit["description"] = request.description[:127]
        body = {
            "intent": "CAPTURE",
            "purchase_units": [unit],
            "payment_source": {"paypal": {"experience_context": experience}},
        }
        order = _call(
            credentials,
            "checkout",
            lambda sdk: sdk.orders.create_order(
                {
                    "body": body,
                    "paypal_request_id": request.idempotency_key or request.payment_id,
                    "prefer": "return=minimal",
                }
            ),
        )
        links = {
            link.get("rel"): link.get("href")
            for link in order.get("links") or []
            if isinstance(link, dict)
        }
        redirect = links.get("payer-action") or links.get("approve")
        if not order.get("id") or not redirect:
            raise ProviderError(
                "PayPal answered an order without an approval link", code="bad_response"
            )
        return Checkout(reference=str(order["id"]), redirect_url=str(redirect))

    # -- status -----------------------------------------------------------------------

    def fetch_status(self, *, payment: PaymentRef, credentials: Credentials) -> ProviderStatus:
        credentials.require("client_id", "client_secret")
        order = self._get_order(payment.reference, credentials)
        if order.get("status") != "APPROVED":
            return _order_status(order, payment.reference)
        try:
            captured = self._capture(payment, credentials)
        except ProviderError as exc:
            if exc.code == "order_already_captured":  # captured elsewhere meanwhile
                return _order_status(self._get_order(payment.reference, credentials),
                                     payment.reference)
            if exc.code == "instrument_declined":  # the buyer's funding was refused
                amount, currency = _minor(_unit(order).get("amount"))
                return ProviderStatus(status="failed", reference=payment.reference,
                                      amount=amount, currency=currency, detail=exc.code)
            raise
        return _order_status(captured, payment.reference)

    def _get_order(self, order_id: str, credentials: Credentials) -> dict:
        return _call(
            credentials, "order lookup", lambda sdk: sdk.orders.get_order({"id": order_id})
        )

    def _capture(self, payment: PaymentRef, credentials: Credentials) -> dict:
        """Capture an approved order (once: the request id makes a repeat harmless)."""
        return _call(
            credentials,
            "capture",
            lambda sdk: sdk.orders.capture_order(
                {
                    "id": payment.reference,
                    "paypal_request_id": f"capture-{payment.payment_id}",
                    "prefer": "return=representation",
                }
            ),
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
        credentials.require(*self.webhook_credential_fields)
        signed = {
            field: (headers.get(header) or "").strip()
            for field, header in SIGNATURE_HEADERS.items()
        }
        if not all(signed.values()):
            raise WebhookRejected("invalid_signature", "missing PayPal signature headers")
        sent_at = _transmission_time(signed["transmission_time"])
        if abs(time.time() - sent_at) > TOLERANCE_SECONDS:
            raise WebhookRejected("stale_timestamp", "transmission time is too old")
        try:
            text = body.decode("utf-8")
            event = json.loads(text)
        except ValueError:
            raise WebhookRejected("malformed", "the body is not JSON") from None
        if not isinstance(event, dict):
            raise WebhookRejected("malformed", "the body is not a PayPal event")
        # PayPal's documented check: the headers, our webhook id, and the event itself,
        # embedded byte for byte as PayPal sent it.
        request = {**signed, "webhook_id": credentials["webhook_id"]}
        payload = (json.dumps(request)[:-1] + ', "webhook_event": ' + text + "}").encode()
        if not self._verified(payload, credentials):
            raise WebhookRejected("invalid_signature", "PayPal did not confirm the signature")
        try:
            return [_notice(event)]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise WebhookRejected("malformed", "unexpected PayPal event shape") from None

    def _verified(self, payload: bytes, credentials: Credentials) -> bool:
        key = _token_key(credentials)
        with http.client(base_url=_base_url(credentials)) as client:
            token = _http_token(client, credentials, key)
            response = http.send(
                client,
                "POST",
                VERIFY_PATH,
                retry=True,  # a pure check: safe to repeat
                provider=PROVIDER,
                content=payload,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
        if response.status_code in (400, 422):  # PayPal refused what the headers said
            logger.warning("paypal refused a webhook verification request",
                           extra={"status": response.status_code})
            return False
        if response.status_code == 401:  # the cached token was refused: PayPal resends
            forget_tokens(key)
            raise ProviderError(
                "PayPal refused the access token", retryable=True, code="authentication_failed"
            )
        http.raise_for_status(response, provider=PROVIDER)
        try:
            return response.json().get("verification_status") == "SUCCESS"
        except (ValueError, AttributeError):
            raise ProviderError(
                "PayPal answered an unreadable verification", retryable=True, code="bad_response"
            ) from None

    # -- refunds ----------------------------------------------------------------------

    def refund(self, *, request: RefundRequest, credentials: Credentials) -> RefundOutcome:
        credentials.require("client_id", "client_secret")
        payment = request.payment
        capture_id = str(payment.data.get("capture_id") or "")
        if not capture_id:
            order = self._get_order(payment.reference, credentials)
            capture_id = str(_capture(order).get("id") or "")
        if not capture_id:
            raise ProviderError("this PayPal order has no capture to refund", code="not_captured")
        value = str(Money(int(request.amount), payment.currency).major)
        body: dict[str, Any] = {
            "amount": {"currency_code": payment.currency, "value": value},
            "custom_id": request.refund_id,
        }
        if request.reason:
            body["note_to_payer"] = request.reason[:255]
        refund = _call(
            credentials,
            "refund",
            lambda sdk: sdk.payments.refund_captured_payment(
                {
                    "capture_id": capture_id,
                    "body": body,
                    "paypal_request_id": request.refund_id,
                    "prefer": "return=representation",
                }
            ),
        )
        status = str(refund.get("status") or "")
        return RefundOutcome(
            status=REFUND_STATUS.get(status, "pending"),
            reference=str(refund.get("id") or ""),
            detail=status,
        )


def _http_token(client: httpx2.Client, credentials: Credentials, key: str) -> str:
    """An OAuth access token for the httpx2 calls: the cached one, else a new one."""
    token = _cached_token(key)
    if token is not None:
        return token.access_token
    response = http.send(
        client,
        "POST",
        TOKEN_PATH,
        retry=True,
        provider=PROVIDER,
        data={"grant_type": "client_credentials"},
        auth=httpx2.BasicAuth(credentials["client_id"], credentials["client_secret"]),
        headers={"Accept": "application/json"},
    )
    if response.status_code == 401:
        raise ProviderError("PayPal refused the client credentials", code="authentication_failed")
    http.raise_for_status(response, provider=PROVIDER)
    try:
        data = response.json()
        token = OAuthToken(
            access_token=str(data["access_token"]),
            token_type=str(data.get("token_type") or "Bearer"),
            expires_in=int(data.get("expires_in") or 300),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ProviderError(
            "PayPal answered an unreadable token", retryable=True, code="bad_response"
        ) from None
    _store_token(key, token, token.expires_in)
    return token.access_token


def _notice(event: Mapping[str, Any]) -> WebhookNotice:
    event_id = str(event["id"])
    event_type = str(event["event_type"])
    resource = event.get("resource") or {}
    if event_type in ORDER_EVENTS:
        unit = _unit(resource)
        amount, currency = _minor(unit.get("amount"))
        return WebhookNotice(
            event_id=event_id,
            event_type=event_type,
            payment_id=unit.get("custom_id") or unit.get("reference_id") or None,
            reference=str(resource["id"]),
            status=ORDER_EVENTS[event_type],
            # an approval carries no payment state yet: the services ask fetch_status,
            # which captures the order
            authoritative=event_type != "CHECKOUT.ORDER.APPROVED",
            amount=amount,
            currency=currency,
        )
    related = ((resource.get("supplementary_data") or {}).get("related_ids")) or {}
    if event_type in CAPTURE_EVENTS:
        amount, currency = _minor(resource.get("amount"))
        return WebhookNotice(
            event_id=event_id,
            event_type=event_type,
            payment_id=resource.get("custom_id") or resource.get("invoice_id") or None,
            reference=related.get("order_id") or None,
            status=CAPTURE_EVENTS[event_type],
            amount=amount,
            currency=currency,
        )
    if event_type == "PAYMENT.CAPTURE.REFUNDED":
        return WebhookNotice(
            event_id=event_id,
            event_type=event_type,
            payment_id=resource.get("invoice_id") or None,  # the capture's: our payment id
            reference=related.get("order_id") or None,
            refund_id=resource.get("custom_id") or None,
            refund_reference=str(resource["id"]),
            refund_status=REFUND_STATUS.get(str(resource.get("status") or ""), "succeeded"),
        )
    return WebhookNotice(event_id=event_id, event_type=event_type)  # stored, then ignored
