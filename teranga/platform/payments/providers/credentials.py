"""Where a provider's credentials come from: an organisation's own ``ProviderAccount``
(encrypted at rest), else the environment (``settings.PAYMENT_PROVIDERS``).

Account credentials are a JSON document encrypted by ``teranga.core.encryption`` (the
keys of ``FIELD_ENCRYPTION_KEYS``, rotated by ``manage.py encryption_rotate``): a
database dump alone does not reveal them. Tokens written before, under the key derived
from ``PAYMENTS_CREDENTIALS_KEY`` (or ``SECRET_KEY``), are still read (a migration
re-encrypts them). They are never returned by the API nor written to a log.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from teranga.core.encryption import decrypt_text, encrypt_text

from .base import Credentials


def legacy_fernet() -> Fernet:
    """The key credentials were encrypted with before ``teranga.core.encryption``."""
    secret = getattr(settings, "PAYMENTS_CREDENTIALS_KEY", "") or settings.SECRET_KEY
    digest = hashlib.sha256(f"teranga.payments.credentials:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def credentials_encrypt(values: dict[str, str]) -> str:
    return encrypt_text(json.dumps(values, sort_keys=True))


def credentials_decrypt(token: str) -> dict[str, str]:
    try:
        text = decrypt_text(token)
    except InvalidToken:
        try:
            text = legacy_fernet().decrypt(token.encode()).decode()
        except InvalidToken:
            return {}
    try:
        return json.loads(text)
    except ValueError:
        return {}


def environment_credentials(provider: str) -> Credentials:
    return Credentials(getattr(settings, "PAYMENT_PROVIDERS", {}).get(provider, {}))


def account_credentials(account) -> Credentials:
    return Credentials(
        credentials_decrypt(account.credentials_encrypted), account_id=str(account.pk)
    )
