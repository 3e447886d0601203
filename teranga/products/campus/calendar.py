"""The student's campus calendar: the events they hold a valid ticket for (confirmed)
and the events they favourited (tentative); a cancelled event stays, shown cancelled
(for its ticket holders too, whose tickets were cancelled with it). Drafts never show.

* :func:`calendar_items` — ``(event, kind)`` pairs, one query whatever their number;
  the JSON ``GET /api/v1/campus/me/calendar/`` serializes them.
* :func:`participations` — the same as ``scheduling`` calendar entries: the calendar
  source ``campus.participations`` (the user's personal agenda and iCal feed).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from teranga.core.links import object_link
from teranga.platform.scheduling.extensions import CalendarEntry, EntryStatus

from .models import Event, EventFavourite, EventStatus, Ticket, TicketStatus


class CalendarKind(StrEnum):
    TICKET = "ticket"
    FAVOURITE = "favourite"


def calendar_items(
    *, user, starts_from: datetime, ends_before: datetime
) -> list[tuple[Event, str]]:
    """``user``'s campus events overlapping ``[starts_from, ends_before)``, in time order,
    each with its kind: ``ticket`` (a valid ticket held, or a ticket of an event since
    cancelled) wins over ``favourite``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    held = Ticket.objects.filter(event=OuterRef("pk"), holder=user)
    events = (
        Event.objects.filter(starts_at__lt=ends_before, ends_at__gt=starts_from)
        .exclude(status=EventStatus.DRAFT)
        .annotate(
            has_ticket=Exists(held.filter(status=TicketStatus.VALID)),
            had_ticket=Exists(held),
            is_favourite=Exists(EventFavourite.objects.filter(event=OuterRef("pk"), user=user)),
        )
        .filter(
            Q(has_ticket=True)
            | Q(is_favourite=True)
            | Q(had_ticket=True, status=EventStatus.CANCELLED)
        )
        .select_related("organization", "branch")
        .order_by("starts_at", "pk")
    )
    items = []
    for event in events:
        ticket = event.has_ticket or (event.had_ticket and event.status == EventStatus.CANCELLED)
        items.append((event, CalendarKind.TICKET if ticket else CalendarKind.FAVOURITE))
    return items


def entry_status(event: Event, kind: str) -> EntryStatus:
    if event.status == EventStatus.CANCELLED:
        return EntryStatus.CANCELLED
    return EntryStatus.CONFIRMED if kind == CalendarKind.TICKET else EntryStatus.TENTATIVE


def event_location(event: Event) -> str:
    branch = event.branch if event.branch_id else None
    parts = [event.address] if event.address else []
    if branch is not None:
        parts = [branch.name, event.address or branch.address, branch.commune]
    location = ", ".join(part for part in parts if part)
    return location or event.online_url or ""


def _description(event: Event, kind: str) -> str:
    lines = [event.organization.name]
    if event.status == EventStatus.CANCELLED:
        lines.append(_("This event is cancelled."))
    elif kind == CalendarKind.TICKET:
        lines.append(_("You have a ticket for this event."))
    else:
        lines.append(_("In your favourite events."))
    return "\n".join(lines)


def participations(user, starts_from: datetime, ends_before: datetime) -> list[CalendarEntry]:
    """The calendar source ``campus.participations``."""
    return [
        CalendarEntry(
            uid=f"campus-event-{event.pk}",
            title=event.title,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            status=entry_status(event, kind),
            location=event_location(event),
            url=object_link("campus.event", event.pk),
            description=_description(event, kind),
        )
        for event, kind in calendar_items(
            user=user, starts_from=starts_from, ends_before=ends_before
        )
    ]
