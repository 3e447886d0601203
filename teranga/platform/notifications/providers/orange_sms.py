"""SMS through the Orange Developer SMS API (Africa and Middle East; Sonatel in Senegal).

- Token: ``POST https://api.orange.com/oauth/v3/token`` with HTTP Basic
  ``client_id:client_secret`` and the form ``grant_type=client_credentials`` →
  ``{"token_type": "Bearer", "access_token", "expires_in"}`` (seconds, sometimes a
  string). Kept in Django's cache for ``expires_in`` minus a margin, under a digest of the
  API URL and client id (never the secret or the token in a key, a log or a message).
  Asking for a token changes nothing at Orange, so that call is retried (bounded).
- Send: ``POST /smsmessaging/v1/outbound/{urlencoded tel:+221…sender}/requests`` with a
  bearer token and ``{"outboundSMSMessageRequest": {"address": "tel:+221…",
  "senderAddress": "tel:+221…", "senderName"?: "…", "outboundSMSTextMessage":
  {"message": "…"}}}`` → 201 with the request echoed and ``resourceURL``
  (``…/requests/{id}``): that id is the provider message id. A 401 means the token was
  refused before anything was sent: the cached token is dropped and the call made once
  more. Anything else is never repeated — the send is not idempotent, and a timeout may
  hide a message that went out.
- Errors: ``{"requestError": {"serviceException" | "policyException": {"messageId":
  "SVC0004" | "POL0001" …, "text", "variables"}}}``, or ``{"code", "message",
  "description"}`` from the gateway; we keep the status and the ``messageId``/``code``.

Settings (``settings.SMS_PROVIDERS["orange"]``): ``client_id``, ``client_secret``,
``sender`` (the number of the SMS contract, e.g. ``+221770000000`` or ``tel:+221…``),
``sender_name`` (an approved sender name, optional), ``api_url``. Calls go through the
shared HTTP client, ``teranga.core.http`` (httpx2, ``PAYMENTS_HTTP_TIMEOUT``, bounded
retries), and the token through ``teranga.core.orange_oauth``, as Orange Money's do.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx2
from django.conf import settings
from django.core.cache import cache

from teranga.core import http, orange_oauth
from teranga.core.http import ProviderError
from teranga.platform.notifications.providers.base import SmsProviderError, SmsSendResult

logger = logging.getLogger(__name__)

API_URL = "https://api.orange.com"
TOKEN_CACHE_PREFIX = "notifications:orange_sms:token:"


def _config() -> dict[str, str]:
    providers = getattr(settings, "SMS_PROVIDERS", {}) or {}
    return {k: str(v or "") for k, v in (providers.get("orange") or {}).items()}


def tel_uri(number: str) -> str:
    """``number`` (``+221…``, ``221…``, ``00221…`` or ``tel:+221…``) as ``tel:+221…``."""
    digits = number.strip().removeprefix("tel:").replace(" ", "")
    if digits.startswith("00"):
        digits = digits[2:]
    return "tel:+" + digits.lstrip("+")


def outbound_path(sender: str) -> str:
    """The send path for ``sender``, with its ``tel:+…`` URL-encoded (``tel%3A%2B…``)."""
    return f"/smsmessaging/v1/outbound/{quote(tel_uri(sender), safe='')}/requests"


def _body(response: httpx2.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error_code(response: httpx2.Response) -> str:
    data = _body(response)
    request_error = data.get("requestError")
    if isinstance(request_error, dict):
        for kind in ("serviceException", "policyException"):
            exception = request_error.get(kind)
            if isinstance(exception, dict) and exception.get("messageId"):
                return str(exception["messageId"])[:20]
    if data.get("code") is not None:
        return str(data["code"])[:20]
    return ""


class OrangeSmsProvider:
    name = "orange"

    # -- plumbing ------------------------------------------------------------------------

    @staticmethod
    def _api_url(config: dict[str, str]) -> str:
        return (config.get("api_url") or API_URL).rstrip("/")

    def token_cache_key(self, config: dict[str, str]) -> str:
        return orange_oauth.token_cache_key(
            TOKEN_CACHE_PREFIX, api_url=self._api_url(config), client_id=config["client_id"]
        )

    def _token(self, client: httpx2.Client, config: dict[str, str]) -> str:
        try:
            return orange_oauth.access_token(
                client,
                provider=self.name,
                client_id=config["client_id"],
                client_secret=config["client_secret"],
                cache_key=self.token_cache_key(config),
            )
        except orange_oauth.OrangeTokenError as exc:
            response = exc.response
            if response is None:
                raise SmsProviderError("orange gave no access token", code="malformed") from exc
            raise SmsProviderError(
                f"orange refused the token request (HTTP {response.status_code})",
                retryable=response.status_code in http.RETRYABLE_STATUS,
                code=_error_code(response) or f"http_{response.status_code}",
            ) from exc

    # -- the protocol --------------------------------------------------------------------

    def send(self, *, to: str, body: str, message_id: str) -> SmsSendResult:
        config = _config()
        missing = [k for k in ("client_id", "client_secret", "sender") if not config.get(k)]
        if missing:
            raise SmsProviderError(
                f"orange is not configured (missing {', '.join(missing)})", code="not_configured"
            )
        sender = tel_uri(config["sender"])
        request: dict[str, Any] = {"address": tel_uri(to), "senderAddress": sender}
        if config.get("sender_name"):
            request["senderName"] = config["sender_name"]
        request["outboundSMSTextMessage"] = {"message": body}
        payload = {"outboundSMSMessageRequest": request}
        try:
            with http.client(base_url=self._api_url(config)) as client:
                response = None
                for attempt in range(2):
                    token = self._token(client, config)
                    response = http.send(
                        client,
                        "POST",
                        outbound_path(sender),
                        provider=self.name,
                        retry=False,  # not idempotent: a repeat could send it twice
                        json=payload,
                        headers={
                            "Authorization": f"Bearer {token}",
                            "Accept": "application/json",
                        },
                    )
                    if response.status_code != 401 or attempt:
                        break
                    # Refused before anything was sent: a fresh token, once.
                    cache.delete(self.token_cache_key(config))
        except ProviderError as exc:  # could not reach Orange (after the token retries)
            logger.warning("orange sms unreachable", extra={"sms_id": message_id})
            raise SmsProviderError(str(exc), retryable=exc.retryable, code=exc.code) from None
        if not response.is_success:
            code = _error_code(response)
            logger.warning(
                "orange refused an SMS",
                extra={"sms_id": message_id, "status": response.status_code, "code": code},
            )
            raise SmsProviderError(
                f"orange answered HTTP {response.status_code}" + (f" ({code})" if code else ""),
                retryable=response.status_code in http.RETRYABLE_STATUS,
                code=code or f"http_{response.status_code}",
            )
        answer = _body(response).get("outboundSMSMessageRequest")
        resource_url = str(answer.get("resourceURL") or "") if isinstance(answer, dict) else ""
        provider_id = resource_url.rstrip("/").rsplit("/", 1)[-1] if resource_url else ""
        if not provider_id or provider_id == "requests":
            logger.warning("orange answered without a resourceURL", extra={"sms_id": message_id})
            provider_id = ""
        return SmsSendResult(provider_message_id=provider_id[:100])
