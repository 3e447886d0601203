"""Reads of the waiting list: a student's own entries (with their place in the queue) and
an event's list for its organiser's staff. One query per page whatever its size: the
position is a correlated count, the event and the type are joined."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from ..models import Event, WaitingListEntry, WaitingStatus

#: Staff list filters (``status``): every status.
STATUSES = [value for value, _label in WaitingStatus.choices]


def _with_position(queryset: QuerySet[WaitingListEntry]) -> QuerySet[WaitingListEntry]:
    """``ahead``: the waiting entries of the same type before this one (only meaningful
    for a waiting entry: its position is ``ahead + 1``)."""
    before = (
        WaitingListEntry.objects.filter(
            ticket_type_id=OuterRef("ticket_type_id"), status=WaitingStatus.WAITING
        )
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), id__lt=OuterRef("id"))
        )
        .order_by()
        .values("ticket_type_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        ahead=Coalesce(Subquery(before, output_field=IntegerField()), Value(0))
    )


def waitlist_of_user(*, user, status: list[str] | None = None) -> QuerySet[WaitingListEntry]:
    """``user``'s entries, newest first; by default those still on the list (waiting or
    offered)."""
    statuses = status or [WaitingStatus.WAITING, WaitingStatus.OFFERED]
    queryset = (
        WaitingListEntry.objects.filter(user=user, status__in=statuses)
        .select_related("event", "ticket_type")
        .order_by("-created_at", "-id")
    )
    return _with_position(queryset)


def waitlist_of_event(*, event: Event, status: list[str] | None = None):
    """The event's entries in list order (oldest first), with each one's user."""
    queryset = WaitingListEntry.objects.filter(event=event)
    if status:
        queryset = queryset.filter(status__in=status)
    queryset = queryset.select_related("user", "ticket_type", "event").order_by("created_at", "id")
    return _with_position(queryset)


def waitlist_entry_of_user(*, user, entry_id) -> WaitingListEntry:
    """One of ``user``'s entries; 404 ``waiting_entry_not_found`` otherwise."""
    from django.utils.translation import gettext as _

    from teranga.core.errors import NotFound
    from teranga.core.validators import parse_uuid

    from ..errors import CampusError

    key = parse_uuid(entry_id)
    entry = (
        WaitingListEntry.objects.select_related("event", "ticket_type")
        .filter(pk=key, user=user)
        .first()
        if key and user is not None and user.is_authenticated
        else None
    )
    if entry is None:
        raise NotFound(_("No such waiting-list entry."), code=CampusError.WAITING_ENTRY_NOT_FOUND)
    return entry
