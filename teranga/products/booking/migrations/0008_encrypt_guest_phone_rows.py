"""Encrypt the guests' phone numbers stored in clear before 0007 and fill their keyed
hashes."""

from django.db import migrations

from teranga.core.encryption import migration_decrypt, migration_encrypt


def encrypt(apps, schema_editor):
    migration_encrypt(
        apps.get_model("booking", "Reservation"),
        fields=["guest_phone"],
        hashes={"guest_phone_hash": "guest_phone"},
    )
    migration_encrypt(
        apps.get_model("booking", "GuestCheck"), fields=["phone"], hashes={"phone_hash": "phone"}
    )


def decrypt(apps, schema_editor):
    migration_decrypt(apps.get_model("booking", "Reservation"), fields=["guest_phone"])
    migration_decrypt(apps.get_model("booking", "GuestCheck"), fields=["phone"])


class Migration(migrations.Migration):
    dependencies = [("booking", "0007_encrypted_guest_phones")]

    operations = [migrations.RunPython(encrypt, decrypt)]
