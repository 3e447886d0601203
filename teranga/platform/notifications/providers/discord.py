"""Discord through an organisation's channel webhook
(https://discord.com/developers/docs/resources/webhook#execute-webhook).

- Send: ``POST <webhook URL>?wait=true`` with the JSON ``{"embeds": [{"title",
  "description", "url"?}], "allowed_mentions": {"parse": []}}`` (no ``@everyone`` from
  an announcement's text) → 200 with the message object; its ``id`` is the provider
  message id.
- Errors: ``{"message", "code"}``. 429 ``{"message": "You are being rate limited.",
  "retry_after": 1.5, "global": false}`` (seconds; also the ``Retry-After`` header) is
  retried after that long; 404 ``Unknown Webhook`` (10015) and 401 ``Invalid Webhook
  Token`` (50027) mean the webhook is gone (:class:`ChatGone`: it is switched off); 5xx
  and network errors are retried; anything else is a refusal.

The webhook URL is a credential: it is never logged nor put in a message. Calls go
through ``teranga.core.http``; a send is never repeated there (not idempotent).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx2

from teranga.core import http
from teranga.core.http import ProviderError
from teranga.platform.notifications.providers.chat_base import ChatError, ChatGone

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = 256
DESCRIPTION_MAX_LENGTH = 4096


def _body(response: httpx2.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error(response: httpx2.Response) -> ChatError:
    data = _body(response)
    status = response.status_code
    code = str(data.get("code") or "")
    if status in (401, 404):
        return ChatGone(
            f"discord answered {status} ({code or 'webhook gone'})", code=f"http_{status}"
        )
    if status == 429:
        retry_after = data.get("retry_after", response.headers.get("Retry-After"))
        try:
            seconds = float(retry_after) if retry_after is not None else None
        except (TypeError, ValueError):
            seconds = None
        return ChatError(
            "discord answered 429 (rate limited)", code="http_429", retry_after=seconds
        )
    return ChatError(
        f"discord answered {status}" + (f" (error {code})" if code else ""),
        retryable=status >= 500,
        code=f"http_{status}",
    )


def message_payload(*, title: str, body: str, link: str) -> dict[str, Any]:
    """The JSON of one announcement: one embed, and no mention parsed."""
    embed: dict[str, Any] = {
        "title": title[:TITLE_MAX_LENGTH],
        "description": body[:DESCRIPTION_MAX_LENGTH],
    }
    if link.startswith(("https://", "http://")):
        embed["url"] = link
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}


class DiscordWebhookProvider:
    name = "discord"

    def send(self, *, url: str, title: str, body: str, link: str) -> str:
        try:
            with http.client() as client:
                response = http.send(
                    client,
                    "POST",
                    url,
                    provider="discord",
                    params={"wait": "true"},
                    json=message_payload(title=title, body=body, link=link),
                )
        except ProviderError as exc:
            raise ChatError(str(exc), retryable=True, code=exc.code or "unreachable") from None
        if not response.is_success:
            error = _error(response)
            logger.warning(
                "discord refused a message",
                extra={"code": error.code, "retryable": error.retryable},
            )
            raise error
        return str(_body(response).get("id") or "")
