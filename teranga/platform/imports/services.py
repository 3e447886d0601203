"""Running an import: read the file, check its header, validate every row with the
importer (the product's rules), write the valid rows in bulk, and keep all of it or
nothing.

Everything runs in one transaction with the organisation's row locked (two imports of
one organisation never interleave, so a duplicate cannot slip between them). The writer
runs even when rows were refused, so that one upload reports every error, including
those only the writing finds (an overlap, a plan limit); the transaction is then rolled
back, as it is for a dry run. The :class:`~.models.ImportRun` is written with the rows
(applied) or after the rollback (checked, refused).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.exceptions import ErrorDetail
from rest_framework.exceptions import ValidationError as DRFValidationError

from teranga.core.errors import ApplicationError, CoreError
from teranga.platform.organizations.access import ensure
from teranga.platform.organizations.models import Organization

from . import parsing
from .errors import ImportsError
from .extensions import Importer, ImportRow, LineError, RowsRefused, Written
from .models import ERRORS_KEPT, FILE_NAME_MAX_LENGTH, ImportRun, ImportStatus
from .selectors import importer_for

logger = logging.getLogger(__name__)


class _Undo(Exception):
    """Rolls the import's transaction back (a dry run, or errors)."""


def normalize_header(name: str) -> str:
    """``" Price Amount "`` -> ``price_amount``: how a header cell names a column."""
    return "_".join(name.strip().casefold().replace("-", " ").split())


# --- Errors of a row -------------------------------------------------------------------


def _messages(detail: Any) -> list[tuple[str, str]]:
    """``(code, message)`` of every leaf of a DRF error tree."""
    if isinstance(detail, dict):
        return [leaf for value in detail.values() for leaf in _messages(value)]
    if isinstance(detail, list | tuple):
        return [leaf for value in detail for leaf in _messages(value)]
    code = getattr(detail, "code", None) if isinstance(detail, ErrorDetail) else None
    return [(code or "invalid", str(detail))]


def _line_code(code: str) -> str:
    return ImportsError.VALUE_REQUIRED if code in ("required", "null", "blank") else code


def row_errors(error: Exception, line: int, importer: Importer) -> list[LineError]:
    """The line errors of what ``importer.validate`` raised for the row at ``line``."""
    known = {column.name for column in importer.columns}
    result: list[LineError] = []

    def add(field: str | None, code: str, message: str) -> None:
        column = field if field in known else None
        result.append(LineError(line=line, column=column, code=str(code), message=message))

    if isinstance(error, ApplicationError):
        if not error.fields:
            add(None, error.code, error.message)
        for field, detail in error.fields.items():
            for _code, message in _messages(detail):
                add(field, error.code, message)
    elif isinstance(error, DRFValidationError):
        detail = error.detail
        if isinstance(detail, dict):
            for field, value in detail.items():
                for code, message in _messages(value):
                    code = _line_code(code)
                    add(
                        field,
                        code if code == ImportsError.VALUE_REQUIRED else CoreError.INVALID,
                        message,
                    )
        else:
            for _code, message in _messages(detail):
                add(None, CoreError.INVALID, message)
    elif isinstance(error, DjangoValidationError):
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                for message in messages:
                    add(field, CoreError.INVALID, message)
        else:
            for message in error.messages:
                add(None, CoreError.INVALID, message)
    else:
        raise error
    return result


# --- The import ------------------------------------------------------------------------


class Outcome:
    """What an import found: the counts and every error (in file order)."""

    def __init__(self) -> None:
        self.rows_read = 0
        self.rows_valid = 0
        self.rows_written = 0
        #: A writer's :class:`Written` (kept for a dry run: what it would do).
        self.rows_created = 0
        self.rows_updated = 0
        self.rows_unchanged = 0
        self.errors: list[LineError] = []
        self.file_format = ""

    def sorted_errors(self) -> list[LineError]:
        return sorted(
            self.errors,
            key=lambda e: (e.line is not None, e.line or 0, e.column or "", e.code),
        )


def _check_header(importer: Importer, header: list[str]) -> tuple[list[str], list[LineError]]:
    names = [normalize_header(name) for name in header]
    errors = []
    seen: set[str] = set()
    for raw, name in zip(header, names, strict=True):
        if not name:
            continue
        if name in seen:
            message = _("The column “%(name)s” appears twice.") % {"name": raw}
            errors.append(LineError(1, name, ImportsError.COLUMN_REPEATED, message))
        elif importer.column(name) is None:
            message = _("Unknown column “%(name)s”. Expected: %(columns)s.") % {
                "name": raw,
                "columns": ", ".join(column.name for column in importer.columns),
            }
            errors.append(LineError(1, None, ImportsError.COLUMN_UNKNOWN, message))
        seen.add(name)
    for column in importer.columns:
        if column.required and column.name not in seen:
            message = _("The column “%(name)s” is missing.") % {"name": column.name}
            errors.append(LineError(1, column.name, ImportsError.COLUMN_MISSING, message))
    return names, errors


def _validate_rows(
    importer: Importer, names: list[str], table: parsing.Table, context: Any, outcome: Outcome
) -> list[ImportRow]:
    valid: list[ImportRow] = []
    seen: dict[Hashable, int] = {}
    existing = importer.existing_keys(context) if importer.existing_keys else ()
    required = [column.name for column in importer.columns if column.required]
    for line, cells in table.rows:
        outcome.rows_read += 1
        errors: list[LineError] = []
        if len(cells) > len(names):
            message = _("This row has more cells than the header has columns.")
            errors.append(LineError(line, None, ImportsError.COLUMN_UNKNOWN, message))
        row = {name: cell for name, cell in zip(names, cells, strict=False) if name and cell != ""}
        for name in required:
            if name not in row:
                message = _("A value is required.")
                errors.append(LineError(line, name, ImportsError.VALUE_REQUIRED, message))
        cleaned = None
        try:
            cleaned = importer.validate(row, context=context)
        except (ApplicationError, DRFValidationError, DjangoValidationError) as refusal:
            # A cell the platform already refused (a required one left empty) is named once.
            blamed = {found.column for found in errors}
            errors += [e for e in row_errors(refusal, line, importer) if e.column not in blamed]
        if not errors and importer.key is not None:
            key = importer.key(cleaned)
            column = importer.blamed_column
            if key is not None and key in seen:
                message = _("Same as line %(line)d.") % {"line": seen[key]}
                errors.append(LineError(line, column, ImportsError.DUPLICATE_IN_FILE, message))
            elif key is not None and key in existing:
                message = _("This already exists.")
                errors.append(LineError(line, column, ImportsError.ALREADY_EXISTS, message))
            elif key is not None:
                seen[key] = line
        if errors:
            outcome.errors += errors
        else:
            valid.append(ImportRow(line=line, data=cleaned))
    outcome.rows_valid = len(valid)
    return valid


def _file_error(error: ApplicationError) -> LineError:
    return LineError(line=None, column=None, code=str(error.code), message=error.message)


def _run(
    importer: Importer,
    organization: Organization,
    table: parsing.Table,
    dry_run: bool,
    record: Callable[[Outcome, str], ImportRun],
    user=None,
) -> tuple[Outcome, ImportRun | None]:
    """Validate and write inside the transaction; the run when it was applied (recorded
    in the same transaction as the rows), else None (everything rolled back)."""
    outcome = Outcome()
    outcome.file_format = table.format
    names, header_errors = _check_header(importer, table.header)
    if header_errors:
        outcome.errors += header_errors
        outcome.rows_read = len(table.rows)
        return outcome, None
    if not table.rows:
        message = _("The file has no rows under its header.")
        outcome.errors.append(LineError(None, None, ImportsError.FILE_EMPTY, message))
        return outcome, None
    try:
        with transaction.atomic():
            Organization.objects.select_for_update().filter(pk=organization.pk).first()
            try:
                extra = {"user": user} if importer.prepare_takes_user else {}
                context = importer.prepare(organization=organization, **extra)
            except ApplicationError as error:
                outcome.errors.append(_file_error(error))
                outcome.rows_read = len(table.rows)
                raise _Undo from None
            rows = _validate_rows(importer, names, table, context, outcome)
            if rows:
                try:
                    written = importer.write(rows, organization=organization, context=context)
                except RowsRefused as refused:
                    outcome.errors += refused.errors
                    refused_lines = {error.line for error in refused.errors}
                    outcome.rows_valid = len([r for r in rows if r.line not in refused_lines])
                    raise _Undo from None
                except ApplicationError as error:
                    outcome.errors.append(_file_error(error))
                    raise _Undo from None
                if isinstance(written, Written):
                    outcome.rows_created = written.created
                    outcome.rows_updated = written.updated
                    outcome.rows_unchanged = written.unchanged
                    written = written.written
                outcome.rows_written = written
            if outcome.errors:
                outcome.rows_created = outcome.rows_updated = outcome.rows_unchanged = 0
            if outcome.errors or dry_run:
                outcome.rows_written = 0
                raise _Undo
            run = record(outcome, ImportStatus.APPLIED)
    except _Undo:
        return outcome, None
    return outcome, run


def _file_name(upload) -> str:
    name = os.path.basename(str(getattr(upload, "name", "") or "").replace("\\", "/"))
    return name[:FILE_NAME_MAX_LENGTH]


def import_file(
    *, user, organization: Organization, kind: str, upload, dry_run: bool = False
) -> tuple[ImportRun, list[LineError]]:
    """Import ``upload`` (a CSV or XLSX file) of ``kind`` into ``organization``, or check
    it (``dry_run``). Returns the run and every error (at most ``ERRORS_KEPT`` of them are
    kept in the run). The caller checked ``imports.run``; the importer's own action is
    checked here (403)."""
    report = import_file_report(
        user=user, organization=organization, kind=kind, upload=upload, dry_run=dry_run
    )
    return report.run, report.errors


class ImportReport:
    """An import's run and errors with what its writer did (:class:`Written`): rows
    created, updated and unchanged (for a dry run, what it would have done; 0 when
    refused)."""

    def __init__(self, run: ImportRun, errors: list[LineError], outcome: Outcome) -> None:
        self.run = run
        self.errors = errors
        self.rows_created = outcome.rows_created
        self.rows_updated = outcome.rows_updated
        self.rows_unchanged = outcome.rows_unchanged


def import_file_report(
    *, user, organization: Organization, kind: str, upload, dry_run: bool = False
) -> ImportReport:
    """:func:`import_file`, with the counts of created, updated and unchanged rows."""
    importer = importer_for(kind)
    ensure(user, organization, importer.action, getattr(organization, "current_membership", None))
    started = time.monotonic()

    def record(outcome: Outcome, status: str) -> ImportRun:
        errors = outcome.sorted_errors()
        return ImportRun.objects.create(
            organization=organization,
            user=user,
            kind=kind,
            file_name=_file_name(upload),
            file_format=outcome.file_format,
            dry_run=dry_run,
            status=status,
            rows_read=outcome.rows_read,
            rows_valid=outcome.rows_valid,
            rows_written=outcome.rows_written,
            error_count=len(errors),
            errors=[error.as_dict() for error in errors[:ERRORS_KEPT]],
            duration_ms=int((time.monotonic() - started) * 1000),
        )

    run = None
    try:
        table = parsing.read_upload(upload)
    except parsing.FileRefused as refused:
        outcome = Outcome()
        outcome.errors.append(refused.error)
    else:
        outcome, run = _run(importer, organization, table, dry_run, record, user=user)
    errors = outcome.sorted_errors()
    if run is None:
        # Everything was rolled back: the record stands alone.
        run = record(outcome, ImportStatus.REFUSED if errors else ImportStatus.CHECKED)
    logger.info(
        "import %s: %s, %d rows read, %d written, %d errors, %d ms",
        kind,
        run.status,
        run.rows_read,
        run.rows_written,
        run.error_count,
        run.duration_ms,
    )
    return ImportReport(run, errors[:ERRORS_KEPT], outcome)
