"""The OAuth 2.0 token endpoint as Google and Microsoft both speak it (RFC 6749 §5): one
form POST, an access token (and maybe a new refresh token) back, and an ``error`` that
says the grant is gone. Shared by the two providers."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from teranga.core import http
from teranga.core.http import ProviderError

from .base import GrantRevoked, Tokens


def json_body(response) -> dict[str, Any]:
    """The response's JSON object, or ``{}`` when it is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def token_request(
    *, url: str, provider: str, data: Mapping[str, str], revoked_errors: Collection[str]
) -> Tokens:
    """POST ``data`` to the token endpoint ``url``; :class:`GrantRevoked` when the provider
    answers 400/401 with one of ``revoked_errors``."""
    with http.client() as client:
        response = http.send(
            client,
            "POST",
            url,
            provider=provider,
            retry=True,
            data=dict(data),
            headers={"Accept": "application/json"},
        )
    body = json_body(response)
    if response.status_code in (400, 401) and body.get("error") in revoked_errors:
        raise GrantRevoked()
    http.raise_for_status(response, provider=provider)
    token = str(body.get("access_token") or "")
    if not token:
        raise ProviderError(f"{provider} gave no access token", code="no_token")
    return Tokens(
        access_token=token,
        refresh_token=str(body.get("refresh_token") or ""),
        expires_in=int(body.get("expires_in") or 3600),
    )
