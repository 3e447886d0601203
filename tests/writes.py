"""What a write did to the database, for tests: a refused write changed nothing, an
allowed one had its effect (issue 24). Every app's tests use it; a new product's tests
get it with one import::

    from tests.writes import changed, gone, unchanged

    with unchanged(counter, AgentSession.objects.filter(counter=counter)):
        response = client.delete(url)
    assert response.status_code == 409

    response = client.patch(url, {"city": "Thiès"})
    changed(organization, city="Thiès")

It lives in ``tests/`` (beside ``tests/live.py``), not in the ``teranga`` package: it is
test code and does not ship. No library compares rows before and after a block (factory
boy builds rows, pytest-django counts queries), hence these few lines.

Rows are read from the database, never from the instances in memory: a snapshot holds
every concrete field's value (``updated_at`` included, so a refused write that saved
anyway shows) and the ids on each many-to-many field.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models

#: At most this many differences are listed in a failure's message.
SHOWN = 20


def _queryset(subject) -> models.QuerySet:
    """The rows ``subject`` names: a model instance (that row), a queryset (its rows, as
    filtered now and again after the block), or a model class (the whole table)."""
    if isinstance(subject, models.QuerySet):
        return subject.all()  # a fresh copy, never a cached result
    if isinstance(subject, type) and issubclass(subject, models.Model):
        return subject._base_manager.all()
    if isinstance(subject, models.Model):
        if subject.pk is None:
            raise TypeError(f"{subject!r} is not saved: nothing to watch")
        return type(subject)._base_manager.filter(pk=subject.pk)
    raise TypeError(f"cannot watch {subject!r}: give instances, querysets or model classes")


def _rows(queryset: models.QuerySet) -> dict[Any, dict[str, Any]]:
    """``{pk: {field: value}}`` of the rows, many-to-many fields as sorted lists of ids
    (one query per many-to-many field, whatever the number of rows)."""
    meta = queryset.model._meta
    rows = {row["pk"]: row for row in queryset.order_by().values("pk", *_concrete(meta))}
    for row in rows.values():
        del row["pk"]
    for field in meta.many_to_many:
        linked: dict[Any, list] = {pk: [] for pk in rows}
        for pk, other in queryset.order_by().values_list("pk", f"{field.name}__pk"):
            if other is not None and pk in linked:
                linked[pk].append(other)
        for pk, row in rows.items():
            row[field.name] = sorted(linked[pk], key=str)
    return rows


def _concrete(meta) -> list[str]:
    return [field.attname for field in meta.concrete_fields if field.attname != meta.pk.attname]


def snapshot(*subjects) -> list[tuple[str, dict]]:
    """The rows ``subjects`` name, as they are now (see :func:`_queryset`)."""
    return [
        (f"{queryset.model._meta.label} {subject!r}"[:200], _rows(queryset))
        for subject in subjects
        for queryset in [_queryset(subject)]
    ]


def differences(before: list[tuple[str, dict]], after: list[tuple[str, dict]]) -> list[str]:
    """Each row added, removed or changed between two snapshots, in words."""
    found: list[str] = []
    for (name, old), (_name, new) in zip(before, after, strict=True):
        for pk in old.keys() - new.keys():
            found.append(f"{name}: row {pk} was removed")
        for pk in new.keys() - old.keys():
            found.append(f"{name}: row {pk} was added")
        for pk in old.keys() & new.keys():
            for field, value in old[pk].items():
                if new[pk][field] != value:
                    found.append(f"{name}: row {pk}.{field} {value!r} -> {new[pk][field]!r}")
    return found


@contextmanager
def unchanged(*subjects) -> Iterator[None]:
    """Assert that the block leaves every row ``subjects`` name as it found it: none
    added (to a queryset or a table), removed or changed."""
    if not subjects:
        raise TypeError("unchanged() needs something to watch")
    before = snapshot(*subjects)
    yield
    found = differences(before, snapshot(*subjects))
    assert not found, "the write changed rows it must leave alone:\n" + "\n".join(found[:SHOWN])


def changed(instance: models.Model, **expected: Any) -> models.Model:
    """Assert that ``instance``'s row now holds ``expected`` (field names or attnames,
    e.g. ``role="agent"``, ``branch_id=…``); returns the instance, refreshed."""
    if not expected:
        raise TypeError("changed() needs the fields it expects")
    if not type(instance)._base_manager.filter(pk=instance.pk).exists():
        raise AssertionError(f"{type(instance).__name__} {instance.pk} no longer exists")
    instance.refresh_from_db()
    wrong = {
        name: (getattr(instance, name), value)
        for name, value in expected.items()
        if getattr(instance, name) != value
    }
    assert not wrong, f"{type(instance).__name__} {instance.pk}: " + ", ".join(
        f"{name} is {actual!r}, expected {value!r}" for name, (actual, value) in wrong.items()
    )
    return instance


def gone(*instances: models.Model) -> None:
    """Assert that every one of ``instances`` has been deleted."""
    left = [
        f"{type(instance).__name__} {instance.pk}"
        for instance in instances
        if type(instance)._base_manager.filter(pk=instance.pk).exists()
    ]
    assert not left, "still there: " + ", ".join(left)
