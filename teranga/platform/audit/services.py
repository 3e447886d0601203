"""Writes of the audit log.

* :func:`audit_record` — one entry, in the caller's transaction: called inside the
  service that makes the change, the entry exists if and only if the change committed.
  Address and user agent come from the request being served (``context``), or from the
  ``request`` given.
* :func:`audit_sign_in_failed` — a failed sign-in, which has no transaction of its own:
  recorded at once, at most one row per (address, account) per
  ``AUDIT_FAILED_SIGN_IN_WINDOW`` seconds, so an attacker cannot fill the table.
* :func:`audit_entries_purge` — the retention job: the only delete.
* :func:`audit_user_forget` — the GDPR erasure blanks a person's label in the log.

Never pass secrets in ``before``/``after``: keys named like a secret (password, token,
secret, code, key, hash) are dropped whatever their value, and phone numbers are masked
with :func:`mask_phone`.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils import timezone

from teranga.core.client_address import client_address
from teranga.core.masking import mask_phone as core_mask_phone

from .context import current_request
from .models import (
    ACTOR_LABEL_MAX_LENGTH,
    OBJECT_ID_MAX_LENGTH,
    OBJECT_TYPE_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    USER_AGENT_MAX_LENGTH,
    AuditAction,
    AuditEntry,
)

#: Keys never written to ``before``/``after`` (their values are secrets).
SECRET_KEY_PARTS = ("password", "secret", "token", "hash", "code", "key", "signature")
#: A JSON value of ``before``/``after`` longer than this is cut.
VALUE_MAX_LENGTH = 500
SYSTEM_LABEL = "system"


def mask_phone(value: Any) -> str:
    """``+221771234567`` -> ``+221 ** *** ** 67`` (``teranga.core.masking``): enough to
    recognise a number, not to call it."""
    return core_mask_phone(value)


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in SECRET_KEY_PARTS)


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, dict):
        return _clean_values(value)
    if isinstance(value, list | tuple | set):
        return [_json_value(item) for item in list(value)[:50]]
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    return str(value)[:VALUE_MAX_LENGTH]


def _clean_values(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {
        str(key)[:100]: _json_value(value)
        for key, value in values.items()
        if not _is_secret(str(key))
    }


def field_values(instance: models.Model, names: list[str] | set[str]) -> dict[str, Any]:
    """The values of ``names`` on ``instance`` as the log stores them (``before`` read
    before the change, ``after`` after it)."""
    return {name: getattr(instance, name, None) for name in sorted(names)}


def changed_values(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value changed, from both sides."""
    keys = [key for key in after if _json_value(before.get(key)) != _json_value(after.get(key))]
    return {key: before.get(key) for key in keys}, {key: after.get(key) for key in keys}


def _label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return (getattr(user, "email", "") or str(user.pk))[:ACTOR_LABEL_MAX_LENGTH]


def _request_actor(request):
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


def audit_record(
    *,
    action: AuditAction | str,
    actor=None,
    organization=None,
    subject=None,
    object_type: str = "",
    object_id: Any = "",
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request=None,
    system: bool = False,
) -> AuditEntry:
    """Write one entry, in the caller's transaction (call it inside the service that
    makes the change). ``actor`` defaults to the signed-in user of the request being
    served; ``system=True`` labels an entry with no actor at all "system" (a job).
    ``organization`` and ``subject`` may be instances or ids."""
    action = AuditAction(action)
    request = request if request is not None else current_request()
    if actor is None:
        actor = _request_actor(request)
    address = client_address(request) if request is not None else None
    user_agent = (request.META.get("HTTP_USER_AGENT", "") if request is not None else "") or ""
    entry = AuditEntry(
        action=action,
        actor=actor,
        actor_label=SYSTEM_LABEL if (system and actor is None) else _label(actor),
        organization_id=getattr(organization, "pk", organization),
        subject_id=getattr(subject, "pk", subject),
        object_type=object_type[:OBJECT_TYPE_MAX_LENGTH],
        object_id=str(object_id or "")[:OBJECT_ID_MAX_LENGTH],
        summary=str(summary)[:SUMMARY_MAX_LENGTH],
        before=_clean_values(before),
        after=_clean_values(after),
        address=address,
        user_agent=user_agent[:USER_AGENT_MAX_LENGTH],
    )
    entry.save(force_insert=True)
    return entry


def _window_seconds() -> int:
    return int(getattr(settings, "AUDIT_FAILED_SIGN_IN_WINDOW", 300))


def audit_sign_in_failed(*, request, user=None, reason: str = "password") -> AuditEntry | None:
    """A failed sign-in, recorded at once (there is no transaction to join).

    At most one row per (address, account) per ``AUDIT_FAILED_SIGN_IN_WINDOW`` seconds
    (default 300): the first failure of a window is written, the next ones are not (the
    cache remembers the window). With allauth's login limits (``login_failed_address``:
    100 failures per address per 5 minutes) this bounds what one address can write. The
    login that was typed is not stored: for an unknown account it could be anything
    (even a password typed in the wrong field); a known account is the ``subject``.
    Returns the entry, or ``None`` when the window already has one."""
    address = client_address(request) if request is not None else None
    account = str(user.pk) if user is not None else "unknown"
    digest = hashlib.sha256(f"{address}|{account}".encode()).hexdigest()[:32]
    if not cache.add(f"audit:sign-in-failed:{digest}", 1, timeout=_window_seconds()):
        return None
    return audit_record(
        action=AuditAction.SIGN_IN_FAILED,
        subject=user,
        object_type="accounts.user" if user is not None else "",
        object_id=user.pk if user is not None else "",
        summary="Failed sign-in",
        after={"reason": reason[:50]},
        request=request,
    )


def retention_days() -> int:
    return int(getattr(settings, "AUDIT_RETENTION_DAYS", 365))


def audit_entries_purge(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete the entries older than ``AUDIT_RETENTION_DAYS`` (the retention job; the
    only delete of the log). Deletes in batches; returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    total = 0
    for _round in range(10_000):  # bounded: 50 million rows a run at most
        ids = list(
            AuditEntry.objects.filter(created_at__lt=cutoff)
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        total += AuditEntry.objects.filter(pk__in=ids)._retention_delete()
    return total


def audit_user_forget(*, user) -> int:
    """The GDPR erasure: the log keeps what happened, not who the person was (their
    label and the addresses and user agents of their own sign-ins go)."""
    forgotten = AuditEntry.objects.filter(actor=user)._erasure_update(actor_label="")
    AuditEntry.objects.filter(subject=user, actor__isnull=True).exclude(
        actor_label=SYSTEM_LABEL
    )._erasure_update(address=None, user_agent="")
    AuditEntry.objects.filter(actor=user)._erasure_update(address=None, user_agent="")
    return forgotten


def audit_private_file_served(*, request, name: str) -> None:
    """A private file was served through its signed link (``teranga.core.media_views``):
    whoever holds the link, from where. The signed link is the key: the signature is not
    stored, only the file's name."""
    audit_record(
        action=AuditAction.DOCUMENT_ACCESSED,
        organization=_organization_of_file(name),
        object_type="media.private",
        object_id=name,
        request=request,
    )


def _organization_of_file(name: str):
    """The organisation a private file belongs to, when its name says so: the platform
    files an organisation owns are stored as ``<kind>/<organization id>/…``
    (verification documents ``organizations/<id>/verification/…``, invoices
    ``invoices/<id>/…``). ``None`` for any other name."""
    parts = name.split("/")
    if len(parts) < 3:
        return None
    try:
        organization_id = uuid.UUID(parts[1])
    except ValueError:
        return None
    organization_model = AuditEntry._meta.get_field("organization").related_model
    return (
        organization_model.objects.filter(pk=organization_id).values_list("pk", flat=True).first()
    )
