"""Exports of an organisation's reservations, filtered like the list, as CSV or PDF.

CSV (UTF-8 with a byte-order mark so that spreadsheets read accents right; comma
separated; one header row with these stable column names):

================  ==========================================================================
column            value
================  ==========================================================================
``reference``     short reference of the reservation: the first 8 characters of its id,
                  upper case (the full id is what the API uses)
``date``          local date of the start, ``YYYY-MM-DD``, in the organisation's time zone
``start``         local start time, ``HH:MM``
``end``           local end time, ``HH:MM``
``service``       the service's name
``client_name``   first and last name of the client (empty if the account was deleted)
``client_email``  the client's email
``client_phone``  the client's phone number, E.164 (``+221…``), or empty
``status``        the status code: pending, confirmed, cancelled_by_client,
                  cancelled_by_business, completed, no_show, expired
``price``         the price in major units (``5000`` for XOF, ``12.50`` for EUR)
``currency``      ISO 4217 currency code
``created_at``    when the reservation was made, ISO 8601 in the organisation's time zone
================  ==========================================================================

Text cells that a spreadsheet would read as a formula (starting with ``= + - @``, tab or
carriage return) are prefixed with an apostrophe.

PDF: a table of the same reservations (reference, date, time, service, client, phone,
status, price) under a title with the organisation's name, the period of the filters and
the time the document was generated, rendered by WeasyPrint from
``booking/reservations_export.html``. No external resource is ever fetched.

Exports are capped: :data:`CSV_MAX_ROWS` (10 000) rows for CSV, :data:`PDF_MAX_ROWS`
(500) for PDF — WeasyPrint lays out some 60–70 table rows a second, so 500 rows take
about 8 s, while a CSV of 10 000 rows takes a fraction of a second. Beyond the cap the
export is refused (400 ``export_too_large``) rather than silently truncated: narrow the
dates.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import ValidationFailed
from teranga.core.money import Money
from teranga.platform.audit.models import AuditAction
from teranga.platform.audit.services import audit_record
from teranga.platform.organizations.models import Organization
from teranga.platform.scheduling.availability import zone
from teranga.platform.scheduling.models import BookingStatus
from teranga.products.booking.errors import BookingError

from .models import Reservation
from .selectors.reservations import ReservationFilters, export_rows

CSV_MAX_ROWS = 10_000
PDF_MAX_ROWS = 500
FORMATS = ("csv", "pdf")

CSV_COLUMNS = (
    "reference",
    "date",
    "start",
    "end",
    "service",
    "client_name",
    "client_email",
    "client_phone",
    "status",
    "price",
    "currency",
    "created_at",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def reference(reservation: Reservation) -> str:
    return reservation.pk.hex[:8].upper()


def _text(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _client(reservation: Reservation) -> tuple[str, str, str]:
    client = reservation.booking.client
    if client is None and reservation.guest_phone:
        # A guest of the public booking page: the name given, the phone verified.
        return reservation.guest_name, "", reservation.guest_phone
    if client is None:
        return "", "", ""
    return client.full_name, client.email, str(client.phone) if client.phone else ""


def reservations_csv(*, organization: Organization, reservations: list[Reservation]) -> bytes:
    tz = zone(organization.time_zone)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for reservation in reservations:
        booking = reservation.booking
        starts, ends = booking.starts_at.astimezone(tz), booking.ends_at.astimezone(tz)
        name, email, phone = _client(reservation)
        writer.writerow(
            [
                reference(reservation),
                starts.date().isoformat(),
                starts.strftime("%H:%M"),
                ends.strftime("%H:%M"),
                _text(reservation.service.name),
                _text(name),
                _text(email),
                phone,
                booking.status,
                str(reservation.price.major),
                reservation.currency,
                reservation.created_at.astimezone(tz).isoformat(timespec="seconds"),
            ]
        )
    return buffer.getvalue().encode("utf-8")


def _period(filters: ReservationFilters) -> str:
    start, end = filters.date_from, filters.date_to
    if start and end:
        return _("From %(start)s to %(end)s") % {"start": start, "end": end}
    if start:
        return _("From %(start)s") % {"start": start}
    if end:
        return _("Until %(end)s") % {"end": end}
    return _("All dates")


def reservations_pdf(
    *,
    organization: Organization,
    reservations: list[Reservation],
    filters: ReservationFilters,
    generated_at: datetime,
) -> bytes:
    from weasyprint import HTML, URLFetcher

    tz = zone(organization.time_zone)
    rows = []
    for reservation in reservations:
        booking = reservation.booking
        starts, ends = booking.starts_at.astimezone(tz), booking.ends_at.astimezone(tz)
        name, email, phone = _client(reservation)
        rows.append(
            {
                "reference": reference(reservation),
                "date": starts.date().isoformat(),
                "time": f"{starts:%H:%M}–{ends:%H:%M}",
                "service": reservation.service.name,
                "client": name or email,
                "email": email if name else "",
                "phone": phone,
                "status": BookingStatus(booking.status).label,
                "price": Money(reservation.price_amount, reservation.currency).format(),
            }
        )
    html = render_to_string(
        "booking/reservations_export.html",
        {
            "organization": organization,
            "period": _period(filters),
            "statuses": ", ".join(str(BookingStatus(s).label) for s in filters.statuses),
            "generated_at": generated_at.astimezone(tz),
            "time_zone": organization.time_zone,
            "rows": rows,
            "title": _("Reservations"),
        },
    )
    # Only inline ``data:`` URLs: nothing is fetched from the network or the disk.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf()


def reservations_export(
    *, organization: Organization, filters: ReservationFilters, file_format: str
) -> ExportFile:
    """The organisation's reservations matching ``filters`` as a CSV or PDF file.
    Access is checked by the caller (``booking.reservations.view``)."""
    limit = CSV_MAX_ROWS if file_format == "csv" else PDF_MAX_ROWS
    reservations = export_rows(organization=organization, filters=filters, limit=limit)
    if len(reservations) > limit:
        raise ValidationFailed(
            _("Too many reservations to export (at most %(limit)s): narrow the dates.")
            % {"limit": limit},
            code=BookingError.EXPORT_TOO_LARGE,
        )
    now = timezone.now()
    stamp = now.astimezone(zone(organization.time_zone)).strftime("%Y%m%d-%H%M")
    filename = f"reservations-{organization.slug}-{stamp}.{file_format}"
    # A sensitive read (clients' names and phones): recorded in the audit log, with the
    # caller's address and user agent from the request being served.
    audit_record(
        action=AuditAction.DATA_EXPORTED,
        organization=organization,
        object_type="booking.reservations",
        summary=f"Reservations exported ({file_format}, {len(reservations)} rows)",
        after={"format": file_format, "rows": len(reservations)},
    )
    if file_format == "csv":
        content = reservations_csv(organization=organization, reservations=reservations)
        return ExportFile(content, "text/csv; charset=utf-8", filename)
    content = reservations_pdf(
        organization=organization, reservations=reservations, filters=filters, generated_at=now
    )
    return ExportFile(content, "application/pdf", filename)
