"""The sandbox calendar provider: the default, in this process, no account anywhere.

Connecting goes straight back to our callback page with a code (no consent screen), so
the demo and the tests run the whole flow. Its calendars ("Sandbox", primary, and
"Sandbox — holidays") live in memory, per account: :func:`sandbox_busy_add` puts a busy
event in one (what a person would do in their calendar app), and :data:`STORE` shows
what was pushed. Nothing survives a restart, and nothing is shared between processes.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from .base import (
    BusyChange,
    Changes,
    CursorExpired,
    GrantRevoked,
    OutboundEvent,
    RemoteCalendar,
    Tokens,
    Watch,
    WebhookNotice,
    WebhookRejected,
    WebhookResult,
)

NAME = "sandbox"
PRIMARY = "primary"
SECOND = "holidays"


@dataclass
class _Event:
    id: str
    starts_at: datetime
    ends_at: datetime
    title: str = ""
    ours: bool = False
    deleted: bool = False
    version: int = 0


@dataclass
class _Account:
    events: dict[str, dict[str, _Event]] = field(default_factory=lambda: {PRIMARY: {}, SECOND: {}})
    revoked: bool = False


class SandboxStore:
    """Every sandbox account's calendars, by access/refresh token's account name."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accounts: dict[str, _Account] = {}
        self.versions = itertools.count(1)

    def account(self, name: str) -> _Account:
        with self.lock:
            return self.accounts.setdefault(name, _Account())

    def clear(self) -> None:
        with self.lock:
            self.accounts.clear()


STORE = SandboxStore()


def _account_of(token: str) -> str:
    # Tokens are "<kind>:<account>": the sandbox knows whose they are without a table.
    _kind, _, account = token.partition(":")
    if not account:
        raise GrantRevoked("not a sandbox token")
    if STORE.account(account).revoked:
        raise GrantRevoked()
    return account


def sandbox_busy_add(
    account: str, starts_at: datetime, ends_at: datetime, *, calendar=PRIMARY
) -> str:
    """Put a busy event in a sandbox calendar (as its owner would); returns its id."""
    event = _Event(str(uuid.uuid4()), starts_at, ends_at, version=next(STORE.versions))
    STORE.account(account).events[calendar][event.id] = event
    return event.id


def sandbox_events(account: str, calendar: str = PRIMARY) -> list[_Event]:
    """The live events of a sandbox calendar (for the demo and the tests)."""
    events = STORE.account(account).events[calendar].values()
    return sorted((e for e in events if not e.deleted), key=lambda e: e.starts_at)


class SandboxCalendarProvider:
    name = NAME
    push_notifications = False

    def is_configured(self) -> bool:
        return True

    def authorization_url(self, *, state: str, redirect_uri: str) -> str:
        return (
            f"{redirect_uri}?{urlencode({'code': 'sandbox-' + uuid.uuid4().hex, 'state': state})}"
        )

    def exchange_code(self, *, code: str, redirect_uri: str) -> Tokens:
        if not code.startswith("sandbox-"):
            raise GrantRevoked("not a sandbox code")
        account = f"{code.removeprefix('sandbox-')[:12]}@sandbox.teranga"
        STORE.account(account)
        return Tokens(access_token=f"access:{account}", refresh_token=f"refresh:{account}")

    def refresh(self, *, refresh_token: str) -> Tokens:
        account = _account_of(refresh_token)
        return Tokens(access_token=f"access:{account}", refresh_token=refresh_token)

    def revoke(self, *, token: str) -> None:
        _kind, _, account = token.partition(":")
        if account:
            STORE.account(account).revoked = True

    def account(self, *, access_token: str) -> str:
        return _account_of(access_token)

    def calendars(self, *, access_token: str) -> list[RemoteCalendar]:
        account = _account_of(access_token)
        return [
            RemoteCalendar(id=PRIMARY, name=account, primary=True, can_write=True),
            RemoteCalendar(id=SECOND, name="Sandbox — holidays", can_write=False),
        ]

    def event_put(
        self,
        *,
        access_token: str,
        calendar_id: str,
        event: OutboundEvent,
        external_id: str | None,
    ) -> str:
        calendar = STORE.account(_account_of(access_token)).events[calendar_id]
        event_id = external_id or f"teranga-{event.uid}"
        calendar[event_id] = _Event(
            event_id,
            event.starts_at,
            event.ends_at,
            title=event.title,
            ours=True,
            version=next(STORE.versions),
        )
        return event_id

    def event_delete(self, *, access_token: str, calendar_id: str, external_id: str) -> None:
        calendar = STORE.account(_account_of(access_token)).events[calendar_id]
        if external_id in calendar:
            calendar[external_id].deleted = True
            calendar[external_id].version = next(STORE.versions)

    def changes(
        self,
        *,
        access_token: str,
        calendar_id: str,
        cursor: str,
        window: tuple[datetime, datetime],
    ) -> Changes:
        calendar = STORE.account(_account_of(access_token)).events[calendar_id]
        since = 0
        if cursor:
            try:
                since = int(cursor.removeprefix("v"))
            except ValueError:
                raise CursorExpired() from None
        changes = []
        latest = since
        for event in list(calendar.values()):
            latest = max(latest, event.version)
            if event.version <= since:
                continue
            if event.deleted or event.ours:
                changes.append(BusyChange(event_id=event.id))
            else:
                changes.append(BusyChange(event.id, event.starts_at, event.ends_at))
        return Changes(changes=changes, cursor=f"v{latest}", full=not cursor)

    def watch(self, *, access_token, calendar_id, address, secret, channel_id) -> Watch:
        return Watch(
            id=channel_id, resource_id="", expires_at=datetime.now(UTC) + timedelta(days=7)
        )

    def renew(self, *, access_token, calendar_id, watch, address, secret) -> Watch:
        return Watch(watch.id, watch.resource_id, datetime.now(UTC) + timedelta(days=7))

    def unwatch(self, *, access_token: str, watch: Watch) -> None:
        return None

    def parse_webhook(
        self, *, headers: Mapping[str, str], query: Mapping[str, str], body: bytes
    ) -> WebhookResult:
        channel = headers.get("x-sandbox-channel", "")
        if not channel:
            raise WebhookRejected("no channel")
        return WebhookResult(
            notices=[WebhookNotice(watch_id=channel, secret=headers.get("x-sandbox-token", ""))]
        )
