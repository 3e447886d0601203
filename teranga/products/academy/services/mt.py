"""Writes of the MetaTrader section: a member's trading accounts, their API keys, and the
Expert Advisor's sync.

**Keys.** A key is ``ctk_`` followed by 32 random bytes (``secrets.token_urlsafe``: 256
bits). Only its SHA-256 digest is stored (unique, looked up by digest). A keyed hash
(``teranga.core.encryption.keyed_hash``) adds nothing here: it protects low-entropy values
(phone numbers) against a dictionary attack on a stolen table, and no dictionary reaches
a 256-bit random token; a plain digest also keeps the keys valid when ``SECRET_KEY`` or
``FIELD_HASH_KEY`` is rotated. The key is answered once, at creation.

**Sync.** One call per upload, atomic, with the account's row locked (two uploads of one
account never interleave). The account must be the key's: the login (and, once known,
the server) of the payload must match, else 403 ``mt_account_mismatch`` and nothing
changes. Trades are upserted on ``(account, ticket)`` with one ``bulk_create(
update_conflicts=True)``, after one read of the batch's known tickets and their
fingerprints: a new ticket is inserted, a changed one updated, an unchanged one not
written at all (a re-upload changes nothing, ``updated_at`` included).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, Forbidden, NotFound

from ..errors import AcademyError
from ..models import Trade, TradingAccount, TradingAccountKey

KEY_PREFIX = "ctk_"
SHOWN_PREFIX_LENGTH = 12
#: Active (not revoked) keys an account may have at once.
MAX_ACTIVE_KEYS = 5
#: Trades in one upload (the Expert Advisor sends its history in batches of 500).
MAX_TRADES_PER_SYNC = 1000
#: What an upsert rewrites on a known ticket (never ``id``, ``created_at``, ``account``).
UPDATE_FIELDS = [
    "symbol",
    "side",
    "lots",
    "open_time",
    "close_time",
    "open_price",
    "close_price",
    "sl",
    "initial_sl",
    "tp",
    "commission",
    "swap",
    "profit",
    "comment",
    "magic",
    "digest",
    "updated_at",
]
#: The reported values, in the order the fingerprint reads them.
FINGERPRINT_FIELDS = [
    "symbol",
    "side",
    "lots",
    "open_time",
    "close_time",
    "open_price",
    "close_price",
    "sl",
    "tp",
    "commission",
    "swap",
    "profit",
    "comment",
    "magic",
]


def key_digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def new_key() -> tuple[str, str, str]:
    """A fresh key: ``(raw key, shown prefix, SHA-256 digest)``."""
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    return raw_key, raw_key[:SHOWN_PREFIX_LENGTH], key_digest(raw_key)


# --- Accounts and keys ---------------------------------------------------------------------


def trading_account_create(*, user, name: str, login: int, server: str = "") -> TradingAccount:
    return TradingAccount.objects.create(user=user, name=name, login=login, server=server)


@transaction.atomic
def trading_account_delete(*, account: TradingAccount) -> None:
    """Deletes the account with its keys and trades."""
    account.delete()


@transaction.atomic
def account_key_create(
    *, account: TradingAccount, label: str = ""
) -> tuple[TradingAccountKey, str]:
    """A new key of ``account`` and the key itself (answered once, never stored). At most
    :data:`MAX_ACTIVE_KEYS` active keys: 409 ``mt_too_many_keys``."""
    TradingAccount.objects.select_for_update().filter(pk=account.pk).first()
    active = TradingAccountKey.objects.filter(account=account, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_KEYS:
        raise Conflict(
            _("This account already has %(count)d active keys: revoke one first.")
            % {"count": MAX_ACTIVE_KEYS},
            code=AcademyError.MT_TOO_MANY_KEYS,
        )
    raw_key, prefix, digest = new_key()
    key = TradingAccountKey.objects.create(
        account=account, label=label, prefix=prefix, digest=digest
    )
    return key, raw_key


@transaction.atomic
def account_key_revoke(*, account: TradingAccount, key_id) -> TradingAccountKey:
    """Revokes a key of ``account`` (again: harmless); 404 ``mt_key_not_found``."""
    key = TradingAccountKey.objects.select_for_update().filter(account=account, pk=key_id).first()
    if key is None:
        raise NotFound(_("No such API key."), code=AcademyError.MT_KEY_NOT_FOUND)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
    return key


def account_key_authenticate(raw_key: str) -> TradingAccountKey | None:
    """The active key whose text is ``raw_key`` (with its account), or None."""
    if not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 100:
        return None
    return (
        TradingAccountKey.objects.select_related("account")
        .filter(digest=key_digest(raw_key), revoked_at__isnull=True)
        .first()
    )


# --- Sync --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    account: TradingAccount
    received: int
    created: int
    updated: int
    unchanged: int


def _fingerprint(values: dict[str, Any]) -> str:
    parts = []
    for name in FINGERPRINT_FIELDS:
        value = values.get(name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        elif isinstance(value, Decimal):
            value = format(value.normalize(), "f")
        parts.append("" if value is None else str(value))
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def _normalised(trade: dict[str, Any]) -> dict[str, Any]:
    """A trade of the payload as stored: 0 for "none" (MT4's SL/TP) becomes null; an open
    trade has no close price."""
    values = dict(trade)
    for name in ("sl", "tp", "close_price"):
        if values.get(name) is not None and values[name] == 0:
            values[name] = None
    if values.get("close_time") is None:
        values["close_price"] = None
    values.setdefault("comment", "")
    values.setdefault("magic", 0)
    for name in ("commission", "swap", "profit"):
        if values.get(name) is None:
            values[name] = Decimal("0")
    return values


def _mismatch() -> Forbidden:
    return Forbidden(
        _("This key uploads for another trading account."),
        code=AcademyError.MT_ACCOUNT_MISMATCH,
    )


@transaction.atomic
def mt_sync(
    *,
    key: TradingAccountKey,
    account_info: dict[str, Any],
    trades: list[dict[str, Any]],
    now: datetime | None = None,
) -> SyncResult:
    """Records an upload of the Expert Advisor: the account's figures and a batch of
    trades (at most :data:`MAX_TRADES_PER_SYNC`, tickets distinct: the serializer checks
    both). 403 ``mt_account_mismatch`` when the payload names another account."""
    now = now or timezone.now()
    account = TradingAccount.objects.select_for_update().get(pk=key.account_id)
    server = (account_info.get("server") or "").strip()
    if account_info["login"] != account.login:
        raise _mismatch()
    if account.server and server and server.casefold() != account.server.casefold():
        raise _mismatch()

    tickets = [trade["ticket"] for trade in trades]
    known = {
        ticket: (digest, initial_sl)
        for ticket, digest, initial_sl in Trade.objects.filter(
            account=account, ticket__in=tickets
        ).values_list("ticket", "digest", "initial_sl")
    }
    rows, created, updated = [], 0, 0
    for trade in trades:
        values = _normalised(trade)
        digest = _fingerprint(values)
        previous = known.get(values["ticket"])
        if previous is not None and previous[0] == digest:
            continue
        if previous is None:
            created += 1
            initial_sl = values.get("sl")
        else:
            updated += 1
            # The risk the trade was opened with: the first stop-loss reported.
            initial_sl = previous[1] if previous[1] is not None else values.get("sl")
        rows.append(Trade(account=account, digest=digest, initial_sl=initial_sl, **values))
    if rows:
        Trade.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["account", "ticket"],
            update_fields=UPDATE_FIELDS,
        )

    account.server = server or account.server
    for name in ("broker", "currency", "balance", "equity", "leverage"):
        if name in account_info:
            setattr(account, name, account_info[name])
    account.last_sync_at = now
    account.save(
        update_fields=[
            "server",
            "broker",
            "currency",
            "balance",
            "equity",
            "leverage",
            "last_sync_at",
            "updated_at",
        ]
    )
    TradingAccountKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return SyncResult(
        account=account,
        received=len(trades),
        created=created,
        updated=updated,
        unchanged=len(trades) - created - updated,
    )
