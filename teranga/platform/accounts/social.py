"""allauth's social accounts (Google, Apple): which providers are offered, and the name
Apple gives only once.

The flows themselves are allauth's (``allauth.socialaccount`` + headless): the apps and
the web send the provider's ID token to ``/_allauth/app/v1/auth/provider/token``; allauth
checks its signature against the provider's published keys, its issuer, audience and
expiry, then signs in, links or signs up. Linking is by verified email only
(``SOCIALACCOUNT_EMAIL_AUTHENTICATION``): allauth's ``authenticate_by_email`` considers
only the addresses the provider marks verified, and a new user's address is marked
verified only when the provider says so.
"""

from __future__ import annotations

import json

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

#: The longest name part we keep (the user model's first/last name columns).
NAME_MAX_LENGTH = 150


def apple_name_from_request(request) -> dict[str, str]:
    """The name an Apple app sends beside the ID token on the first sign-in.

    Apple puts the user's name in the ID token never, and in the app's
    ``ASAuthorizationAppleIDCredential.fullName`` only on the first authorisation; the app
    passes it on as ``token.name`` = ``{"firstName": ..., "lastName": ...}`` (the shape
    Apple's web redirect posts as ``user.name``). Anything else is ignored.
    """
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return {}
    token = body.get("token") if isinstance(body, dict) else None
    name = token.get("name") if isinstance(token, dict) else None
    if not isinstance(name, dict):
        return {}
    fields = {}
    for key, field in (("firstName", "first_name"), ("lastName", "last_name")):
        value = name.get(key)
        if isinstance(value, str) and value.strip():
            fields[field] = value.strip()[:NAME_MAX_LENGTH]
    return fields


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_providers(self, request):
        """One entry per provider: the apps of a provider's other client ids (the iOS and
        Android apps, Apple bundle ids) are ``hidden`` and only match a token's
        ``client_id``. A provider with no app (no credentials in the environment nor in
        the admin) is not offered."""
        return [
            provider
            for provider in super().list_providers(request)
            if provider.app is None or not (provider.app.settings or {}).get("hidden")
        ]

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        if sociallogin.account.provider == "apple":
            for field, value in apple_name_from_request(request).items():
                if not getattr(user, field, ""):
                    setattr(user, field, value)
        return user
