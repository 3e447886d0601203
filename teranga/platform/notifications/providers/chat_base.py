"""What the chat providers do: Telegram (a bot's message to a user's chat) and Discord (a
message to an organisation's channel through its webhook), and how they fail."""

from __future__ import annotations

from typing import Protocol


class ChatError(Exception):
    """The message did not go out. ``retryable``: it might later (timeout, 5xx, 429);
    ``retry_after``: seconds the provider asked us to wait first (a 429), if it said.
    The message never carries a credential (a bot token, a webhook URL)."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = True,
        code: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code
        self.retry_after = retry_after


class ChatGone(ChatError):
    """The destination is gone for good: the user blocked the bot (or deleted their
    account, or the chat is unknown); the organisation deleted its webhook. Stop sending
    there."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message, retryable=False, code=code or "gone")


class TelegramProvider(Protocol):
    name: str

    def send(self, *, chat_id: int, text: str) -> str:
        """Send ``text`` (plain text) to the private chat ``chat_id``; returns the
        message id. Raises ChatGone or ChatError."""
        ...

    def set_webhook(self, *, url: str, secret_token: str) -> None:
        """Ask Telegram to post the bot's updates to ``url`` with ``secret_token`` in
        the ``X-Telegram-Bot-Api-Secret-Token`` header."""
        ...


class DiscordProvider(Protocol):
    name: str

    def send(self, *, url: str, title: str, body: str, link: str) -> str:
        """Post one message (an embed) to the webhook ``url``; returns Discord's message
        id. Raises ChatGone or ChatError."""
        ...
