"""Encrypt the matricules stored in clear before 0006 and fill their keyed hashes."""

from django.db import migrations

from teranga.core.encryption import migration_decrypt, migration_encrypt


def encrypt(apps, schema_editor):
    migration_encrypt(
        apps.get_model("campus", "StudentVerification"),
        fields=["matricule"],
        hashes={"matricule_hash": "matricule"},
    )


def decrypt(apps, schema_editor):
    migration_decrypt(apps.get_model("campus", "StudentVerification"), fields=["matricule"])


class Migration(migrations.Migration):
    dependencies = [("campus", "0006_encrypted_matricule")]

    operations = [migrations.RunPython(encrypt, decrypt)]
