"""Encrypt the phone numbers and postal addresses stored in clear before 0004, and fill
the phones' keyed hashes."""

from django.db import migrations

from teranga.core.encryption import migration_decrypt, migration_encrypt


def encrypt(apps, schema_editor):
    migration_encrypt(
        apps.get_model("accounts", "User"), fields=["phone"], hashes={"phone_hash": "phone"}
    )
    migration_encrypt(
        apps.get_model("accounts", "ClientProfile"),
        fields=["address", "address_complement"],
        hashes={},
    )


def decrypt(apps, schema_editor):
    migration_decrypt(apps.get_model("accounts", "User"), fields=["phone"])
    migration_decrypt(
        apps.get_model("accounts", "ClientProfile"), fields=["address", "address_complement"]
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_encrypted_personal_data")]

    operations = [migrations.RunPython(encrypt, decrypt)]
