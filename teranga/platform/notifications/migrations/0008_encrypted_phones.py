"""The SMS outbox's recipients and the inbound SMS's senders are encrypted at rest, with
a keyed hash beside each for lookups (teranga.core.encryption)."""

from django.db import migrations, models

import teranga.core.encryption
from teranga.core.encryption import migration_decrypt, migration_encrypt


def encrypt(apps, schema_editor):
    migration_encrypt(
        apps.get_model("notifications", "SmsMessage"), fields=["to"], hashes={"to_hash": "to"}
    )
    migration_encrypt(
        apps.get_model("notifications", "InboundSms"),
        fields=["from_number"],
        hashes={"from_number_hash": "from_number"},
    )


def decrypt(apps, schema_editor):
    migration_decrypt(apps.get_model("notifications", "SmsMessage"), fields=["to"])
    migration_decrypt(apps.get_model("notifications", "InboundSms"), fields=["from_number"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0007_telegram_discord")]

    operations = [
        migrations.RemoveIndex(model_name="inboundsms", name="notif_inbound_from_idx"),
        migrations.AddField(
            model_name="inboundsms",
            name="from_number_hash",
            field=teranga.core.encryption.PhoneHashField(db_index=False, source="from_number"),
        ),
        migrations.AddField(
            model_name="smsmessage",
            name="to_hash",
            field=teranga.core.encryption.PhoneHashField(source="to"),
        ),
        migrations.AlterField(
            model_name="inboundsms",
            name="from_number",
            field=teranga.core.encryption.EncryptedTextField(
                max_length=20, verbose_name="from (E.164)"
            ),
        ),
        migrations.AlterField(
            model_name="smsmessage",
            name="to",
            field=teranga.core.encryption.EncryptedTextField(
                max_length=20, verbose_name="to (E.164)"
            ),
        ),
        migrations.AddIndex(
            model_name="inboundsms",
            index=models.Index(
                fields=["from_number_hash", "created_at"], name="notif_inbound_from_idx"
            ),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
