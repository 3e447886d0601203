"""The default SMS provider: sends nothing. The outbox row, marked sent, is what staff
read in the admin (SMS messages) during development and demos."""

from __future__ import annotations

from teranga.platform.notifications.providers.base import SmsSendResult


class SandboxSmsProvider:
    name = "sandbox"

    def send(self, *, to: str, body: str, message_id: str) -> SmsSendResult:
        return SmsSendResult(provider_message_id=f"sandbox-{message_id}")
