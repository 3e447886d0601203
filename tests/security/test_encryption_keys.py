"""Encryption at rest (teranga.core.encryption): values read back, tokens in the
database, keyed-hash lookups, key rotation by ``manage.py encryption_rotate``, the
payments' credentials on the same keys (and their former key still read), and the data
migration that encrypts rows written in clear."""

from __future__ import annotations

import io
import json

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from conftest import create_user
from teranga.core.encryption import decrypt_text, encrypt_text, keyed_hash, phone_hash
from teranga.platform.accounts.models import ClientProfile, User
from teranga.platform.notifications.models import InboundSms, SmsMessage
from teranga.platform.notifications.services import sms_send
from teranga.platform.payments.providers.credentials import (
    credentials_decrypt,
    credentials_encrypt,
    legacy_fernet,
)

PHONE = "+221771239876"
OLD = Fernet.generate_key().decode()
NEW = "a new key given as any secret text"


def _raw(model, column: str, pk) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} "  # noqa: S608
            f"WHERE {connection.ops.quote_name(model._meta.pk.column)} = %s",
            [pk.hex if connection.vendor == "sqlite" else pk],
        )
        return cursor.fetchone()[0]


def test_text_round_trip_and_tokens_differ():
    first, second = encrypt_text("secret"), encrypt_text("secret")
    assert first != second and "secret" not in first
    assert decrypt_text(first) == decrypt_text(second) == "secret"


def test_keyed_hash_depends_on_purpose_and_key():
    assert keyed_hash("x", purpose="a") != keyed_hash("x", purpose="b")
    with override_settings(FIELD_HASH_KEY="another"):
        assert keyed_hash("x", purpose="a") != phone_hash("x")
    assert phone_hash("") == "" and phone_hash(None) == ""


@pytest.mark.django_db
def test_phone_is_a_token_in_the_database_and_found_by_its_hash():
    user = create_user("enc@example.com", phone=PHONE, phone_verified=True)
    profile = ClientProfile.objects.create(user=user, address="12 rue Carnot", city="Dakar")
    stored = _raw(User, "phone", user.pk)
    assert PHONE not in stored and "771239876" not in stored
    assert "Carnot" not in _raw(ClientProfile, "address", profile.pk)
    fresh = User.objects.get(pk=user.pk)
    assert fresh.phone.as_e164 == PHONE  # a PhoneNumber, as before
    assert ClientProfile.objects.get(pk=user.pk).address == "12 rue Carnot"
    assert User.objects.get(phone_hash=phone_hash(PHONE)) == user
    assert User.objects.filter(phone__isnull=False, pk=user.pk).exists()
    with pytest.raises(FieldError):
        list(User.objects.filter(phone=PHONE))
    with pytest.raises(FieldError):
        list(User.objects.filter(phone__contains="77"))


@pytest.mark.django_db
def test_update_fields_naming_the_phone_keeps_the_hash():
    user = create_user("enc2@example.com")
    user.phone = PHONE
    user.save(update_fields=["phone", "phone_hash"])
    assert User.objects.filter(phone_hash=phone_hash(PHONE)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_rotation_re_encrypts_everything_and_reads_it_back():
    from teranga.platform.organizations.tests.factories import OrganizationFactory
    from teranga.platform.payments.models import ProviderAccount

    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        user = create_user("rot@example.com", phone=PHONE, phone_verified=True)
        ClientProfile.objects.create(user=user, address="Villa 4, Almadies")
        message = sms_send(to=PHONE, body="hello", purpose="test")
        inbound = InboundSms.objects.create(
            provider="sandbox", provider_message_id="m1", from_number=PHONE, body="STATUS"
        )
        organization = OrganizationFactory()
        account = ProviderAccount.objects.create(
            organization=organization,
            provider="wave",
            credentials_encrypted=credentials_encrypt({"api_key": "wave-secret"}),
        )
        before = _raw(User, "phone", user.pk)

    out = io.StringIO()
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        call_command("encryption_rotate", stdout=out)
        assert "accounts.User.phone: 1 of 1 re-encrypted" in out.getvalue()
        again = io.StringIO()
        call_command("encryption_rotate", stdout=again)  # idempotent: nothing left to do
        assert "Done: 0 values re-encrypted." in again.getvalue()

    assert _raw(User, "phone", user.pk) != before
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):  # the old key is gone
        assert User.objects.get(pk=user.pk).phone.as_e164 == PHONE
        assert ClientProfile.objects.get(pk=user.pk).address == "Villa 4, Almadies"
        assert SmsMessage.objects.get(pk=message.pk).to == PHONE
        assert InboundSms.objects.get(pk=inbound.pk).from_number == PHONE
        stored = ProviderAccount.objects.get(pk=account.pk).credentials_encrypted
        assert credentials_decrypt(stored) == {"api_key": "wave-secret"}
        # The hashes never rotate: lookups still match.
        assert User.objects.get(phone_hash=phone_hash(PHONE)) == user
        assert SmsMessage.objects.filter(to_hash=phone_hash(PHONE)).count() == 1


def test_credentials_under_the_former_key_are_still_read():
    token = legacy_fernet().encrypt(json.dumps({"api_key": "k"}).encode()).decode()
    assert credentials_decrypt(token) == {"api_key": "k"}
    assert credentials_decrypt(credentials_encrypt({"a": "b"})) == {"a": "b"}
    assert credentials_decrypt("garbage") == {}


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_encrypts_rows_written_in_clear():
    from django.db.migrations.executor import MigrationExecutor

    before = [("notifications", "0007_telegram_discord")]
    after = [("notifications", "0008_encrypted_phones")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("notifications", "SmsMessage")
        message = old.objects.create(to=PHONE, body="old", purpose="test", provider="sandbox")
        assert _raw(SmsMessage, "to", message.pk) == PHONE
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
    stored = _raw(SmsMessage, "to", message.pk)
    assert PHONE not in stored
    row = SmsMessage.objects.get(to_hash=phone_hash(PHONE))
    assert row.to == PHONE and row.pk == message.pk
