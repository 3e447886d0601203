"""Imports' extension point, filled by products through the product contract.

:data:`importers` holds every :class:`Importer` by kind, ``"<label>.<kind>"``
(``Product.importers``). The platform reads and checks the file, then for each importer:

1. ``prepare(organization=…)`` (with ``user=…`` too when the importer sets
   ``prepare_takes_user``: writers that go through the product's services, which need the
   acting user) once, inside the import's transaction (the organisation's row is
   locked): whatever the rows are checked against, loaded in a fixed number of queries
   (the existing rows' keys, the names that columns refer to). It may refuse the whole
   file by raising an ``ApplicationError`` (an organisation of the wrong kind);
2. ``validate(row, context=…)`` for every row: ``row`` maps the column names to the
   cells' text (empty cells left out). It returns the cleaned row, or raises DRF's
   ``ValidationError`` or an ``ApplicationError`` (``ValidationFailed`` …) whose fields
   name the columns: the product's own serializers and service checks, never a second
   copy of its rules. It should not query the database (use the context);
3. ``key(cleaned)``: what makes two rows the same (a service's name …). Two rows of the
   file with the same key are refused (``duplicate_in_file``), and so is a row whose key
   is in ``existing_keys(context)`` (``already_exists``);
4. ``write(rows, organization=…, context=…)`` with every valid row (:class:`ImportRow`),
   in bulk where the product's models allow it. It returns the number of rows written,
   or a :class:`Written` (rows created, updated, unchanged) for an importer that updates
   the rows an external reference already names. It raises :class:`RowsRefused` with the
   lines that only the writing finds wrong (an overlap of availability, a plan limit);
   any exception undoes everything.

The platform runs the writer even when some rows were refused, in the transaction it then
rolls back, so one upload reports every error; a dry run rolls back too.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from teranga.core.registry import Registry


class ColumnType:
    """What a column holds, for people and templates (cells are always read as text)."""

    TEXT = "text"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"
    TIME = "time"
    CHOICE = "choice"
    LIST = "list"
    REFERENCE = "reference"

    ALL = (TEXT, INTEGER, BOOLEAN, DATE, TIME, CHOICE, LIST, REFERENCE)


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    * ``name``: its header (``snake_case``, English; the file's header row must use it);
    * ``type``: a :class:`ColumnType` value;
    * ``required``: a row without a value is refused (``value_required``);
    * ``help``: what to put there, shown to people (lazily translated);
    * ``choices``: the allowed values of a ``choice`` column;
    * ``example``: a value for the template file.
    """

    name: str
    type: str = ColumnType.TEXT
    required: bool = False
    help: Any = ""
    choices: Sequence[str] = ()
    example: str = ""


@dataclass(frozen=True)
class ImportRow:
    """A valid row handed to the writer: its line in the file (the header is line 1) and
    what ``validate`` returned."""

    line: int
    data: Any


@dataclass(frozen=True)
class LineError:
    """One reason a file is refused: its line (the header is line 1; None: the whole
    file), its column (None: the row or the file), a stable code and a message in the
    request's language."""

    line: int | None
    column: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "code": str(self.code),
            "message": str(self.message),
        }


@dataclass(frozen=True)
class Written:
    """What a writer that creates or updates did: rows created, rows updated (an existing
    row the file named, changed) and rows unchanged (named, already as the file says)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def written(self) -> int:
        return self.created + self.updated


class RowsRefused(Exception):
    """Raised by a writer: these lines cannot be written (nothing is kept)."""

    def __init__(self, errors: Sequence[LineError]) -> None:
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} line(s) refused")


@dataclass(frozen=True)
class Importer:
    """What a product can import: see the module's documentation for the steps.

    ``label`` names it for people (lazily translated); ``action`` is the organisation
    action (``organizations.access``) whose holders may run it, besides the platform's
    ``imports.run``.
    """

    label: Any
    action: str
    columns: Sequence[Column]
    validate: Callable[..., Any]
    write: Callable[..., int]
    prepare: Callable[..., Any] = field(default=lambda *, organization: None)
    key: Callable[[Any], Hashable | None] | None = None
    existing_keys: Callable[[Any], Collection[Hashable]] | None = None
    #: The column blamed for a duplicate (default: the first required column).
    key_column: str | None = None
    description: Any = ""
    #: ``prepare`` also gets ``user=`` (the person importing).
    prepare_takes_user: bool = False

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name == name), None)

    @property
    def blamed_column(self) -> str | None:
        if self.key_column:
            return self.key_column
        return next((c.name for c in self.columns if c.required), None)


def split_list(text: str | None) -> list[str]:
    """The values of a ``list`` cell: separated by commas (or ``|``), trimmed, non-empty."""
    if not text:
        return []
    return [part.strip() for part in text.replace("|", ",").split(",") if part.strip()]


def name_key(text: str) -> str:
    """How names are compared in a file and against what exists: spaces collapsed,
    case ignored."""
    return " ".join(str(text).split()).casefold()


class NameIndex:
    """Objects a ``reference`` column names, by id or by name (case and spaces ignored),
    loaded once by ``prepare``. :meth:`find` answers the id, or raises DRF's
    ``ValidationError`` for ``column`` (unknown, or a name that several objects share)."""

    def __init__(self, pairs: Iterable[tuple[Any, str]]) -> None:
        self.ids: dict[str, Any] = {}
        self.names: dict[str, list[Any]] = {}
        for pk, name in pairs:
            self.ids[str(pk)] = pk
            self.names.setdefault(name_key(name), []).append(pk)

    def find(self, text: str, *, column: str) -> Any:
        from django.utils.translation import gettext as _
        from rest_framework.exceptions import ValidationError

        text = str(text).strip()
        if text.lower() in self.ids:
            return self.ids[text.lower()]
        found = self.names.get(name_key(text), [])
        if len(found) == 1:
            return found[0]
        if found:
            message = _("Several match “%(name)s”: give the id.") % {"name": text}
        else:
            message = _("Nothing matches “%(name)s”.") % {"name": text}
        raise ValidationError({column: [message]})

    def lookup(self, text: str, *, column: str, errors: dict[str, list]) -> Any:
        """As :meth:`find`, but an error is added to ``errors`` (None returned), so a row
        reports it with its other errors."""
        from rest_framework.exceptions import ValidationError

        try:
            return self.find(text, column=column)
        except ValidationError as error:
            errors.setdefault(column, []).extend(error.detail[column])
            return None


def serializer_data(serializer, data: Mapping[str, Any], errors: dict[str, list]) -> dict[str, Any]:
    """``data`` validated by ``serializer`` (one instance for the whole file: a serializer
    builds its fields once, the costly part), or DRF's ``ValidationError`` with its errors
    and ``errors`` (those of the references the row names) together."""
    from rest_framework.exceptions import ValidationError

    try:
        validated = serializer.run_validation(data)
    except ValidationError as error:
        detail = (
            error.detail if isinstance(error.detail, dict) else {"non_field_errors": error.detail}
        )
        merged = {name: list(messages) for name, messages in errors.items()}
        for name, messages in detail.items():
            merged.setdefault(name, []).extend(
                messages if isinstance(messages, list) else [messages]
            )
        raise ValidationError(merged) from None
    if errors:
        raise ValidationError(errors)
    return dict(validated)


importers: Registry[Importer] = Registry("importer")


def importer_register(name: str, importer: Importer, *, origin: str = "") -> Importer:
    if not isinstance(importer, Importer):
        raise TypeError(f"importer {name!r} must be an imports.extensions.Importer")
    names = [column.name for column in importer.columns]
    if len(set(names)) != len(names) or not names:
        raise ValueError(f"importer {name!r}: columns must be named once each")
    for column in importer.columns:
        if column.type not in ColumnType.ALL:
            raise ValueError(f"importer {name!r}: unknown column type {column.type!r}")
    importers.register(name, importer, origin=origin)
    return importer


def importer_kinds() -> Mapping[str, Importer]:
    return dict(importers.items())


__all__ = [
    "Column",
    "ColumnType",
    "ImportRow",
    "Importer",
    "LineError",
    "RowsRefused",
    "Written",
    "importer_kinds",
    "importer_register",
    "importers",
    "name_key",
    "split_list",
    "serializer_data",
    "NameIndex",
]
