"""What an SMS provider does: send one message, say what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class SmsProviderError(Exception):
    """The provider refused or could not be reached; the message is marked failed."""


@dataclass(frozen=True)
class SmsSendResult:
    provider_message_id: str


class SmsProvider(Protocol):
    name: str

    def send(self, *, to: str, body: str, message_id: str) -> SmsSendResult:
        """Send ``body`` to ``to`` (E.164). ``message_id`` is our outbox row id, usable as
        an idempotency key. Raises SmsProviderError on failure."""
        ...
