"""Encrypt the tickets' phone numbers stored in clear before 0007 and fill their keyed
hashes."""

from django.db import migrations

from teranga.core.encryption import migration_decrypt, migration_encrypt


def encrypt(apps, schema_editor):
    migration_encrypt(
        apps.get_model("smartqueue", "Ticket"), fields=["phone"], hashes={"phone_hash": "phone"}
    )


def decrypt(apps, schema_editor):
    migration_decrypt(apps.get_model("smartqueue", "Ticket"), fields=["phone"])


class Migration(migrations.Migration):
    dependencies = [("smartqueue", "0007_encrypted_ticket_phone")]

    operations = [migrations.RunPython(encrypt, decrypt)]
