"""What a push provider does: send one message to one device token, say what happened."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class PushError(Exception):
    """The message did not go out. ``retryable``: it might later (timeout, 429, 5xx);
    otherwise the provider refused it (bad payload, bad credentials). The message never
    carries a credential or a whole token."""

    def __init__(self, message: str, *, retryable: bool = True, code: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


class InvalidToken(PushError):
    """The token is not (or no longer) a valid registration: the app was uninstalled, the
    token expired or belongs to another sender. The device should be dropped."""

    def __init__(self, message: str = "invalid push token", *, code: str = "") -> None:
        super().__init__(message, retryable=False, code=code or "invalid_token")


class PushProvider(Protocol):
    name: str

    def send(self, *, token: str, title: str, body: str, data: Mapping[str, str]) -> str:
        """Send one notification to the device ``token``; returns the provider's message
        id. ``data`` is string keys and values, given to the app with the notification.
        Raises InvalidToken or PushError."""
        ...
