"""Telegram through the Bot API (https://core.telegram.org/bots/api).

- Send: ``POST https://api.telegram.org/bot<token>/sendMessage`` with the JSON
  ``{"chat_id", "text", "link_preview_options": {"is_disabled": true}}`` → ``{"ok": true,
  "result": {"message_id", "chat", "date", "text", …}}``; ``message_id`` is the provider
  message id.
- Errors: ``{"ok": false, "error_code", "description", "parameters"?}``. 403 (``Forbidden:
  bot was blocked by the user``, ``user is deactivated``) and 400 ``Bad Request: chat not
  found`` mean the chat is gone (:class:`ChatGone`: the link is dropped); 429 carries
  ``parameters.retry_after`` (seconds, honoured by the retry); 5xx and network errors are
  retried; anything else is a refusal.
- ``setWebhook`` with ``{"url", "secret_token", "allowed_updates": ["message"]}``: Telegram
  then posts updates with the secret in ``X-Telegram-Bot-Api-Secret-Token``
  (``manage.py telegram_webhook_set``).

Settings (``settings.TELEGRAM``, from the environment): ``bot_token``
(``TELEGRAM_BOT_TOKEN``), ``bot_username``, ``webhook_secret``, ``api_url``. The token is
part of every URL: neither URLs nor bodies are ever logged or put in a message. Calls go
through ``teranga.core.http``; a send is never repeated there (not idempotent).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx2
from django.conf import settings

from teranga.core import http
from teranga.core.http import ProviderError
from teranga.platform.notifications.providers.chat_base import ChatError, ChatGone

logger = logging.getLogger(__name__)

API_URL = "https://api.telegram.org"
#: Telegram's limit on a message's text.
TEXT_MAX_LENGTH = 4096
#: Descriptions of a 400 that mean the chat is no more.
GONE_DESCRIPTIONS = ("chat not found", "user not found", "peer_id_invalid")


def _config() -> dict[str, str]:
    return {k: str(v or "") for k, v in (getattr(settings, "TELEGRAM", {}) or {}).items()}


def _body(response: httpx2.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error(response: httpx2.Response) -> ChatError:
    data = _body(response)
    status = int(data.get("error_code") or response.status_code)
    description = str(data.get("description") or "")[:200]
    lowered = description.lower()
    if status == 403 or (status == 400 and any(g in lowered for g in GONE_DESCRIPTIONS)):
        code = "blocked" if "blocked" in lowered else f"http_{status}"
        return ChatGone(f"telegram answered {status}: {description}", code=code)
    if status == 429:
        parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
        retry_after = parameters.get("retry_after") or response.headers.get("Retry-After")
        try:
            seconds = float(retry_after) if retry_after is not None else None
        except (TypeError, ValueError):
            seconds = None
        return ChatError(
            "telegram answered 429 (too many requests)", code="http_429", retry_after=seconds
        )
    return ChatError(
        f"telegram answered {status}" + (f": {description}" if description else ""),
        retryable=status >= 500,
        code=f"http_{status}",
    )


class TelegramBotProvider:
    name = "telegram"

    def _call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        config = _config()
        if not config.get("bot_token"):
            raise ChatError(
                "telegram is not configured (missing TELEGRAM_BOT_TOKEN)",
                retryable=False,
                code="not_configured",
            )
        base = (config.get("api_url") or API_URL).rstrip("/")
        try:
            with http.client(base_url=f"{base}/bot{config['bot_token']}") as client:
                response = http.send(
                    client, "POST", f"/{method}", provider="telegram", json=payload
                )
        except ProviderError as exc:
            raise ChatError(str(exc), retryable=True, code=exc.code or "unreachable") from None
        data = _body(response)
        if not response.is_success or data.get("ok") is not True:
            error = _error(response)
            logger.warning(
                "telegram refused a call",
                extra={"method": method, "code": error.code, "retryable": error.retryable},
            )
            raise error
        return data

    def send(self, *, chat_id: int, text: str) -> str:
        data = self._call(
            "sendMessage",
            {
                "chat_id": chat_id,
                "text": text[:TEXT_MAX_LENGTH],
                "link_preview_options": {"is_disabled": True},
            },
        )
        result = data.get("result") if isinstance(data.get("result"), dict) else {}
        return str(result.get("message_id") or "")

    def set_webhook(self, *, url: str, secret_token: str) -> None:
        self._call(
            "setWebhook",
            {"url": url, "secret_token": secret_token, "allowed_updates": ["message"]},
        )
