"""Encrypt the payers' phone numbers stored in clear before 0005, and re-encrypt the
providers' stored credentials from their former key (``PAYMENTS_CREDENTIALS_KEY``) to
``teranga.core.encryption``'s."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import migrations

from teranga.core.encryption import encrypt_text, migration_decrypt, migration_encrypt


def _legacy() -> Fernet:
    secret = getattr(settings, "PAYMENTS_CREDENTIALS_KEY", "") or settings.SECRET_KEY
    digest = hashlib.sha256(f"teranga.payments.credentials:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(apps, schema_editor):
    migration_encrypt(apps.get_model("payments", "Payment"), fields=["payer_phone"], hashes={})
    ProviderAccount = apps.get_model("payments", "ProviderAccount")
    legacy = _legacy()
    for account in ProviderAccount._base_manager.only("pk", "credentials_encrypted"):
        try:
            text = legacy.decrypt(account.credentials_encrypted.encode()).decode()
        except InvalidToken:
            continue  # already under the new keys
        ProviderAccount._base_manager.filter(pk=account.pk).update(
            credentials_encrypted=encrypt_text(text)
        )


def decrypt(apps, schema_editor):
    migration_decrypt(apps.get_model("payments", "Payment"), fields=["payer_phone"])
    # Credentials stay under the new keys: providers.credentials still reads both.


class Migration(migrations.Migration):
    dependencies = [("payments", "0005_encrypted_payer_phone")]

    operations = [migrations.RunPython(encrypt, decrypt)]
