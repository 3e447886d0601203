"""Bookings as iCalendar (RFC 5545), built with the ``icalendar`` package.

One VEVENT per booking: a stable UID (``<booking id>@teranga``), times in UTC, the
status (TENTATIVE while pending, CANCELLED once cancelled, so subscribed calendars
drop it) and a SEQUENCE that grows with every reschedule, so calendar apps replace
the old time with the new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import icalendar
from django.utils.translation import gettext as _

from .links import booking_link
from .models import CANCELLED_STATUSES, Booking, BookingStatus
from .selectors import agenda_of, client_display_name
from .sources import CalendarEntry, EntryStatus, calendar_entries_of

PRODID = "-//Teranga//Scheduling//FR"
UID_DOMAIN = "teranga"
#: How often subscribed calendar apps are asked to fetch the feed again.
REFRESH_INTERVAL = timedelta(hours=1)
CONTENT_TYPE = "text/calendar; charset=utf-8"


def _status(booking: Booking) -> icalendar.STATUS:
    if booking.status in CANCELLED_STATUSES or booking.status == BookingStatus.EXPIRED:
        return icalendar.STATUS.CANCELLED
    if booking.status == BookingStatus.PENDING:
        return icalendar.STATUS.TENTATIVE
    return icalendar.STATUS.CONFIRMED


def _location(booking: Booking) -> str | None:
    branch = booking.resource.branch if booking.resource_id else None
    if branch is None:
        return None
    parts = [branch.name, branch.address, branch.commune]
    return ", ".join(part for part in parts if part) or None


def _public_url(link: str) -> str | None:
    """The product's link of the booking (already absolute: ``teranga.core.links``)."""
    return link or None


def _summary_and_description(booking: Booking, *, client_view: bool) -> tuple[str, str]:
    client_name = client_display_name(booking.client if booking.client_id is not None else None)
    if client_view or not client_name:
        summary = booking.title
    else:
        summary = f"{booking.title} — {client_name}"
    lines = [booking.organization.name]
    if not client_view and client_name:
        lines.append(_("Client: %(name)s") % {"name": client_name})
    lines.append(_("Status: %(status)s") % {"status": booking.get_status_display()})
    if booking.status in CANCELLED_STATUSES and booking.cancellation_reason:
        lines.append(_("Reason: %(reason)s") % {"reason": booking.cancellation_reason})
    return summary, "\n".join(lines)


def booking_event(booking: Booking, *, client_view: bool) -> icalendar.Event:
    """``booking`` as a VEVENT. ``client_view``: as its client sees it (the business
    named); otherwise as the business sees it (the client named)."""
    summary, description = _summary_and_description(booking, client_view=client_view)
    return icalendar.Event.new(
        uid=f"{booking.pk}@{UID_DOMAIN}",
        stamp=booking.updated_at,
        created=booking.created_at,
        last_modified=booking.updated_at,
        start=booking.starts_at,
        end=booking.ends_at,
        summary=summary,
        description=description,
        location=_location(booking),
        status=_status(booking),
        sequence=int(getattr(booking, "reschedules", 0) or 0),
        url=_public_url(booking_link(booking)),
    )


def _entry_status(booking: Booking) -> EntryStatus:
    if booking.status in CANCELLED_STATUSES or booking.status == BookingStatus.EXPIRED:
        return EntryStatus.CANCELLED
    if booking.status == BookingStatus.PENDING:
        return EntryStatus.TENTATIVE
    return EntryStatus.CONFIRMED


def booking_entry(booking: Booking, *, client_view: bool) -> CalendarEntry:
    """``booking`` as a calendar entry, with the same uid, texts and status as its VEVENT
    (``uid`` is the booking's id: the iCal UID is ``<uid>@teranga``)."""
    summary, description = _summary_and_description(booking, client_view=client_view)
    return CalendarEntry(
        uid=str(booking.pk),
        title=summary,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        status=_entry_status(booking),
        location=_location(booking) or "",
        url=booking_link(booking),
        description=description,
        source="scheduling",
    )


def personal_entries(*, user, starts_from: datetime, ends_before: datetime) -> list[CalendarEntry]:
    """Everything of ``user``'s personal calendar overlapping the range, as the personal
    iCal feed holds it: the bookings of their agenda (``selectors.agenda_of``, each as
    they see it) and the products' entries (``sources.calendar_entries_of``), in time
    order. A fixed number of queries."""
    bookings = agenda_of(user=user, starts_from=starts_from, ends_before=ends_before)
    entries = [
        booking_entry(booking, client_view=booking.client_id == user.pk) for booking in bookings
    ]
    entries.extend(calendar_entries_of(user=user, starts_from=starts_from, ends_before=ends_before))
    entries.sort(key=lambda entry: (entry.starts_at, entry.uid))
    return entries


_ENTRY_STATUS = {
    EntryStatus.CONFIRMED: icalendar.STATUS.CONFIRMED,
    EntryStatus.TENTATIVE: icalendar.STATUS.TENTATIVE,
    EntryStatus.CANCELLED: icalendar.STATUS.CANCELLED,
}


def entry_event(entry: CalendarEntry) -> icalendar.Event:
    """A product's calendar entry (``sources``) as a VEVENT, UID ``<entry uid>@teranga``."""
    return icalendar.Event.new(
        uid=f"{entry.uid}@{UID_DOMAIN}",
        start=entry.starts_at,
        end=entry.ends_at,
        summary=entry.title,
        description=entry.description or None,
        location=entry.location or None,
        status=_ENTRY_STATUS[EntryStatus(entry.status)],
        url=entry.url or None,
    )


def calendar_ics(
    bookings: Iterable[Booking],
    *,
    name: str,
    time_zone: str,
    uid: str | None = None,
    client_id=None,
    entries: Iterable[CalendarEntry] = (),
) -> bytes:
    """A VCALENDAR of ``bookings`` and the products' ``entries``. A booking whose client
    is ``client_id`` is shown as its client sees it; the others as the business sees
    them."""
    calendar = icalendar.Calendar.new(
        prodid=PRODID,
        name=name,
        uid=uid,
    )
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add(
        "REFRESH-INTERVAL", icalendar.vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"}
    )
    calendar.add("X-WR-TIMEZONE", time_zone)
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(REFRESH_INTERVAL))
    for booking in bookings:
        calendar.add_component(
            booking_event(
                booking,
                client_view=client_id is not None and booking.client_id == client_id,
            )
        )
    for entry in entries:
        calendar.add_component(entry_event(entry))
    return calendar.to_ical()


def booking_ics(booking: Booking, *, viewer) -> bytes:
    """One booking as a calendar file (for a download)."""
    return calendar_ics(
        [booking],
        name=booking.title,
        time_zone=booking.time_zone,
        uid=f"booking-{booking.pk}@{UID_DOMAIN}",
        client_id=getattr(viewer, "pk", None),
    )
