"""Reading an uploaded file into a table of text cells, within caps.

* **CSV**: the encoding is detected (a UTF-8 or UTF-16 byte-order mark, as Excel writes
  them; else UTF-8; else Windows-1252, what Excel in French writes as "CSV"), and so is
  the delimiter (``,``, ``;`` — Excel's in France —, tab or ``|``: the one the header
  line uses most, outside quotes).
* **XLSX**: the first worksheet, read by openpyxl in read-only mode with the cached
  values of formulas. The archive's expanded size is checked before it is opened (a
  small file that expands to gigabytes is refused). Numbers, dates, times and booleans
  become text as a person would type them (``30``, ``2026-03-01``, ``09:00``, ``true``).

Line numbers are the spreadsheet's: the header is line 1, the first row line 2; blank
rows are skipped but keep their number. Caps (settings, with defaults):
``IMPORT_MAX_BYTES`` (2 MiB), ``IMPORT_MAX_ROWS`` (5,000 rows besides the header),
``IMPORT_MAX_COLUMNS`` (50), ``IMPORT_MAX_CELL_CHARS`` (5,000) and
``IMPORT_MAX_XLSX_EXPANDED_BYTES`` (50 MiB).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import ImportsError
from .extensions import LineError

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_ROWS = 5_000
DEFAULT_MAX_COLUMNS = 50
DEFAULT_MAX_CELL_CHARS = 5_000
DEFAULT_MAX_XLSX_EXPANDED_BYTES = 50 * 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")
XLSX_MAGIC = b"PK\x03\x04"
CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)


@dataclass(frozen=True)
class Caps:
    max_bytes: int
    max_rows: int
    max_columns: int
    max_cell_chars: int
    max_xlsx_expanded_bytes: int

    @classmethod
    def from_settings(cls) -> Caps:
        return cls(
            max_bytes=getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES),
            max_rows=getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS),
            max_columns=getattr(settings, "IMPORT_MAX_COLUMNS", DEFAULT_MAX_COLUMNS),
            max_cell_chars=getattr(settings, "IMPORT_MAX_CELL_CHARS", DEFAULT_MAX_CELL_CHARS),
            max_xlsx_expanded_bytes=getattr(
                settings, "IMPORT_MAX_XLSX_EXPANDED_BYTES", DEFAULT_MAX_XLSX_EXPANDED_BYTES
            ),
        )


@dataclass
class Table:
    format: str
    #: The header's names as written (trimmed).
    header: list[str]
    #: ``(line, cells)`` of every non-blank row; cells as text, trimmed.
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


class FileRefused(Exception):
    """The file cannot be read as a table, or passes a cap."""

    def __init__(self, error: LineError) -> None:
        self.error = error
        super().__init__(error.message)


def _refuse(code: str, message: str, line: int | None = None, column: str | None = None):
    raise FileRefused(LineError(line=line, column=column, code=code, message=message))


def format_of(name: str, head: bytes) -> str:
    """``csv`` or ``xlsx``: by the content (an XLSX is a ZIP archive), else the name."""
    if head.startswith(XLSX_MAGIC):
        return XLSX
    if name.lower().endswith((".xlsx", ".xlsm")):
        _refuse(ImportsError.FILE_UNREADABLE, _("This file is not a valid XLSX workbook."))
    return CSV


def read_upload(upload, caps: Caps | None = None) -> Table:
    """The table of an uploaded file (Django ``UploadedFile``), or FileRefused."""
    caps = caps or Caps.from_settings()
    size = getattr(upload, "size", None)
    if size is not None and size > caps.max_bytes:
        _too_large(caps)
    upload.seek(0)
    data = upload.read(caps.max_bytes + 1)
    if len(data) > caps.max_bytes:
        _too_large(caps)
    if not data.strip():
        _refuse(ImportsError.FILE_EMPTY, _("The file is empty."))
    name = getattr(upload, "name", "") or ""
    read = _read_xlsx if format_of(name, data[:4]) == XLSX else _read_csv
    table = read(data, caps)
    if not any(table.header):
        _refuse(ImportsError.FILE_EMPTY, _("The file has no header line."), line=1)
    return table


def _too_large(caps: Caps) -> None:
    _refuse(
        ImportsError.FILE_TOO_LARGE,
        _("The file is larger than %(size)d KiB.") % {"size": caps.max_bytes // 1024},
    )


# --- CSV ---------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of a CSV file: by its byte-order mark, else UTF-8, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def sniff_delimiter(text: str) -> str:
    """The delimiter the header line uses most (outside quotes); ``,`` when none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            if any(counts.values()):
                break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, caps: Caps) -> Table:
    try:
        text = decode(data)
    except UnicodeDecodeError:
        _refuse(ImportsError.FILE_UNREADABLE, _("The file's text encoding is not recognised."))
    if "\x00" in text:
        _refuse(ImportsError.FILE_UNREADABLE, _("This file is not a CSV text file."))
    delimiter = sniff_delimiter(text[:65536])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for index, record in enumerate(reader, start=1):
            if header is None:
                header = _header(record, caps)
                continue
            cells = _cells([cell.strip() for cell in record], index, header, caps)
            if cells is not None:
                rows.append((index, cells))
                if len(rows) > caps.max_rows:
                    _too_many_rows(caps, index)
    except csv.Error as error:
        line = reader.line_num or None
        if "field larger than field limit" in str(error):
            _cell_too_long(caps, line, None)
        _refuse(ImportsError.FILE_UNREADABLE, _("This line cannot be read as CSV."), line=line)
    return Table(format=CSV, header=header or [], rows=rows)


def _header(record: list, caps: Caps) -> list[str]:
    names = [str(cell if cell is not None else "").strip() for cell in record]
    while names and not names[-1]:
        names.pop()
    if len(names) > caps.max_columns:
        _refuse(
            ImportsError.TOO_MANY_COLUMNS,
            _("The file has more than %(count)d columns.") % {"count": caps.max_columns},
            line=1,
        )
    for name in names:
        if len(name) > 100:
            _cell_too_long(caps, 1, None)
    return names


def _cells(cells: list[str], line: int, header: list[str], caps: Caps) -> list[str] | None:
    """The row's cells (None for a blank row), refusing one wider than the header's cap
    or with a cell too long."""
    while cells and not cells[-1]:
        cells.pop()
    if not cells:
        return None
    if len(cells) > max(len(header), 1) and len(cells) > caps.max_columns:
        _refuse(
            ImportsError.TOO_MANY_COLUMNS,
            _("The file has more than %(count)d columns.") % {"count": caps.max_columns},
            line=line,
        )
    for position, cell in enumerate(cells):
        if len(cell) > caps.max_cell_chars:
            column = header[position] if position < len(header) else None
            _cell_too_long(caps, line, column)
    return cells


def _cell_too_long(caps: Caps, line: int | None, column: str | None) -> None:
    _refuse(
        ImportsError.CELL_TOO_LONG,
        _("A cell holds more than %(count)d characters.") % {"count": caps.max_cell_chars},
        line=line,
        column=column,
    )


def _too_many_rows(caps: Caps, line: int) -> None:
    _refuse(
        ImportsError.TOO_MANY_ROWS,
        _("The file has more than %(count)d rows: split it.") % {"count": caps.max_rows},
        line=line,
    )


# --- XLSX --------------------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell's value as a person would type it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
    return str(value).strip()


def _read_xlsx(data: bytes, caps: Caps) -> Table:
    from openpyxl import load_workbook

    unreadable = _("This file is not a valid XLSX workbook.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        _refuse(ImportsError.FILE_UNREADABLE, unreadable)
    if expanded > caps.max_xlsx_expanded_bytes:
        _too_large(caps)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged archive
        logger.info("An XLSX upload could not be opened.", exc_info=True)
        _refuse(ImportsError.FILE_UNREADABLE, unreadable)
    try:
        if not workbook.worksheets:
            _refuse(ImportsError.FILE_EMPTY, _("The file is empty."))
        sheet = workbook.worksheets[0]
        # At most one column past the cap (to notice it), and a bounded number of lines
        # even when blank: a sheet may declare a million empty rows.
        lines = sheet.iter_rows(values_only=True, max_col=caps.max_columns + 1)
        for index, values in enumerate(lines, start=1):
            if index > 2 * caps.max_rows + 1000:
                _too_many_rows(caps, index)
            if header is None:
                header = _header([cell_text(value) for value in values], caps)
                continue
            cells = _cells([cell_text(value) for value in values], index, header, caps)
            if cells is not None:
                rows.append((index, cells))
                if len(rows) > caps.max_rows:
                    _too_many_rows(caps, index)
    except FileRefused:
        raise
    except Exception:
        logger.info("An XLSX upload could not be read.", exc_info=True)
        _refuse(ImportsError.FILE_UNREADABLE, unreadable)
    finally:
        workbook.close()
    return Table(format=XLSX, header=header or [], rows=rows)
