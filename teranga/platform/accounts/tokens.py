"""The app's tokens (allauth headless, JWT): reuse detection, and a new pair after a
password change.

**Refresh-token reuse** (OAuth 2.0 Security BCP, "refresh token rotation"). allauth
rotates the refresh token on every refresh and forgets the old one, but someone who
presents the old one again only gets a refusal, while the session (and whoever holds the
newest token) lives on. Here a refresh token that is correctly signed, unexpired and
names a live session, yet is no longer that session's current one, has been used
before: one of its two holders is not the user, so the whole session ends. Its access
token and its newest refresh token stop working. allauth has no grace window (it drops
the old token at once), so there is none here either: a client refreshes once at a time.

**Password change.** Django rotates the session key on a password change
(``update_session_auth_hash`` calls ``cycle_key``), and allauth's JWTs name the session
by key, so the app's access and refresh tokens died with the old key, and allauth's
answer carried no new pair (it issues one only when a request logs someone in). After a
change we end the user's other sessions and let allauth hand back a new pair for the
current one (``meta.access_token``, ``meta.refresh_token``).
"""

from __future__ import annotations

import logging

from allauth.core.internal.httpkit import is_headless_request
from allauth.headless.constants import Client
from allauth.headless.tokens.strategies.jwt import JWTTokenStrategy as AllauthJWTTokenStrategy
from allauth.headless.tokens.strategies.jwt import internal
from django.contrib.auth.models import AnonymousUser

from teranga.platform.accounts.services import session_end, user_sessions_end

logger = logging.getLogger(__name__)


class JWTTokenStrategy(AllauthJWTTokenStrategy):
    def refresh_token(self, refresh_token: str) -> tuple[str, str] | None:
        payload = internal.decode_token(refresh_token, "refresh")
        if payload is not None:
            session = internal.get_token_session(payload)
            if session is not None and payload["jti"] not in internal.get_refresh_token_state(
                session
            ):
                logger.warning(
                    "rotated refresh token reused; session ended",
                    extra={"user_id": payload.get("sub")},
                )
                session_end(session_key=session.session_key)
                return None
        return super().refresh_token(refresh_token)


def on_password_changed(sender, request=None, user=None, **kwargs) -> None:
    """allauth's ``password_changed`` / ``password_set``: end the other sessions and give
    the app a new token pair for this one."""
    if request is None or user is None:
        return
    user_sessions_end(user=user, keep_session_key=request.session.session_key)
    if is_headless_request(request) == Client.APP:
        # allauth exposes a new access/refresh pair when the request's user differs from
        # the one it started with (authkit.expose_access_token); the session was reissued,
        # so this request now counts as one that authenticated.
        request.allauth.headless._pre_user = AnonymousUser()


def on_password_reset(sender, request=None, user=None, **kwargs) -> None:
    """allauth's ``password_reset`` (by code or link, from a signed-out device): whoever
    knew the old password may hold a session, so every session of the account ends."""
    if user is not None:
        user_sessions_end(user=user)
