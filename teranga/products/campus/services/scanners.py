"""Scanner devices: a phone the organiser's staff registered for offline check-in.

A device signs in with ``Authorization: Scanner <token>``. The token is ``tcs_`` + 32
random bytes (URL-safe base64), shown once when the device is created; the row keeps its
SHA-256 digest (unique, the lookup key). A revoked device's token answers 401.

Each device also gets a **signing key**, derived from ``SECRET_KEY`` and the device (so
the server never stores it, and it changes with the device): the sync payloads are signed
with it (HMAC-SHA256 over their canonical JSON), so the device detects a payload altered
on the way or in its storage. It is shown once with the token, as ``setup_code``
(``<token>.<signing key>``), what the scanner page asks for.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.models import Organization

from ..errors import CampusError
from ..models import ScannerDevice

TOKEN_PREFIX = "tcs_"
TOKEN_MAX_LENGTH = 100
#: ``last_seen_at`` is written at most this often (no write per request).
TOUCH_EVERY = timedelta(minutes=5)
SIGNING_SALT = "teranga.campus.scanner.sync"


def token_digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def scanner_signing_key(device: ScannerDevice) -> str:
    """The device's key for the sync signatures (hex), derived from ``SECRET_KEY``."""
    return salted_hmac(SIGNING_SALT, device.token_hash, algorithm="sha256").hexdigest()


def scanner_setup_code(device: ScannerDevice, raw_token: str) -> str:
    """What the staff type once on the scanner page: ``<token>.<signing key>``."""
    return f"{raw_token}.{scanner_signing_key(device)}"


def canonical_json(payload: dict) -> bytes:
    """Keys sorted, no spaces, UTF-8: what ``JSON.stringify`` gives for the same object
    with its keys sorted (the scanner page checks the signature that way)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def payload_sign(*, device: ScannerDevice, payload: dict) -> str:
    key = scanner_signing_key(device).encode()
    return hmac.new(key, canonical_json(payload), hashlib.sha256).hexdigest()


@transaction.atomic
def scanner_create(
    *, organization: Organization, name: str, created_by=None
) -> tuple[ScannerDevice, str]:
    """A new device of ``organization`` and its raw token (returned once, never stored)."""
    raw_token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = ScannerDevice.objects.create(
        organization=organization,
        name=name,
        token_hash=token_digest(raw_token),
        created_by=created_by if created_by is not None and created_by.is_authenticated else None,
    )
    return device, raw_token


@transaction.atomic
def scanner_revoke(
    *, organization: Organization, scanner_id, now: datetime | None = None
) -> ScannerDevice:
    """Revoke the device (its token answers 401 from now on); idempotent. 404
    ``scanner_not_found`` for a device of another organisation."""
    key = parse_uuid(scanner_id)
    device = (
        ScannerDevice.objects.select_for_update().filter(organization=organization, pk=key).first()
        if key
        else None
    )
    if device is None:
        raise NotFound(code=CampusError.SCANNER_NOT_FOUND)
    if device.revoked_at is None:
        device.revoked_at = now or timezone.now()
        device.save(update_fields=["revoked_at", "updated_at"])
    return device


def scanner_authenticate(raw_token: str, *, now: datetime | None = None) -> ScannerDevice | None:
    """The device whose token is ``raw_token`` if it is not revoked, else None."""
    if not raw_token.startswith(TOKEN_PREFIX) or len(raw_token) > TOKEN_MAX_LENGTH:
        return None
    digest = token_digest(raw_token)
    device = ScannerDevice.objects.select_related("organization").filter(token_hash=digest).first()
    if device is None or not hmac.compare_digest(device.token_hash, digest) or device.revoked_at:
        return None
    now = now or timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at > TOUCH_EVERY:
        ScannerDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
    return device
