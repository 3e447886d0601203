"""Check-in: the lists (doors) of an event and the staff's online validate; the scans a
scanner device uploads after deciding offline are in :mod:`.checkin_upload`, on the same
rules and the same decision (:func:`presence_result`, :func:`presence_record`).

**One decision, locked.** Online or uploaded, a scan of a known, valid ticket on a list
that admits its type first takes the **ticket's row lock** (``UPDATE … SET updated_at``
online, which also tells the scanners' delta sync that the ticket changed; ``SELECT … FOR
UPDATE`` in id order for an upload), then reads the ticket's :class:`TicketPresence` at
that list (created on the first accepted scan), decides, and writes the :class:`Scan`
and the presence, all in one transaction: two simultaneous scans of one ticket give
exactly one ``valid`` (on SQLite the ``IMMEDIATE`` transaction serialises them). A
ticket cancelled meanwhile is refused (``cancelled``). Every scan is recorded, refused
ones included.

**Rules** (an entry): the first entry is valid; another one is refused (``already_in``)
unless the list allows re-entry, and, when the list records exits, only after an exit.
An exit is always recorded (``valid``) for a valid ticket on the list. A code of another
organisation is ``unknown``, exactly like a code that does not exist.

**Cost.** The reads (the lists, the caller's role, the ticket) run before the write
transaction, so that it stays short (on SQLite it holds the one write lock): a first
scan is the token check, two reads (the lists with their ticket types and the caller's
role in one query, then the ticket), then the ticket lock, the presence read, the scan
insert and the presence write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, NotFound, ValidationFailed
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.access import ensure, member_role, membership_with_role

from ..errors import CampusError
from ..models import (
    CheckinList,
    Event,
    Scan,
    ScanDirection,
    ScanResult,
    Ticket,
    TicketPresence,
    TicketStatus,
    TicketType,
)

SCAN_ACTION = "campus.checkin.scan"
MANAGE_ACTION = "campus.checkin.manage"
#: What the ticket's QR code holds before the code.
QR_PREFIX = "TERANGA-CAMPUS:"
CODE_MAX_LENGTH = 64
#: A device's clock ahead of ours by more than this is brought back to now.
CLOCK_SKEW = timedelta(minutes=1)
#: The most scans in one upload, and lists in one validate.
MAX_UPLOAD = 500
MAX_LISTS = 20


# --- Lists ------------------------------------------------------------------------------


def _event_types(event: Event, type_ids) -> list[TicketType]:
    wanted = {parse_uuid(value) for value in type_ids}
    types = list(TicketType.objects.filter(event=event, pk__in=[k for k in wanted if k]))
    if None in wanted or len(types) != len(wanted):
        raise ValidationFailed(
            code=CampusError.INVALID_TICKET_TYPES,
            fields={"ticket_types": [_("Choose ticket types of this event.")]},
        )
    return types


@transaction.atomic
def checkin_list_create(
    *,
    event: Event,
    name: str,
    ticket_type_ids=(),
    allow_reentry: bool = False,
    record_exits: bool = False,
) -> CheckinList:
    """A list of ``event``; ``ticket_type_ids`` (types of that event only, else 400
    ``invalid_ticket_types``) restrict it, none: every type."""
    types = _event_types(event, ticket_type_ids)
    checkin_list = CheckinList.objects.create(
        event=event,
        organization_id=event.organization_id,
        name=name,
        allow_reentry=allow_reentry,
        record_exits=record_exits,
    )
    checkin_list.ticket_types.set(types)
    return checkin_list


@transaction.atomic
def checkin_list_update(*, checkin_list: CheckinList, **changes) -> CheckinList:
    """Change ``name``, ``allow_reentry``, ``record_exits`` and/or ``ticket_type_ids``."""
    locked = CheckinList.objects.select_for_update().get(pk=checkin_list.pk)
    fields = []
    for name in ("name", "allow_reentry", "record_exits"):
        if name in changes:
            setattr(locked, name, changes[name])
            fields.append(name)
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    if "ticket_type_ids" in changes:
        locked.ticket_types.set(_event_types(locked.event, changes["ticket_type_ids"]))
    return locked


@transaction.atomic
def checkin_list_delete(*, checkin_list: CheckinList) -> None:
    """Delete a list nobody was scanned on yet (409 ``checkin_list_in_use`` otherwise:
    its scans are the event's check-in history)."""
    locked = CheckinList.objects.select_for_update().get(pk=checkin_list.pk)
    if Scan.objects.filter(checkin_list=locked).exists():
        raise Conflict(
            _("Tickets were scanned on this list: it can no longer be deleted."),
            code=CampusError.CHECKIN_LIST_IN_USE,
        )
    locked.delete()


# --- The decision -----------------------------------------------------------------------


@dataclass
class ScanOutcome:
    result: str
    message: str
    checkin_list: CheckinList
    ticket: Ticket | None = None
    scan: Scan | None = None
    direction: str = ScanDirection.ENTRY
    checked_in_at: datetime | None = None
    checked_in_by: str = ""
    nonce: str = ""
    duplicate: bool = False


def code_from_scan(raw: str) -> str:
    """The ticket code in what was scanned or typed: the raw code or the QR content."""
    code = (raw or "").strip()
    if code.upper().startswith(QR_PREFIX):
        code = code[len(QR_PREFIX) :].strip()
    return code[:CODE_MAX_LENGTH]


def _actor_name(scan: Scan | None) -> str:
    if scan is None:
        return ""
    if scan.scanned_by is not None:
        return scan.scanned_by.get_full_name()
    if scan.device is not None:
        return scan.device.name
    return ""


def outcome_message(
    result: str, *, direction: str = ScanDirection.ENTRY, at=None, by: str = "", time_zone="UTC"
) -> str:
    """What the door staff read, in the active language."""
    time = localtime(at, ZoneInfo(time_zone)).strftime("%H:%M") if at else ""
    if result == ScanResult.VALID:
        return (
            _("Exit recorded.") if direction == ScanDirection.EXIT else _("Valid ticket: welcome!")
        )
    if result in (ScanResult.ALREADY_IN, ScanResult.CONFLICT):
        if not time:
            text = _("Already checked in.")
        elif by:
            text = _("Already checked in at %(time)s by %(name)s.") % {"time": time, "name": by}
        else:
            text = _("Already checked in at %(time)s.") % {"time": time}
        if result == ScanResult.CONFLICT:
            return _("Admitted twice offline. %(detail)s") % {"detail": text}
        return text
    if result == ScanResult.NOT_ON_LIST:
        return _("This ticket is not valid on this list.")
    if result == ScanResult.CANCELLED:
        return _("This ticket has been cancelled.")
    return _("Unknown ticket.")


def _list_for(lists: list[CheckinList], ticket: Ticket) -> tuple[CheckinList | None, bool]:
    """The list of ``lists`` that scans ``ticket`` and whether it admits its type."""
    candidates = [cl for cl in lists if cl.event_id == ticket.event_id]
    for cl in candidates:
        types = cl.admitted_type_ids
        if not types or ticket.ticket_type_id in types:
            return cl, True
    return (candidates[0] if candidates else None), False


def scan_precheck(
    lists: list[CheckinList],
    ticket: Ticket | None,
    *,
    offline: bool = False,
    local_result: str | None = None,
) -> tuple[CheckinList, str | None]:
    """The list that scans ``ticket`` and the refusal decided without its presence
    (``unknown``, ``not_on_list``, ``cancelled``, or a refusal the device made offline);
    ``None``: the presence decides."""
    if ticket is None:
        return lists[0], ScanResult.UNKNOWN
    found, admits = _list_for(lists, ticket)
    if found is None:
        return lists[0], ScanResult.NOT_ON_LIST
    if ticket.status != TicketStatus.VALID:
        return found, ScanResult.CANCELLED
    if not admits:
        return found, ScanResult.NOT_ON_LIST
    if offline and local_result and local_result != ScanResult.VALID:
        # The device refused it: nobody went in, whatever we would have said.
        return found, local_result
    return found, None


def presence_result(
    checkin_list: CheckinList, presence: TicketPresence, direction: str, *, offline: bool
) -> str:
    """The decision for a valid ticket on a list that admits it, from its presence."""
    if direction == ScanDirection.EXIT or presence.first_entry_at is None:
        return ScanResult.VALID
    if not checkin_list.allow_reentry or (checkin_list.record_exits and presence.inside):
        return ScanResult.CONFLICT if offline else ScanResult.ALREADY_IN
    return ScanResult.VALID


def presence_record(presence: TicketPresence, scan: Scan, *, now: datetime) -> bool:
    """Apply an accepted (or conflicting) ``scan`` to ``presence`` in memory; whether it
    changed (the caller writes it)."""
    if scan.result not in (ScanResult.VALID, ScanResult.CONFLICT):
        return False
    if scan.direction == ScanDirection.ENTRY:
        presence.inside = True
        if presence.first_entry_at is None or scan.scanned_at < presence.first_entry_at:
            presence.first_entry_at = scan.scanned_at
    else:
        presence.inside = False
    if scan.result == ScanResult.VALID:
        presence.last_scan = scan
    presence.updated_at = now
    return True


def standing_admission(checkin_list: CheckinList, ticket: Ticket) -> Scan | None:
    """The last accepted entry of the ticket at the list (who let it in, when)."""
    return (
        Scan.objects.select_related("scanned_by", "device")
        .filter(
            checkin_list=checkin_list,
            ticket=ticket,
            direction=ScanDirection.ENTRY,
            result=ScanResult.VALID,
        )
        .order_by("-scanned_at", "-id")
        .first()
    )


def scan_outcome(scan: Scan, *, standing: Scan | None, time_zone: str) -> ScanOutcome:
    """The answer for a recorded ``scan`` (``standing``: the admission that refused it)."""
    outcome = ScanOutcome(
        result=scan.result,
        message="",
        checkin_list=scan.checkin_list,
        ticket=scan.ticket,
        scan=scan,
        direction=scan.direction,
        nonce=scan.nonce,
    )
    if scan.result == ScanResult.VALID and scan.direction == ScanDirection.ENTRY:
        outcome.checked_in_at = scan.scanned_at
        outcome.checked_in_by = _actor_name(scan)
    elif standing is not None:
        outcome.checked_in_at = standing.scanned_at
        outcome.checked_in_by = _actor_name(standing)
    outcome.message = outcome_message(
        scan.result,
        direction=scan.direction,
        at=outcome.checked_in_at if scan.result != ScanResult.VALID else None,
        by=outcome.checked_in_by,
        time_zone=time_zone,
    )
    return outcome


def scan_lists(*, member=None, **filters) -> list[CheckinList]:
    """The lists (with their organisation), each with ``admitted_type_ids`` (empty: every
    type), in one query: a row per admitted type (a left join on the list's types). With
    ``member`` (a user), each list also carries ``member_role``, that user's role in its
    organisation (None: not a member), read in the same query."""
    rows = (
        CheckinList.objects.select_related("organization")
        .filter(**filters)
        .annotate(admitted_type_id=F("ticket_types"))
        .order_by()
    )
    if member is not None:
        rows = rows.annotate(member_role=member_role(member))
    lists: dict = {}
    for row in rows:
        checkin_list = lists.get(row.pk)
        if checkin_list is None:
            checkin_list = lists[row.pk] = row
            checkin_list.admitted_type_ids = set()
        if row.admitted_type_id is not None:
            checkin_list.admitted_type_ids.add(row.admitted_type_id)
    return list(lists.values())


#: What a scan reads of a ticket (and what its answer shows).
TICKET_FIELDS = (
    "id",
    "code",
    "status",
    "organization_id",
    "event_id",
    "ticket_type_id",
    "holder_id",
    "event__id",
    "event__title",
    "ticket_type__id",
    "ticket_type__name",
    "holder__id",
    "holder__first_name",
    "holder__last_name",
    "holder__email",
)


def tickets_by_code(organization_id, codes) -> dict[str, Ticket]:
    """Tickets of the organisation by code (also found when typed in lower case)."""
    wanted = set()
    for code in codes:
        wanted.update((code, code.upper()))
    rows = (
        Ticket.objects.select_related("ticket_type", "holder", "event")
        .only(*TICKET_FIELDS)
        .filter(organization_id=organization_id, code__in=wanted)
        .order_by()
    )
    return {ticket.code: ticket for ticket in rows}


def ticket_lookup(tickets: dict[str, Ticket], code: str) -> Ticket | None:
    return tickets.get(code) or tickets.get(code.upper())


# --- Online -----------------------------------------------------------------------------


def _lists_for_staff(*, user, list_ids) -> list[CheckinList]:
    keys = [parse_uuid(value) for value in list_ids]
    unique = set(keys)
    if None in unique:
        raise NotFound(code=CampusError.CHECKIN_LIST_NOT_FOUND)
    lists = scan_lists(member=user, pk__in=unique)  # the caller's role read with them
    if len(lists) != len(unique):
        raise NotFound(code=CampusError.CHECKIN_LIST_NOT_FOUND)
    if len({cl.organization_id for cl in lists}) > 1:
        raise ValidationFailed(
            code=CampusError.INVALID_CHECKIN_LISTS,
            fields={"lists": [_("Choose lists of one organiser.")]},
        )
    organization = lists[0].organization
    membership = membership_with_role(user, organization, lists[0].member_role)
    try:
        ensure(user, organization, SCAN_ACTION, membership)
    except NotFound:
        raise NotFound(code=CampusError.CHECKIN_LIST_NOT_FOUND) from None
    order = {key: index for index, key in enumerate(keys)}
    return sorted(lists, key=lambda cl: order[cl.pk])


def ticket_validate(
    *, user, code: str, list_ids, direction: str = ScanDirection.ENTRY, now: datetime | None = None
) -> ScanOutcome:
    """The staff's online scan of ``code`` (raw or QR content) on ``list_ids`` (lists of
    one organiser where ``user`` is agent or above: 404 ``checkin_list_not_found``
    otherwise, 403 below agent). Answers the decision, recorded as a :class:`Scan`.

    The reads (lists and the user's role, the ticket) come before the write
    transaction: on SQLite a write transaction holds the one write lock from its start,
    so it stays short."""
    now = now or timezone.now()
    code = code_from_scan(code)
    lists = _lists_for_staff(user=user, list_ids=list_ids)
    organization = lists[0].organization
    ticket = ticket_lookup(tickets_by_code(organization.pk, [code]), code) if code else None
    checkin_list, result = scan_precheck(lists, ticket)
    presence = standing = None
    with transaction.atomic():
        if result is None:
            # The ticket's row lock (every scan of it waits here), still valid; the
            # scanners' delta sync reads what changed on the ticket since their cursor.
            locked = Ticket.objects.filter(pk=ticket.pk, status=TicketStatus.VALID).update(
                updated_at=now
            )
            if not locked:
                result = ScanResult.CANCELLED
                ticket.status = (
                    Ticket.objects.filter(pk=ticket.pk).values_list("status", flat=True).first()
                    or ticket.status
                )
            else:
                rows = TicketPresence.objects.filter(checkin_list=checkin_list, ticket=ticket)
                presence = next(iter(rows.order_by()[:1]), None) or TicketPresence(
                    checkin_list=checkin_list, ticket=ticket
                )
                result = presence_result(checkin_list, presence, direction, offline=False)
                if result == ScanResult.ALREADY_IN:
                    standing = standing_admission(checkin_list, ticket)
        scan = Scan(
            checkin_list=checkin_list,
            ticket=ticket,
            code=code,
            direction=direction,
            result=result,
            scanned_at=now,
            scanned_by=user if user is not None and user.is_authenticated else None,
        )
        scan.save(force_insert=True)
        if presence is not None and presence_record(presence, scan, now=now):
            presence.save()
    return scan_outcome(scan, standing=standing, time_zone=organization.time_zone)
