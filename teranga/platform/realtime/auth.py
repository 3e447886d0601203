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
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

BEARER_SUBPROTOCOL = "bearer"


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


@database_sync_to_async
def user_for_token(token: str):
    from allauth.headless.tokens.strategies.jwt.internal import validate_access_token

    try:
        result = validate_access_token(token)
    except Exception:  # a malformed token must never break the handshake
        return AnonymousUser()
    if result is None:
        return AnonymousUser()
    user = result[0]
    if not getattr(user, "is_active", False):
        return AnonymousUser()
    # Resolve now, in this thread: consumers must not hit the database lazily.
    user.pk  # noqa: B018
    return user


class JWTAuthMiddleware(BaseMiddleware):
    """Sets ``scope["user"]`` from the access token of a WebSocket connection."""

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        if scope.get("type") == "websocket":
            token = token_from_scope(scope)
            scope["user"] = await user_for_token(token) if token else AnonymousUser()
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
