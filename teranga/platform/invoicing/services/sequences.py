"""Gapless invoice sequences: the next ``seq`` of a series (see ``numbering`` for what a
number looks like).

Each (organisation, series) has one :class:`~..models.InvoiceSequence` row. The next
number is taken under that row's lock (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite
the project's transactions are ``BEGIN IMMEDIATE``, which serialises writers), in the
transaction that writes the invoice: a rollback gives the number back, a commit keeps
it, so numbers are strictly sequential with no gap and no duplicate under concurrency.

This lives apart from ``numbering``, which the models import for their validators and
which therefore cannot import the models back.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ..models import InvoiceSequence


def sequence_next(*, organization_id, series: str) -> int:
    """Take the next number of ``series`` for the organisation. Must run inside the
    transaction that writes the document (the lock is held until it ends)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sequence_next must run inside the document's transaction")
    rows = InvoiceSequence.objects.select_for_update()
    sequence = rows.filter(organization_id=organization_id, series=series).first()
    if sequence is None:
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin only undoes this
                sequence = InvoiceSequence.objects.create(
                    organization_id=organization_id, series=series, last_number=0
                )
        except IntegrityError:
            sequence = rows.get(organization_id=organization_id, series=series)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number", "updated_at"])
    return sequence.last_number
