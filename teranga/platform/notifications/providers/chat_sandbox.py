"""The default Telegram and Discord providers: send nothing, log, and keep the last
messages in memory (tests, the demo); the delivery rows record them as sent by
``sandbox``. Telegram chat id :data:`BLOCKED_CHAT_ID` answers like a user who blocked the
bot, :data:`RATE_LIMITED_CHAT_ID` like a 429, so those paths can be seen without Telegram."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from dataclasses import dataclass

from teranga.platform.notifications.providers.chat_base import ChatError, ChatGone

logger = logging.getLogger(__name__)

KEEP_LAST = 200
BLOCKED_CHAT_ID = 403
RATE_LIMITED_CHAT_ID = 429


@dataclass(frozen=True)
class SandboxChatMessage:
    message_id: str
    to: str
    title: str
    text: str
    link: str = ""


class _Kept:
    def __init__(self) -> None:
        self._sent: deque[SandboxChatMessage] = deque(maxlen=KEEP_LAST)
        self._lock = threading.Lock()

    @property
    def sent(self) -> list[SandboxChatMessage]:
        """The last messages "sent", oldest first."""
        with self._lock:
            return list(self._sent)

    def clear(self) -> None:
        with self._lock:
            self._sent.clear()

    def _keep(self, message: SandboxChatMessage) -> str:
        with self._lock:
            self._sent.append(message)
        return message.message_id


class SandboxTelegramProvider(_Kept):
    name = "sandbox"

    def send(self, *, chat_id: int, text: str) -> str:
        if chat_id == BLOCKED_CHAT_ID:
            raise ChatGone("sandbox: bot was blocked by the user", code="blocked")
        if chat_id == RATE_LIMITED_CHAT_ID:
            raise ChatError("sandbox: too many requests", code="http_429", retry_after=30)
        message_id = f"sandbox-telegram-{uuid.uuid4().hex}"
        logger.info("sandbox telegram message", extra={"telegram_id": message_id})
        return self._keep(SandboxChatMessage(message_id, str(chat_id), "", text))

    def set_webhook(self, *, url: str, secret_token: str) -> None:
        logger.info("sandbox telegram: webhook not set", extra={"url": url})


class SandboxDiscordProvider(_Kept):
    name = "sandbox"

    def send(self, *, url: str, title: str, body: str, link: str) -> str:
        message_id = f"sandbox-discord-{uuid.uuid4().hex}"
        logger.info("sandbox discord message", extra={"discord_id": message_id})
        webhook = url.rstrip("/").split("/")[-2] if url.count("/") > 2 else ""
        return self._keep(SandboxChatMessage(message_id, webhook, title, body, link))
