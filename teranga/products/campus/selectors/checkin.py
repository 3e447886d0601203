"""Check-in reads: an event's lists, one list for its staff, the scanner devices, and
the signed delta sync a scanner device downloads.

**Delta sync.** A device asks for an event's tickets changed since its cursor, ordered
by ``(updated_at, id)`` (index ``campus_ticket_sync_idx``), at most ``limit`` at a time
(``has_more`` says to ask again at once); the last cursor of a sync stays ``SETTLE``
seconds back, so a change that commits late is not skipped. A ticket changes when it
is sold, cancelled, transferred, or scanned (the check-in services touch it), so the
presence of each ticket at each list comes along. The cursor is opaque: the last ticket's position,
signed with ``django.core.signing`` (a forged or foreign cursor is 400). The whole
payload is signed with the device's key (``services.scanners.payload_sign``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from django.core import signing
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound, ValidationFailed
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.access import ensure, membership_of
from teranga.platform.organizations.models import Organization

from ..errors import CampusError
from ..models import (
    CheckinList,
    Event,
    EventStatus,
    ScannerDevice,
    Ticket,
    TicketPresence,
    TicketType,
)
from ..services.scanners import payload_sign

CURSOR_SALT = "teranga.campus.scanner.cursor"
SYNC_BATCH = 500
SYNC_MAX_BATCH = 1000
#: How long a change may take to commit: the final cursor of a sync stays this far back.
SETTLE = timedelta(seconds=5)


def checkin_lists_query() -> QuerySet[CheckinList]:
    return CheckinList.objects.prefetch_related(
        Prefetch("ticket_types", queryset=TicketType.objects.only("id").order_by("id"))
    )


def event_checkin_lists(*, event: Event) -> QuerySet[CheckinList]:
    return checkin_lists_query().filter(event=event)


def checkin_list_for_staff(*, user, list_id, action: str) -> CheckinList:
    """The list ``list_id`` of an organisation where ``user`` may do ``action``: 404
    ``checkin_list_not_found`` for a missing one or another organisation's, 403 for a
    member whose role is too low."""
    key = parse_uuid(list_id)
    checkin_list = (
        checkin_lists_query().select_related("organization", "event").filter(pk=key).first()
        if key
        else None
    )
    if checkin_list is None:
        raise NotFound(code=CampusError.CHECKIN_LIST_NOT_FOUND)
    organization = checkin_list.organization
    try:
        ensure(user, organization, action, membership_of(user, organization))
    except NotFound:
        raise NotFound(code=CampusError.CHECKIN_LIST_NOT_FOUND) from None
    return checkin_list


def organization_scanners(*, organization: Organization) -> QuerySet[ScannerDevice]:
    return ScannerDevice.objects.filter(organization=organization).order_by("-created_at", "id")


def scanner_events(*, device: ScannerDevice, now: datetime | None = None) -> QuerySet[Event]:
    """What a device may scan for: the organisation's published events not over for more
    than a day, soonest first."""
    now = now or timezone.now()
    return Event.objects.filter(
        organization_id=device.organization_id,
        status=EventStatus.PUBLISHED,
        ends_at__gte=now - timedelta(days=1),
    ).order_by("starts_at", "id")


# --- Sync -------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def cursor_encode(*, event_id, updated_at: datetime, ticket_id) -> str:
    return signing.dumps(
        {"e": str(event_id), "t": _iso(updated_at), "i": str(ticket_id)}, salt=CURSOR_SALT
    )


def cursor_decode(cursor: str, *, event_id) -> tuple[datetime, str] | None:
    """``(updated_at, ticket id)`` of a cursor of this event; 400
    ``invalid_sync_cursor`` for anything else."""
    if not cursor:
        return None
    invalid = ValidationFailed(
        code=CampusError.INVALID_SYNC_CURSOR,
        fields={"cursor": [_("This cursor is invalid: sync again from the start.")]},
    )
    try:
        data = signing.loads(cursor, salt=CURSOR_SALT)
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(data, dict) or data.get("e") != str(event_id):
        raise invalid
    updated_at = parse_datetime(str(data.get("t") or ""))
    ticket_id = parse_uuid(data.get("i"))
    if updated_at is None or ticket_id is None:
        raise invalid
    return updated_at, ticket_id


def _list_payload(checkin_list: CheckinList) -> dict:
    return {
        "id": str(checkin_list.pk),
        "name": checkin_list.name,
        "ticket_types": sorted(str(t.pk) for t in checkin_list.ticket_types.all()),
        "allow_reentry": checkin_list.allow_reentry,
        "record_exits": checkin_list.record_exits,
    }


def scanner_sync(
    *, device: ScannerDevice, event_id, cursor: str = "", limit: int = SYNC_BATCH
) -> dict:
    """The signed sync payload of an event of the device's organisation (404
    ``event_not_found`` otherwise): its lists, the tickets changed since ``cursor`` with
    their presence at each list, the next cursor and ``has_more``."""
    key = parse_uuid(event_id)
    event = (
        Event.objects.filter(pk=key, organization_id=device.organization_id).first()
        if key
        else None
    )
    if event is None:
        raise NotFound(code=CampusError.EVENT_NOT_FOUND)
    position = cursor_decode(cursor, event_id=event.pk)
    limit = max(1, min(limit, SYNC_MAX_BATCH))
    lists = list(event_checkin_lists(event=event))
    rows = (
        Ticket.objects.filter(event=event)
        .select_related("ticket_type", "holder")
        .only(
            "id",
            "code",
            "status",
            "updated_at",
            "ticket_type__id",
            "ticket_type__name",
            "holder__id",
            "holder__first_name",
            "holder__last_name",
            "holder__email",
        )
        .order_by("updated_at", "id")
    )
    if position is not None:
        updated_at, ticket_id = position
        rows = rows.filter(
            Q(updated_at__gt=updated_at) | Q(updated_at=updated_at, id__gt=ticket_id)
        )
    tickets = list(rows[: limit + 1])
    has_more = len(tickets) > limit
    tickets = tickets[:limit]
    presences: dict = {}
    if tickets and lists:
        for row in TicketPresence.objects.filter(
            ticket_id__in=[t.pk for t in tickets], checkin_list_id__in=[cl.pk for cl in lists]
        ).values("ticket_id", "checkin_list_id", "inside", "first_entry_at"):
            presences.setdefault(row["ticket_id"], []).append(
                {
                    "list": str(row["checkin_list_id"]),
                    "inside": row["inside"],
                    "first_entry_at": _iso(row["first_entry_at"]),
                }
            )
    now = timezone.now()
    if tickets:
        last = tickets[-1]
        at, key = last.updated_at, last.pk
        if not has_more and at > now - SETTLE:
            # A change written just before this read may commit after it with an earlier
            # ``updated_at``: the last moments are sent again next time (the device keeps
            # tickets by id, so a repeat changes nothing).
            at, key = now - SETTLE, uuid.UUID(int=0)
            if position is not None and (at, key) < position:
                at, key = position
        next_cursor = cursor_encode(event_id=event.pk, updated_at=at, ticket_id=key)
    else:
        next_cursor = cursor or ""
    payload = {
        "event": {
            "id": str(event.pk),
            "title": event.title,
            "starts_at": _iso(event.starts_at),
            "ends_at": _iso(event.ends_at),
            "time_zone": device.organization.time_zone,
        },
        "lists": [_list_payload(cl) for cl in lists],
        "tickets": [
            {
                "id": str(t.pk),
                "code": t.code,
                "ticket_type": str(t.ticket_type_id),
                "ticket_type_name": t.ticket_type.name,
                "status": t.status,
                "holder_name": t.holder.get_full_name(),
                "presence": sorted(presences.get(t.pk, []), key=lambda p: p["list"]),
            }
            for t in tickets
        ],
        "cursor": next_cursor,
        "has_more": has_more,
        "server_time": _iso(now),
    }
    payload["signature"] = payload_sign(device=device, payload=payload)
    return payload
