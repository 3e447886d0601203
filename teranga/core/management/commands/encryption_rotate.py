"""``manage.py encryption_rotate``: re-encrypt every encrypted column under the first key
of ``FIELD_ENCRYPTION_KEYS`` (see :mod:`teranga.core.encryption`).

Put the new key first, keep the old ones after it, deploy, run this command, then drop
the old keys. Every installed model's encrypted fields are found through the app registry;
rows are read and written in batches by primary key. A value the first key already opens
is left alone, so a second run changes nothing; a value still in clear (written before
its field was encrypted) is encrypted. A token no key opens is counted and left as it is.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models.functions import Cast

from teranga.core.encryption import (
    EncryptedTokenField,
    encrypt_text,
    encrypted_fields,
    encrypted_under_first_key,
    raw_write,
    rotate_token,
)


def _rotated(field, token: str) -> str | None:
    """The token to store instead of ``token``, or None to leave it."""
    if encrypted_under_first_key(token):
        return None
    try:
        return rotate_token(token)
    except InvalidToken:
        if isinstance(field, EncryptedTokenField):
            return None  # not ours to read (its owner opens it): left as is
        return encrypt_text(token)  # written in clear before the field was encrypted


def rotate_field(model, field, *, batch_size: int = 500) -> tuple[int, int]:
    """(rows re-encrypted, rows seen) for one encrypted column."""
    manager = model._base_manager
    raw = Cast(models.F(field.attname), output_field=models.TextField())
    last = None
    changed = seen = 0
    while True:
        rows = manager.order_by("pk").annotate(_token=raw).exclude(**{field.attname: ""})
        if last is not None:
            rows = rows.filter(pk__gt=last)
        batch = list(rows.filter(_token__isnull=False).values_list("pk", "_token")[:batch_size])
        if not batch:
            return changed, seen
        last = batch[-1][0]
        seen += len(batch)
        updates = {}
        for pk, token in batch:
            new = _rotated(field, token)
            if new is not None:
                updates[pk] = new
        if updates:
            with transaction.atomic():
                raw_write(model, field.attname, updates)
            changed += len(updates)


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column under the first key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int = 500, **options):
        total = 0
        for model, field in encrypted_fields():
            changed, seen = rotate_field(model, field, batch_size=batch_size)
            total += changed
            self.stdout.write(f"{model._meta.label}.{field.name}: {changed} of {seen} re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"Done: {total} values re-encrypted."))
