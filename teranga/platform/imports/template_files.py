"""Template files of an importer: its header and an example row, as CSV or XLSX (with a
second sheet that explains every column in the reader's language)."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from .extensions import Importer

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DELIMITERS = {"comma": ",", "semicolon": ";"}


def template_csv(importer: Importer, *, delimiter: str = ",") -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads the accents), the header and one
    example row."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([column.name for column in importer.columns])
    writer.writerow([column.example for column in importer.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def template_xlsx(importer: Importer) -> bytes:
    """A workbook: the import sheet (header and one example row; what is read) and a help
    sheet (each column's type, whether it is required, what to put there)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Import")[:31]
    sheet.append([column.name for column in importer.columns])
    sheet.append([column.example for column in importer.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(importer.columns, start=1):
        sheet.column_dimensions[cell_letter(index)].width = max(14, len(column.name) + 4)
    help_sheet = workbook.create_sheet(_("Help")[:31])
    help_sheet.append([_("Column"), _("Type"), _("Required"), _("Allowed values"), _("Help")])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in importer.columns:
        help_sheet.append(
            [
                column.name,
                column.type,
                _yes_no(column.required),
                ", ".join(column.choices),
                str(column.help),
            ]
        )
    help_sheet.column_dimensions["E"].width = 80
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def cell_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
