"""The default push provider: sends nothing, logs, and keeps the last messages in memory
(for tests and the demo). Tokens starting with ``sandbox-invalid`` answer like an
uninstalled app (InvalidToken), ``sandbox-unavailable`` like a provider outage (a
retryable PushError), so the clean-up and retry paths can be seen without FCM."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from teranga.platform.notifications.providers.push_base import InvalidToken, PushError

logger = logging.getLogger(__name__)

INVALID_PREFIX = "sandbox-invalid"
UNAVAILABLE_PREFIX = "sandbox-unavailable"
KEEP_LAST = 200


@dataclass(frozen=True)
class SandboxPush:
    message_id: str
    token: str
    title: str
    body: str
    data: dict[str, str]


class SandboxPushProvider:
    name = "sandbox"

    def __init__(self) -> None:
        self._sent: deque[SandboxPush] = deque(maxlen=KEEP_LAST)
        self._lock = threading.Lock()

    @property
    def sent(self) -> list[SandboxPush]:
        """The last messages "sent", oldest first."""
        with self._lock:
            return list(self._sent)

    def clear(self) -> None:
        with self._lock:
            self._sent.clear()

    def send(self, *, token: str, title: str, body: str, data: Mapping[str, str]) -> str:
        if token.startswith(INVALID_PREFIX):
            raise InvalidToken(code="unregistered")
        if token.startswith(UNAVAILABLE_PREFIX):
            raise PushError("sandbox push unavailable", retryable=True, code="unavailable")
        message_id = f"sandbox-push-{uuid.uuid4().hex}"
        with self._lock:
            self._sent.append(
                SandboxPush(
                    message_id=message_id,
                    token=token,
                    title=title,
                    body=body,
                    data={str(k): str(v) for k, v in data.items()},
                )
            )
        logger.info("sandbox push", extra={"push_id": message_id, "token_hint": token[:8]})
        return message_id
