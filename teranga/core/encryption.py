"""Encryption of personal and secret data at rest, and keyed hashes for looking it up.

* :func:`encrypt_text` / :func:`decrypt_text`: Fernet (AES-128-CBC + HMAC-SHA256, from
  ``cryptography``) under the keys of ``FIELD_ENCRYPTION_KEYS``. The first key encrypts;
  every key decrypts (``MultiFernet``), so a new key can be put first and the old ones
  kept until ``manage.py encryption_rotate`` has re-encrypted every value.
* :class:`EncryptedTextField`: a model field that stores the token and gives back text.
  A token differs at every write, so such a field cannot be filtered on: store a
  :func:`keyed_hash` beside it for equality lookups (an inbound SMS's sender, …).
* :class:`EncryptedPhoneNumberField`: the same for a phone number, given back as a
  ``PhoneNumber`` like ``teranga.core.phones.PhoneNumberField``.
* :func:`keyed_hash`: HMAC-SHA256 under ``FIELD_HASH_KEY``, which never rotates with the
  encryption keys (the hashes would stop matching). :class:`PhoneHashField` keeps the
  :func:`phone_hash` of a phone field of the same row (filled at every save: a
  ``save(update_fields=[...])`` that names the phone names the hash too); every lookup
  by phone filters on it (``User.objects.filter(phone_hash=phone_hash(number))``).
* :func:`encrypted_fields`: every encrypted column of every installed model, for
  ``manage.py encryption_rotate``.

With neither setting, keys are derived from ``SECRET_KEY``: a database dump alone does
not reveal the values.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
from collections.abc import Iterator
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from teranga.core.phones import PhoneNumberField


def _fernet_key(secret: str) -> bytes:
    """A Fernet key as given, or one derived from any other secret string."""
    try:
        if len(base64.urlsafe_b64decode(secret.encode())) == 32:
            return secret.encode()
    except (ValueError, TypeError):
        pass
    digest = hashlib.sha256(f"teranga.encryption:{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _fernets(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def _keys() -> tuple[str, ...]:
    keys = tuple(key for key in getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) if key)
    return keys or (settings.SECRET_KEY,)


def encrypt_text(value: str) -> str:
    return _fernets(_keys()).encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    """The text of ``token``; raises ``cryptography.fernet.InvalidToken`` when no key
    opens it."""
    return _fernets(_keys()).decrypt(token.encode()).decode()


def rotate_token(token: str) -> str:
    """``token`` re-encrypted under the first key (``MultiFernet.rotate``)."""
    return _fernets(_keys()).rotate(token.encode()).decode()


def encrypted_under_first_key(token: str) -> bool:
    """Whether the first key (the one that encrypts) opens ``token``: such a value needs
    no rotation."""
    try:
        _fernets(_keys()[:1]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def keyed_hash(value: str, *, purpose: str) -> str:
    """A hex HMAC-SHA256 of ``value`` for ``purpose`` (the field it indexes)."""
    secret = getattr(settings, "FIELD_HASH_KEY", "") or settings.SECRET_KEY
    key = hashlib.sha256(f"teranga.keyed_hash:{purpose}:{secret}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


PHONE_HASH_PURPOSE = "phone"


def phone_hash(value) -> str:
    """The keyed hash of a phone number (E.164 text or a ``PhoneNumber``) that the
    :class:`PhoneHashField` columns hold; "" for no number. One purpose for every
    phone column, so an inbound SMS's sender finds its account and its tickets."""
    if not value:
        return ""
    text = value.as_e164 if getattr(value, "is_valid", None) and value.is_valid() else str(value)
    text = text.strip()
    return keyed_hash(text, purpose=PHONE_HASH_PURPOSE) if text else ""


class _BlankExact(Exact):
    """``field=""`` (or None) only: a token differs at every write, so equality with a
    value can never match; filter on the keyed hash beside the field instead."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None) and not hasattr(self.rhs, "resolve_expression"):
            raise FieldError(
                f"{self.lhs.output_field.name} is encrypted: filter on its keyed hash instead."
            )
        return super().get_prep_lookup()


class EncryptedFieldMixin:
    """What every encrypted field shares: only ``isnull`` and equality with the blank
    value can be looked up (anything else raises ``FieldError`` rather than silently
    matching nothing)."""

    encrypted = True

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _BlankExact
        if lookup_name == "isnull":
            return IsNull
        return None


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """Text stored encrypted (:func:`encrypt_text`); the empty string is stored as is.
    ``max_length`` checks the text (validation), not the token."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return decrypt_text(value)
        except InvalidToken:
            # A value written before the field was encrypted (a migration re-encrypts
            # it) or under a key that was removed: shown as stored, never lost.
            return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt_text(value)


class EncryptedPhoneNumberField(EncryptedFieldMixin, PhoneNumberField):
    """A phone number stored encrypted (its E.164 text under :func:`encrypt_text`),
    read back as a ``PhoneNumber``. The column is wider than the number (a token of
    E.164's 16 characters takes 120)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        if value and isinstance(value, str):
            # A value written in clear before the migration that encrypts it stays as is.
            with contextlib.suppress(InvalidToken):
                value = decrypt_text(value)
        return super().from_db_value(value, expression, connection)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt_text(str(value))

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "teranga.core.encryption.EncryptedPhoneNumberField", args, kwargs


class EncryptedTokenField(models.TextField):
    """A token of :func:`encrypt_text` that the code opens itself (e.g. a JSON document
    of credentials, decrypted only where it is used): stored and read as is, and
    re-encrypted by ``manage.py encryption_rotate`` like the transparent fields."""

    encrypted = True


class KeyedHashField(models.CharField):
    """The :func:`keyed_hash` (for ``purpose``) of the text field ``source`` of the same
    row, set at every save (``pre_save``; also by ``bulk_create``): equality lookups and
    unique constraints on an encrypted value (a verification document's number).
    ``queryset.update()`` and ``bulk_update`` do not call it: set it yourself there."""

    def __init__(self, *args, source: str, purpose: str = PHONE_HASH_PURPOSE, **kwargs):
        self.source = source
        self.purpose = purpose
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def digest(self, value) -> str:
        text = str(value or "").strip()
        return keyed_hash(text, purpose=self.purpose) if text else ""

    def pre_save(self, model_instance, add):
        value = self.digest(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.purpose != PHONE_HASH_PURPOSE:
            kwargs["purpose"] = self.purpose
        for key, default in (("max_length", 64), ("blank", True), ("default", "")):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        kwargs.pop("editable", None)
        if kwargs.get("db_index", False) is True:
            kwargs.pop("db_index")
        else:
            kwargs["db_index"] = False
        return name, path, args, kwargs


class PhoneHashField(KeyedHashField):
    """The :func:`phone_hash` of the phone field ``source`` of the same row (see
    :class:`KeyedHashField`)."""

    def digest(self, value) -> str:
        return phone_hash(value)


def encrypted_fields() -> Iterator[tuple[type[models.Model], models.Field]]:
    """(model, field) for every encrypted column of every installed concrete model."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if getattr(field, "encrypted", False):
                yield model, field


def _batches(queryset, size: int):
    batch = []
    for row in queryset.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def migration_encrypt(model, *, fields: list[str], hashes: dict[str, str], size: int = 500):
    """For a data migration (``RunPython``, after the ``AlterField`` to an encrypted
    field): write every row's ``fields`` again, now encrypted (a value still in clear is
    read as it is), and fill the ``hashes`` (hash field -> its source field). Batched;
    running it again re-encrypts, harmlessly."""
    names = [*fields, *hashes]
    queryset = model._base_manager.only("pk", *names).order_by("pk")
    for batch in _batches(queryset, size):
        for row in batch:
            for target, source in hashes.items():
                digest = model._meta.get_field(target).digest
                setattr(row, target, digest(getattr(row, source)))
        model._base_manager.bulk_update(batch, names)


def raw_write(model, attname: str, values: dict) -> int:
    """Store ``values`` (pk -> text) in the column ``attname`` exactly as given, bypassing
    the field's conversion (encryption included): one UPDATE."""
    if not values:
        return 0
    text = models.TextField()
    whens = [
        models.When(pk=pk, then=models.Value(v, output_field=text)) for pk, v in values.items()
    ]
    column = models.Case(*whens, output_field=text)
    return model._base_manager.filter(pk__in=list(values)).update(**{attname: column})


def migration_decrypt(model, *, fields: list[str], size: int = 500):
    """The reverse of :func:`migration_encrypt` (before the ``AlterField`` back to a
    plain field): every value written again in clear."""
    for batch in _batches(model._base_manager.only("pk", *fields).order_by("pk"), size):
        for name in fields:
            values = {}
            for row in batch:
                value = getattr(row, name)
                if value:
                    values[row.pk] = value.as_e164 if hasattr(value, "as_e164") else str(value)
            raw_write(model, model._meta.get_field(name).attname, values)
