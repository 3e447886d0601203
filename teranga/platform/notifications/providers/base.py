"""What an SMS provider does: send one message, say what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class SmsProviderError(Exception):
    """The provider refused or could not be reached; the message is marked failed.

    ``retryable``: the same message might go through later (timeout, 429, 5xx) rather
    than a refusal (bad number, bad credentials). ``code`` is the provider's error code
    when it gave one. The message never carries a credential.
    """

    def __init__(self, message: str, *, retryable: bool = False, code: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


@dataclass(frozen=True)
class SmsSendResult:
    provider_message_id: str


class SmsProvider(Protocol):
    name: str

    def send(self, *, to: str, body: str, message_id: str) -> SmsSendResult:
        """Send ``body`` to ``to`` (E.164). ``message_id`` is our outbox row id, usable as
        an idempotency key. Raises SmsProviderError on failure."""
        ...
