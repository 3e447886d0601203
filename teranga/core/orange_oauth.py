"""Orange Developer's OAuth client-credentials token, shared by every Orange API we call
(Orange Money's web payment, the SMS API).

``POST {api_url}/oauth/v3/token`` with Basic auth and ``grant_type=client_credentials``;
the token is cached for its ``expires_in`` minus a margin under a digest of the API URL
and the client id (never the secret, nor the id itself). Asking for a token changes
nothing at Orange, so the call is retried (bounded). The caller maps
:class:`OrangeTokenError` to its own error type.
"""

from __future__ import annotations

import hashlib

import httpx2
from django.core.cache import cache

from teranga.core import http

TOKEN_PATH = "/oauth/v3/token"
TOKEN_MARGIN_SECONDS = 60


class OrangeTokenError(Exception):
    """No token: ``response`` is Orange's refusal (non-2xx), or None when a 2xx answer
    carried no token."""

    def __init__(self, message: str, *, response: httpx2.Response | None = None) -> None:
        super().__init__(message)
        self.response = response


def token_cache_key(prefix: str, *, api_url: str, client_id: str) -> str:
    digest = hashlib.sha256(f"{api_url.rstrip('/')}|{client_id}".encode()).hexdigest()
    return prefix + digest


def access_token(
    client: httpx2.Client,
    *,
    provider: str,
    client_id: str,
    client_secret: str,
    cache_key: str,
) -> str:
    """A valid access token (cached, else asked for with ``client``, whose base URL is
    the Orange API's)."""
    token = cache.get(cache_key)
    if token:
        return token
    response = http.send(
        client,
        "POST",
        TOKEN_PATH,
        provider=provider,
        retry=True,
        auth=(client_id, client_secret),
        data={"grant_type": "client_credentials"},
        headers={"Accept": "application/json"},
    )
    if not response.is_success:
        raise OrangeTokenError(f"{provider} refused the token request", response=response)
    try:
        data = response.json()
    except ValueError:
        data = None
    token = str(data.get("access_token") or "") if isinstance(data, dict) else ""
    if not token:
        raise OrangeTokenError(f"{provider} gave no access token")
    try:
        lifetime = int(data.get("expires_in") or 0)
    except (TypeError, ValueError):
        lifetime = 0
    if lifetime > TOKEN_MARGIN_SECONDS:
        cache.set(cache_key, token, timeout=lifetime - TOKEN_MARGIN_SECONDS)
    return token
