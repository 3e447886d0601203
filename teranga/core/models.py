"""The bases Teranga models inherit.

* :class:`BaseModel`: UUID key, timestamps, default ordering (every model);
* :class:`AppendOnlyModel`: rows written once and then only read (logs, histories,
  issued documents).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models


class BaseModel(models.Model):
    """UUID primary key, ``created_at`` and ``updated_at``; newest first by default."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class AppendOnlyModel(models.Model):
    """A row that is inserted once and never changed or deleted through the model.

    Guarantees, for every subclass:

    * ``save()`` inserts; on a row that is already stored it raises
      ``append_only_error(append_only_message)`` and writes nothing;
    * ``delete()`` on an instance always raises ``append_only_error`` with
      ``append_only_delete_message`` (``append_only_message`` when that is empty) and
      deletes nothing.

    Subclasses name their exception and messages (``ValueError`` and a generic message
    by default). It adds no field, so it combines with :class:`BaseModel` or with a
    model's own key (list it first: ``class Event(AppendOnlyModel, BaseModel)``), and it
    changes nothing in the database (no migration).

    Not covered: queryset ``update()`` / ``delete()`` (a model that must refuse those
    too gives itself a queryset that does) and the cascade when a parent row is
    deleted, which Django runs in bulk.
    """

    append_only_error: ClassVar[type[Exception]] = ValueError
    append_only_message: ClassVar[str] = "these rows are append-only"
    append_only_delete_message: ClassVar[str] = ""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.append_only_error(self.append_only_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.append_only_error(self.append_only_delete_message or self.append_only_message)
