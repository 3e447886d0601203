"""Database helpers that know no domain."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import IntegrityError, models

# SQLite names the columns of a UNIQUE failure ("UNIQUE constraint failed: t.a, t.b"), an
# expression index by name ("… failed: index 'name'"), and a CHECK constraint by name.
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>.+)$")
_SQLITE_INDEX = re.compile(r"^index '(?P<name>[^']+)'$")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (?P<name>\w+)")


def integrity_constraint(exc: IntegrityError, model: type[models.Model]) -> str | None:
    """The name of the constraint of ``model`` that ``exc`` violated, or None.

    A ``Meta.constraints`` entry answers its ``name``; a field's own ``unique=True``
    answers the field's name. On PostgreSQL the driver names the constraint
    (``diag.constraint_name``; a constraint added by a migration, such as an exclusion
    constraint, answers its database name). SQLite names columns, not constraints: the
    UNIQUE failure's column list is matched against the model's unique constraints and
    fields (None when two of them share those columns); CHECK failures name the
    constraint."""
    meta = model._meta
    table = meta.db_table
    unique_fields = {
        field.column: field.name
        for field in meta.local_concrete_fields
        if field.unique and not field.primary_key
    }
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None:  # PostgreSQL (psycopg 2 or 3)
        name = getattr(diag, "constraint_name", None)
        if not name:
            return None
        if any(c.name == name for c in meta.constraints):
            return name
        for column, field_name in unique_fields.items():
            # PostgreSQL's name for an inline UNIQUE; Django's for one added later.
            if name in (f"{table}_{column}_key", _django_unique_name(model, column)):
                return field_name
        return name
    message = str(exc.__cause__ or exc).strip()
    if match := _SQLITE_CHECK.search(message):
        return match["name"]
    match = _SQLITE_UNIQUE.search(message)
    if match is None:
        return None
    columns = match["columns"].strip()
    if index := _SQLITE_INDEX.match(columns):
        return index["name"]
    failed = frozenset(part.strip().rpartition(".")[2] for part in columns.split(","))
    candidates = [
        constraint.name
        for constraint in meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
        and constraint.fields
        and frozenset(meta.get_field(f).column for f in constraint.fields) == failed
    ]
    candidates += [name for column, name in unique_fields.items() if failed == {column}]
    return candidates[0] if len(candidates) == 1 else None


def _django_unique_name(model: type[models.Model], column: str) -> str:
    from django.db import connection

    editor = connection.schema_editor()
    return editor._create_index_name(model._meta.db_table, [column], suffix="_uniq")


def related_only(queryset: models.QuerySet, **wanted: Iterable[str]) -> models.QuerySet:
    """``queryset`` loading only the ``wanted`` fields of its ``select_related`` relations
    (``organization=["name", "slug"]``, ``booking__client=["email"]``); the relation's
    primary key is always loaded, and the main model keeps all its fields.

    A list of 20 rows that joins four wide models spends most of its time building their
    instances (a converter per column); its serializer reads a handful of their fields.
    Django's ``only()`` would also defer the main model's fields unless each is named; this
    defers, for each relation, every concrete field but the wanted ones. A field read
    that was not wanted costs a query per row, so a list that uses this has a test of
    its query count."""
    deferred = []
    for path, names in wanted.items():
        model = queryset.model
        for step in path.split("__"):
            model = model._meta.get_field(step).related_model
        keep = {*names, model._meta.pk.name}
        deferred += [
            f"{path}__{field.name}"
            for field in model._meta.concrete_fields
            if field.name not in keep
        ]
    return queryset.defer(*deferred)
