"""SMS through Twilio's Programmable Messaging, with the official SDK.

``POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP
Basic ``AccountSid:AuthToken`` and the form ``To``, ``Body`` and either ``From`` (a
Twilio number or an approved alphanumeric sender) or ``MessagingServiceSid``, plus
``StatusCallback`` when configured. A 201 answers the Message resource; its ``sid``
(``SM…``) is the provider message id.

Settings (``settings.SMS_PROVIDERS["twilio"]``, from the environment): ``account_sid``,
``auth_token``, ``from``, ``messaging_service_sid``, ``status_callback``;
``SMS_HTTP_TIMEOUT`` bounds every call. Sending is not idempotent at Twilio: a call that
timed out is never repeated here (the outbox marks the message failed).

Errors become :class:`SmsProviderError` naming the HTTP status and Twilio's error code
(``21211`` invalid number, ``20003`` authentication, ``21610`` unsubscribed …), never the
auth token, and never Twilio's message (it repeats the recipient's number).
"""

from __future__ import annotations

import logging

from django.conf import settings

from teranga.platform.notifications.providers.base import SmsProviderError, SmsSendResult

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0


def _config() -> dict[str, str]:
    providers = getattr(settings, "SMS_PROVIDERS", {}) or {}
    return {k: str(v or "") for k, v in (providers.get("twilio") or {}).items()}


def _retryable(status: int | None) -> bool:
    return status is None or status == 429 or status >= 500


class TwilioSmsProvider:
    name = "twilio"

    def _client(self, config: dict[str, str]):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        timeout = float(getattr(settings, "SMS_HTTP_TIMEOUT", DEFAULT_TIMEOUT))
        return Client(
            config["account_sid"],
            config["auth_token"],
            # No retry: creating a message twice would send it twice.
            http_client=TwilioHttpClient(timeout=timeout, max_retries=0),
        )

    def send(self, *, to: str, body: str, message_id: str) -> SmsSendResult:
        import requests
        from twilio.base.exceptions import TwilioException, TwilioRestException

        config = _config()
        missing = [k for k in ("account_sid", "auth_token") if not config.get(k)]
        if not (config.get("from") or config.get("messaging_service_sid")):
            missing.append("from or messaging_service_sid")
        if missing:
            raise SmsProviderError(
                f"twilio is not configured (missing {', '.join(missing)})", code="not_configured"
            )
        params: dict[str, str] = {"to": to, "body": body}
        if config.get("messaging_service_sid"):
            params["messaging_service_sid"] = config["messaging_service_sid"]
        else:
            params["from_"] = config["from"]
        if config.get("status_callback"):
            params["status_callback"] = config["status_callback"]
        try:
            message = self._client(config).messages.create(**params)
        except TwilioRestException as exc:
            code = str(exc.code or "")
            logger.warning(
                "twilio refused an SMS",
                extra={"sms_id": message_id, "status": exc.status, "twilio_code": code},
            )
            raise SmsProviderError(
                f"twilio answered HTTP {exc.status}" + (f" (error {code})" if code else ""),
                retryable=_retryable(exc.status),
                code=code or f"http_{exc.status}",
            ) from None
        except requests.RequestException as exc:
            logger.warning(
                "twilio unreachable", extra={"sms_id": message_id, "error": type(exc).__name__}
            )
            raise SmsProviderError(
                f"twilio could not be reached ({type(exc).__name__})",
                retryable=True,
                code="unreachable",
            ) from None
        except TwilioException as exc:  # e.g. an answer that is not JSON
            raise SmsProviderError(
                f"twilio failed ({type(exc).__name__})", retryable=True, code="twilio_error"
            ) from None
        sid = str(getattr(message, "sid", "") or "")
        if not sid:  # accepted all the same: report it sent, without an id
            logger.warning("twilio answered without a message sid", extra={"sms_id": message_id})
        return SmsSendResult(provider_message_id=sid)
