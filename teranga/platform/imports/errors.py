"""The error codes imports answers (``{"error": {"code": …}}``) and the codes of the line
errors of a refused import (``lines[].code``), registered in the catalogue
(``teranga.core.errors.error_catalogues``). A line error may also carry a code of the
product whose rules refused it (``price_out_of_range``, ``rule_overlap`` …) or a generic
one (``invalid``)."""

from __future__ import annotations

from enum import StrEnum

from teranga.core.errors import error_catalogues


class ImportsError(StrEnum):
    #: The answer to a refused import (400); its ``lines`` say why.
    IMPORT_REFUSED = "import_refused"
    IMPORT_KIND_UNKNOWN = "import_kind_unknown"
    IMPORT_NOT_FOUND = "import_not_found"
    # Codes of line errors.
    FILE_TOO_LARGE = "file_too_large"
    FILE_UNREADABLE = "file_unreadable"
    FILE_EMPTY = "file_empty"
    TOO_MANY_ROWS = "too_many_rows"
    TOO_MANY_COLUMNS = "too_many_columns"
    CELL_TOO_LONG = "cell_too_long"
    COLUMN_MISSING = "column_missing"
    COLUMN_UNKNOWN = "column_unknown"
    COLUMN_REPEATED = "column_repeated"
    VALUE_REQUIRED = "value_required"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    ALREADY_EXISTS = "already_exists"


error_catalogues.register("imports", ImportsError, origin="imports")
