"""Known-device tokens: proof that a device has logged in to an account before.

After every successful login the answer carries a token, signed with ``SECRET_KEY``
(Django's signing) and bound to the account and to its current password:

- in the ``teranga_known_device`` cookie (HttpOnly, SameSite=Strict, Secure over HTTPS,
  path ``/_allauth/``), which a browser sends back by itself;
- in the ``X-Known-Device`` response header, which the mobile app keeps and sends back
  as the ``X-Known-Device`` request header on its next login.

A login that presents a valid token for the account it names counts its failures per
(device, account) instead of per (address, account), and skips the per-account and
per-address failure budgets: neither a stranger guessing from many addresses nor a
neighbour behind the same carrier-NAT address can lock the owner's own device out
(see ``AccountAdapter.pre_authenticate``). Changing the password invalidates every
token issued before.
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.utils.crypto import salted_hmac

COOKIE_NAME = "teranga_known_device"
HEADER_NAME = "X-Known-Device"
COOKIE_PATH = "/_allauth/"
MAX_AGE = 180 * 24 * 3600  # seconds
#: A real token is about 150 characters; anything much longer is not worth parsing.
MAX_TOKEN_LENGTH = 512
_SALT = "teranga.accounts.known-device"


def _password_binding(user) -> str:
    return salted_hmac(_SALT, user.password or "").hexdigest()[:20]


def known_device_issue(*, user) -> str:
    """A new token for ``user`` on a new device id."""
    payload = {"u": str(user.pk), "d": secrets.token_urlsafe(12), "p": _password_binding(user)}
    return signing.dumps(payload, salt=_SALT, compress=True)


def presented_token(request) -> str:
    """The token the request carries (header first, then cookie), or ``""``."""
    token = request.headers.get(HEADER_NAME) or request.COOKIES.get(COOKIE_NAME) or ""
    return token if len(token) <= MAX_TOKEN_LENGTH else ""


def known_device_id(request, *, users) -> str | None:
    """The device id of a valid token issued to one of ``users`` (the accounts the login
    names), else ``None``."""
    token = presented_token(request)
    if not token:
        return None
    try:
        payload = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    device = payload.get("d")
    for user in users:
        if str(user.pk) == payload.get("u") and payload.get("p") == _password_binding(user):
            return device if isinstance(device, str) and device else None
    return None


def known_device_attach(response, *, request, user) -> None:
    """Put a fresh token for ``user`` in ``response`` (cookie and header)."""
    token = known_device_issue(user=user)
    response[HEADER_NAME] = token
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=MAX_AGE,
        path=COOKIE_PATH,
        secure=request.is_secure(),
        httponly=True,
        samesite="Strict",
    )
