"""WebSocket authentication with the same JWT access token as the REST API.

A client passes its access token in one of two ways:

- in the query string: ``/ws/notifications/?token=<access token>``;
- as WebSocket subprotocols: the client offers exactly ``["bearer", "<access token>"]``
  (JavaScript: ``new WebSocket(url, ["bearer", token])``). The server accepts with the
  ``bearer`` subprotocol, so browsers, which require the server to pick one of the
  offered subprotocols, keep the connection; the token is never echoed back.

The subprotocol form keeps the token out of URLs (and so out of access logs). When both
are given, the subprotocol wins. Tokens are validated by allauth (statefully: a token
of a logged-out session is refused). The scope then carries ``user`` (an
``AnonymousUser`` when there is no valid token; consumers close such connections with
code 4401, see ``consumers.RealtimeConsumer``).

An open socket outlives its access token (the token only opens it) but not its
session: the consumer re-checks the token's session every
``REALTIME_AUTH_RECHECK_SECONDS`` (:func:`token_session_user`) and closes with 4401
once the user has logged out, the session was revoked or the user was deactivated.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlparse

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

logger = logging.getLogger(__name__)

BEARER_SUBPROTOCOL = "bearer"
#: Where the middleware keeps the validated token's claims in the scope.
TOKEN_CLAIMS_SCOPE_KEY = "realtime_token_claims"


def token_from_scope(scope) -> str | None:
    """The access token of a WebSocket scope, from its subprotocols or its query."""
    subprotocols = list(scope.get("subprotocols") or [])
    if BEARER_SUBPROTOCOL in subprotocols:
        index = subprotocols.index(BEARER_SUBPROTOCOL)
        if index + 1 < len(subprotocols) and subprotocols[index + 1]:
            return subprotocols[index + 1]
    query = parse_qs((scope.get("query_string") or b"").decode("latin-1"))
    values = query.get("token") or []
    return values[0] if values and values[0] else None


def _active(user):
    if user is None or not getattr(user, "is_active", False):
        return None
    # Resolve now, in this thread: consumers must not hit the database lazily.
    user.pk  # noqa: B018
    return user


def authenticate_token(token: str) -> tuple[Any, dict | None]:
    """``(user, claims)`` for an access token: allauth validates it (signature, expiry
    and, statefully, its session); ``(AnonymousUser(), None)`` when it is not valid.
    Synchronous: call it through ``database_sync_to_async``."""
    from allauth.headless.tokens.strategies.jwt.internal import validate_access_token

    try:
        result = validate_access_token(token)
    except Exception:  # a malformed token must never break the handshake
        return AnonymousUser(), None
    user = _active(result[0]) if result is not None else None
    if user is None:
        return AnonymousUser(), None
    return user, dict(result[1])


def token_session_user(claims: dict | None):
    """The user whose session issued the token with ``claims``, if that session is still
    signed in (not logged out, not revoked) and the user still active; else ``None``.

    The same stateful check as :func:`authenticate_token`, minus the token's expiry: the
    access token only opens the socket, and its short lifetime must not cut an open
    connection. Consumers run this every ``REALTIME_AUTH_RECHECK_SECONDS``. A database
    error propagates: the consumer then keeps the socket and checks again later.
    """
    from allauth.headless import app_settings
    from allauth.headless.tokens.strategies.jwt.internal import (
        get_token_session,
        validate_token_user,
    )

    if not claims:
        return None
    try:
        if not app_settings.JWT_STATEFUL_VALIDATION_ENABLED:
            from allauth.account.internal.userkit import str_to_user_id
            from django.contrib.auth import get_user_model

            pk = str_to_user_id(claims["sub"])
            return _active(get_user_model().objects.filter(pk=pk).first())
        session = get_token_session(claims)
        if session is None:
            return None
        return _active(validate_token_user(claims, session))
    except (KeyError, TypeError, ValueError):  # a malformed claim set is not a session
        logger.warning("realtime token claims unusable", exc_info=True)
        return None


@database_sync_to_async
def user_for_token(token: str):
    """The user of a valid access token, or an ``AnonymousUser``."""
    return authenticate_token(token)[0]


class JWTAuthMiddleware(BaseMiddleware):
    """Sets ``scope["user"]`` from the access token of a WebSocket connection."""

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        if scope.get("type") == "websocket":
            token = token_from_scope(scope)
            user, claims = (
                await database_sync_to_async(authenticate_token)(token)
                if token
                else (AnonymousUser(), None)
            )
            scope["user"] = user
            # Kept (never sent anywhere) for the periodic session re-check.
            scope[TOKEN_CLAIMS_SCOPE_KEY] = claims
        return await super().__call__(scope, receive, send)


class TokenOriginValidator(OriginValidator):
    """Origin checks for token-authenticated sockets.

    A connection without an ``Origin`` header (mobile apps, servers) is let through:
    it authenticates with an explicit token, never with a cookie, so it cannot be a
    cross-site hijack. A browser's ``Origin`` must match ``ALLOWED_HOSTS`` or
    ``CORS_ALLOWED_ORIGINS``.
    """

    def __init__(self, application):
        allowed = list(settings.ALLOWED_HOSTS)
        for origin in getattr(settings, "CORS_ALLOWED_ORIGINS", []):
            parsed = urlparse(origin)
            allowed.append(f"{parsed.scheme}://{parsed.netloc}" if parsed.scheme else origin)
        if settings.DEBUG and not settings.ALLOWED_HOSTS:
            allowed = ["localhost", "127.0.0.1", "[::1]"]
        super().__init__(application, allowed)

    def valid_origin(self, parsed_origin):
        if parsed_origin is None:
            return True
        return super().valid_origin(parsed_origin)
