"""The OAuth ``state`` of a connection: signed (``django.core.signing``, salted), naming
the user, the provider and a one-time nonce, valid :data:`STATE_MAX_AGE` seconds. The
nonce is kept in the cache until the callback uses it, so a state works once."""

from __future__ import annotations

import secrets

from django.core import signing
from django.core.cache import cache

SALT = "teranga.calendars.oauth-state"
STATE_MAX_AGE = 600
_NONCE_KEY = "calendars:oauth-nonce:"


class InvalidState(Exception):
    """Tampered with, expired, for another provider, or used already."""


def state_make(*, user_id, provider: str) -> str:
    nonce = secrets.token_urlsafe(16)
    cache.set(_NONCE_KEY + nonce, str(user_id), timeout=STATE_MAX_AGE)
    return signing.dumps({"u": str(user_id), "p": provider, "n": nonce}, salt=SALT, compress=True)


def state_use(state: str, *, provider: str) -> str:
    """The user id the state was made for; it cannot be used again."""
    if not state or len(state) > 1000:
        raise InvalidState("no state")
    try:
        data = signing.loads(state, salt=SALT, max_age=STATE_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        raise InvalidState("bad or expired signature") from None
    if not isinstance(data, dict) or data.get("p") != provider:
        raise InvalidState("another provider")
    nonce = str(data.get("n") or "")
    if not nonce or cache.get(_NONCE_KEY + nonce) != data.get("u"):
        raise InvalidState("used already")
    if not cache.delete(_NONCE_KEY + nonce):  # a concurrent callback took it first
        raise InvalidState("used already")
    return str(data["u"])
