"""What a calendar provider does for us, as a small typed protocol.

An adapter turns the provider's API into these shapes; everything else (tokens stored
encrypted, the mapping of our entries to its events, busy times, backoff) is the app's.
Failures are :class:`ProviderError` (``teranga.core.http``); two kinds matter apart:

* :class:`GrantRevoked` — the refresh token no longer works (``invalid_grant``, or a 401
  right after a refresh): the connection is marked revoked and its user told;
* :class:`CursorExpired` — the incremental cursor is no longer valid (Google's 410,
  Graph's ``syncStateNotFound``): a full resync follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from teranga.core.http import ProviderError

__all__ = [
    "BusyChange",
    "CalendarProvider",
    "Changes",
    "CursorExpired",
    "GrantRevoked",
    "OutboundEvent",
    "ProviderError",
    "RemoteCalendar",
    "Tokens",
    "Watch",
    "WebhookNotice",
    "WebhookRejected",
    "WebhookResult",
]


class ProviderFailure(StrEnum):
    """The providers' own failure codes (stored with the sync, logged), never sent to
    clients."""

    INVALID_GRANT = "invalid_grant"
    CURSOR_EXPIRED = "cursor_expired"


class GrantRevoked(ProviderError):
    """The user's grant is gone: reconnecting is the only way back."""

    def __init__(self, message: str = "the grant was revoked") -> None:
        super().__init__(message, retryable=False, code=ProviderFailure.INVALID_GRANT)


class CursorExpired(ProviderError):
    """The incremental sync cursor expired: start again with a full sync."""

    def __init__(self, message: str = "the sync cursor expired") -> None:
        super().__init__(message, retryable=False, code=ProviderFailure.CURSOR_EXPIRED)


class WebhookRejected(Exception):
    """A notification that is not the provider's (malformed, or unverifiable)."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str = ""
    expires_in: int = 3600


@dataclass(frozen=True)
class RemoteCalendar:
    id: str
    name: str
    primary: bool = False
    can_write: bool = False


@dataclass(frozen=True)
class OutboundEvent:
    """One of our calendar entries as pushed: ``uid`` is stable (the event id or the
    creation key derives from it, so a repeated push never makes a second event)."""

    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    location: str = ""
    url: str = ""
    tentative: bool = False


@dataclass(frozen=True)
class BusyChange:
    """An event of a calendar that blocks slots: busy from ``starts_at`` to ``ends_at``,
    or (both None) no longer busy (deleted, cancelled, or marked free)."""

    event_id: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    @property
    def busy(self) -> bool:
        return self.starts_at is not None and self.ends_at is not None


@dataclass(frozen=True)
class Changes:
    """What changed since the cursor: ``full`` when every busy event is listed (a first
    or a forced sync: whatever is not listed is no longer busy); ``cursor`` for next time."""

    changes: list[BusyChange]
    cursor: str
    full: bool


@dataclass(frozen=True)
class Watch:
    """A push channel (Google watch channel, Graph subscription)."""

    id: str
    resource_id: str
    expires_at: datetime


@dataclass(frozen=True)
class WebhookNotice:
    """One notification: the channel it names and the secret it carries."""

    watch_id: str
    secret: str
    #: False for a channel's first message (Google's ``sync``): nothing changed yet.
    changed: bool = True


@dataclass(frozen=True)
class WebhookResult:
    """What a notification request holds: a handshake to answer (Graph's
    ``validationToken``, echoed as text/plain), or notices to verify and act on."""

    notices: list[WebhookNotice] = field(default_factory=list)
    handshake: str | None = None


class CalendarProvider(Protocol):
    name: str
    #: Whether it can notify us of changes (else only the periodic resync reads it).
    push_notifications: bool

    def is_configured(self) -> bool: ...

    def authorization_url(self, *, state: str, redirect_uri: str) -> str: ...

    def exchange_code(self, *, code: str, redirect_uri: str) -> Tokens: ...

    def refresh(self, *, refresh_token: str) -> Tokens: ...

    def revoke(self, *, token: str) -> None: ...

    def account(self, *, access_token: str) -> str: ...

    def calendars(self, *, access_token: str) -> list[RemoteCalendar]: ...

    def event_put(
        self,
        *,
        access_token: str,
        calendar_id: str,
        event: OutboundEvent,
        external_id: str | None,
    ) -> str: ...

    def event_delete(self, *, access_token: str, calendar_id: str, external_id: str) -> None: ...

    def changes(
        self,
        *,
        access_token: str,
        calendar_id: str,
        cursor: str,
        window: tuple[datetime, datetime],
    ) -> Changes: ...

    def watch(
        self,
        *,
        access_token: str,
        calendar_id: str,
        address: str,
        secret: str,
        channel_id: str,
    ) -> Watch: ...

    def renew(
        self, *, access_token: str, calendar_id: str, watch: Watch, address: str, secret: str
    ) -> Watch: ...

    def unwatch(self, *, access_token: str, watch: Watch) -> None: ...

    def parse_webhook(
        self, *, headers: Mapping[str, str], query: Mapping[str, str], body: bytes
    ) -> WebhookResult: ...
