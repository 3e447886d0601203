"""Where a provider's credentials come from: an organisation's own ``ProviderAccount``
(encrypted at rest), else the environment (``settings.PAYMENT_PROVIDERS``).

Account credentials are encrypted with Fernet under a key derived from
``PAYMENTS_CREDENTIALS_KEY`` (or, when unset, ``SECRET_KEY``): a database dump alone
does not reveal them. They are never returned by the API nor written to a log.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from .base import Credentials


def _fernet() -> Fernet:
    secret = getattr(settings, "PAYMENTS_CREDENTIALS_KEY", "") or settings.SECRET_KEY
    digest = hashlib.sha256(f"teranga.payments.credentials:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def credentials_encrypt(values: dict[str, str]) -> str:
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def credentials_decrypt(token: str) -> dict[str, str]:
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return {}


def environment_credentials(provider: str) -> Credentials:
    return Credentials(getattr(settings, "PAYMENT_PROVIDERS", {}).get(provider, {}))


def account_credentials(account) -> Credentials:
    return Credentials(
        credentials_decrypt(account.credentials_encrypted), account_id=str(account.pk)
    )
