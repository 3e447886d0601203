"""Check-in: the lists (doors) of an event, the staff's online validate, and the scans a
scanner device uploads after deciding offline.

**One decision, locked.** Online or uploaded, a scan of a known, valid ticket on a list
that admits its type takes the ticket's :class:`TicketPresence` row at that list
(created on the first scan; a concurrent creation loses on the unique constraint and
reads the winner's row) with ``SELECT … FOR UPDATE``, decides, writes the :class:`Scan`
and the presence, all in one transaction: two simultaneous scans of one ticket give
exactly one ``valid``. Every scan is recorded, refused ones included.

**Rules** (an entry): the first entry is valid; another one is refused (``already_in``)
unless the list allows re-entry, and, when the list records exits, only after an exit.
An exit is always recorded (``valid``) for a valid ticket on the list. A code of another
organisation is ``unknown``, exactly like a code that does not exist.

**Offline uploads** (:func:`scans_upload`): each scan is counted once per (device,
nonce): a scan already stored answers its stored result (``duplicate``), also when two
uploads of the same batch race (the unique constraint decides). New scans are applied
in ``scanned_at`` order, each in its own transaction (a batch interrupted halfway is
simply uploaded again). A scan the device refused is recorded as it decided (nobody went
in). An entry the device admitted that the server refuses as ``already_in`` (another
device, or the online validate, admitted the ticket first) is recorded as ``conflict``:
the first admission stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from teranga.core.db import integrity_constraint
from teranga.core.errors import Conflict, NotFound, ValidationFailed
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.access import ensure, membership_of

from ..errors import CampusError
from ..models import (
    CheckinList,
    Event,
    Scan,
    ScanDirection,
    ScannerDevice,
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


def _type_ids(checkin_list: CheckinList) -> set:
    return checkin_list.admitted_type_ids


def _list_for(lists: list[CheckinList], ticket: Ticket) -> tuple[CheckinList | None, bool]:
    """The list of ``lists`` that scans ``ticket`` and whether it admits its type."""
    candidates = [cl for cl in lists if cl.event_id == ticket.event_id]
    for cl in candidates:
        types = _type_ids(cl)
        if not types or ticket.ticket_type_id in types:
            return cl, True
    return (candidates[0] if candidates else None), False


def _locked_presence(checkin_list: CheckinList, ticket: Ticket) -> TicketPresence:
    """The ticket's presence at the list, created if missing, locked (in the caller's
    transaction). Two first scans race on the unique constraint: the loser reads (and
    waits for) the winner's row."""
    rows = TicketPresence.objects.select_for_update()
    presence = rows.filter(checkin_list=checkin_list, ticket=ticket).first()
    if presence is not None:
        return presence
    try:
        with transaction.atomic():
            return TicketPresence.objects.create(checkin_list=checkin_list, ticket=ticket)
    except IntegrityError as exc:
        if integrity_constraint(exc, TicketPresence) != "campus_presence_once":
            raise
    return rows.get(checkin_list=checkin_list, ticket=ticket)


def _standing_admission(checkin_list: CheckinList, ticket: Ticket) -> Scan | None:
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


def _entry_result(checkin_list: CheckinList, presence: TicketPresence) -> str:
    if presence.first_entry_at is None:
        return ScanResult.VALID
    if not checkin_list.allow_reentry:
        return ScanResult.ALREADY_IN
    if checkin_list.record_exits and presence.inside:
        return ScanResult.ALREADY_IN
    return ScanResult.VALID


def _apply_scan(
    *,
    lists: list[CheckinList],
    ticket: Ticket | None,
    code: str,
    direction: str,
    scanned_at: datetime,
    time_zone: str,
    user=None,
    device: ScannerDevice | None = None,
    nonce: str = "",
    offline: bool = False,
    local_result: str | None = None,
    now: datetime,
) -> ScanOutcome:
    """Decide and record one scan (inside the caller's transaction)."""
    result: str | None = None
    checkin_list = lists[0]
    if ticket is None:
        result = ScanResult.UNKNOWN
    else:
        found, admits = _list_for(lists, ticket)
        if found is None:
            result = ScanResult.NOT_ON_LIST
        else:
            checkin_list = found
            if ticket.status != TicketStatus.VALID:
                result = ScanResult.CANCELLED
            elif not admits:
                result = ScanResult.NOT_ON_LIST
    if result is None and offline and local_result and local_result != ScanResult.VALID:
        # The device refused it: nobody went in, whatever we would have said.
        result = local_result
    presence = None
    standing = None
    if result is None:
        presence = _locked_presence(checkin_list, ticket)
        if direction == ScanDirection.EXIT:
            result = ScanResult.VALID
        else:
            result = _entry_result(checkin_list, presence)
            if result == ScanResult.ALREADY_IN:
                standing = _standing_admission(checkin_list, ticket)
                if offline:
                    result = ScanResult.CONFLICT
    scan = Scan.objects.create(
        checkin_list=checkin_list,
        ticket=ticket,
        code=code,
        direction=direction,
        result=result,
        scanned_at=scanned_at,
        scanned_by=user if user is not None and user.is_authenticated else None,
        device=device,
        nonce=nonce,
        offline=offline,
    )
    if presence is not None and result in (ScanResult.VALID, ScanResult.CONFLICT):
        if direction == ScanDirection.ENTRY:
            presence.inside = True
            if presence.first_entry_at is None or scanned_at < presence.first_entry_at:
                presence.first_entry_at = scanned_at
        else:
            presence.inside = False
        if result == ScanResult.VALID:
            presence.last_scan = scan
        presence.save(update_fields=["inside", "first_entry_at", "last_scan", "updated_at"])
        # The scanners' delta sync reads what changed on the ticket since their cursor.
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    outcome = ScanOutcome(
        result=result,
        message="",
        checkin_list=checkin_list,
        ticket=ticket,
        scan=scan,
        direction=direction,
        nonce=nonce,
    )
    if result == ScanResult.VALID and direction == ScanDirection.ENTRY:
        outcome.checked_in_at = scanned_at
        outcome.checked_in_by = _actor_name(scan)
    elif standing is not None:
        outcome.checked_in_at = standing.scanned_at
        outcome.checked_in_by = _actor_name(standing)
    outcome.message = outcome_message(
        result,
        direction=direction,
        at=outcome.checked_in_at if result != ScanResult.VALID else None,
        by=outcome.checked_in_by,
        time_zone=time_zone,
    )
    return outcome


def _lists(**filters) -> list[CheckinList]:
    """The lists (with their organisation), each with ``admitted_type_ids``: two plain
    queries."""
    lists = list(CheckinList.objects.select_related("organization").filter(**filters))
    admitted: dict = {cl.pk: set() for cl in lists}
    if lists:
        through = CheckinList.ticket_types.through.objects.filter(checkinlist_id__in=list(admitted))
        for list_id, type_id in through.values_list("checkinlist_id", "tickettype_id"):
            admitted[list_id].add(type_id)
    for cl in lists:
        cl.admitted_type_ids = admitted[cl.pk]
    return lists


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


def _tickets_by_code(organization_id, codes) -> dict[str, Ticket]:
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


def _lookup(tickets: dict[str, Ticket], code: str) -> Ticket | None:
    return tickets.get(code) or tickets.get(code.upper())


# --- Online -----------------------------------------------------------------------------


def _lists_for_staff(*, user, list_ids) -> list[CheckinList]:
    keys = [parse_uuid(value) for value in list_ids]
    unique = set(keys)
    if None in unique:
        raise NotFound(code=CampusError.CHECKIN_LIST_NOT_FOUND)
    lists = _lists(pk__in=unique)
    if len(lists) != len(unique):
        raise NotFound(code=CampusError.CHECKIN_LIST_NOT_FOUND)
    if len({cl.organization_id for cl in lists}) > 1:
        raise ValidationFailed(
            code=CampusError.INVALID_CHECKIN_LISTS,
            fields={"lists": [_("Choose lists of one organiser.")]},
        )
    organization = lists[0].organization
    try:
        ensure(user, organization, SCAN_ACTION, membership_of(user, organization))
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

    The reads (lists, access, the ticket) come before the write transaction: on SQLite
    a write transaction holds the one write lock from its start, so it stays short."""
    now = now or timezone.now()
    code = code_from_scan(code)
    lists = _lists_for_staff(user=user, list_ids=list_ids)
    organization = lists[0].organization
    ticket = _lookup(_tickets_by_code(organization.pk, [code]), code) if code else None
    with transaction.atomic():
        return _apply_scan(
            lists=lists,
            ticket=ticket,
            code=code,
            direction=direction,
            scanned_at=now,
            time_zone=organization.time_zone,
            user=user,
            now=now,
        )


# --- Offline uploads --------------------------------------------------------------------


@dataclass
class UploadReport:
    outcomes: list[ScanOutcome]
    accepted: int = 0
    refused: int = 0
    duplicates: int = 0
    conflicts: int = 0


def _stored_outcome(scan: Scan, time_zone: str) -> ScanOutcome:
    return ScanOutcome(
        result=scan.result,
        message=outcome_message(scan.result, direction=scan.direction, time_zone=time_zone),
        checkin_list=scan.checkin_list,
        ticket=scan.ticket,
        scan=scan,
        direction=scan.direction,
        nonce=scan.nonce,
        duplicate=True,
    )


def _stored_scans(device: ScannerDevice, nonces) -> dict[str, Scan]:
    rows = Scan.objects.select_related(
        "checkin_list", "ticket__ticket_type", "ticket__holder", "ticket__event"
    ).filter(device=device, nonce__in=list(nonces))
    return {scan.nonce: scan for scan in rows}


def scans_upload(
    *, device: ScannerDevice, scans: list[dict], now: datetime | None = None
) -> UploadReport:
    """Apply the device's scans (``nonce``, ``code``, ``list``, ``direction``,
    ``scanned_at``, optional ``offline`` (default true) and ``local_result``), each
    counted once per (device, nonce). Lists must be the device organisation's (400
    ``invalid_checkin_lists`` otherwise, nothing recorded). The report lists each
    nonce's final result in the order given."""
    now = now or timezone.now()
    organization = device.organization
    time_zone = organization.time_zone
    if len(scans) > MAX_UPLOAD:
        raise ValidationFailed(
            fields={"scans": [_("At most %(n)d scans at once.") % {"n": MAX_UPLOAD}]}
        )
    list_keys = {parse_uuid(item["list"]) for item in scans}
    lists = {cl.pk: cl for cl in _lists(organization=organization, pk__in=list_keys)}
    if None in list_keys or len(lists) != len(list_keys):
        raise ValidationFailed(
            code=CampusError.INVALID_CHECKIN_LISTS,
            fields={"scans": [_("Some scans name a list that is not one of this organiser's.")]},
        )
    stored = _stored_scans(device, {item["nonce"] for item in scans})
    by_nonce: dict[str, ScanOutcome] = {}
    fresh: list[dict] = []
    seen: set[str] = set()
    for item in scans:
        nonce = item["nonce"]
        if nonce in stored or nonce in seen:
            continue
        seen.add(nonce)
        fresh.append(item)
    codes = {code_from_scan(item["code"]) for item in fresh}
    tickets = _tickets_by_code(organization.pk, [c for c in codes if c])
    report = UploadReport(outcomes=[])
    latest = now + CLOCK_SKEW
    for item in sorted(fresh, key=lambda i: (i["scanned_at"], i["nonce"])):
        code = code_from_scan(item["code"])
        try:
            with transaction.atomic():
                outcome = _apply_scan(
                    lists=[lists[parse_uuid(item["list"])]],
                    ticket=_lookup(tickets, code) if code else None,
                    code=code,
                    direction=item["direction"],
                    scanned_at=min(item["scanned_at"], latest),
                    time_zone=time_zone,
                    device=device,
                    nonce=item["nonce"],
                    offline=item.get("offline", True),
                    local_result=item.get("local_result") or None,
                    now=now,
                )
        except IntegrityError as exc:
            if integrity_constraint(exc, Scan) != "campus_scan_nonce_once":
                raise
            # The same scan uploaded at the same moment by another request: stored once.
            scan = _stored_scans(device, [item["nonce"]])[item["nonce"]]
            outcome = _stored_outcome(scan, time_zone)
        by_nonce[item["nonce"]] = outcome
    reported: set[str] = set()
    for item in scans:
        nonce = item["nonce"]
        if nonce in by_nonce and nonce not in reported:
            outcome = by_nonce[nonce]
            reported.add(nonce)
        else:  # stored before, or twice in this batch
            outcome = _stored_outcome(stored.get(nonce) or by_nonce[nonce].scan, time_zone)
        report.outcomes.append(outcome)
        if outcome.duplicate:
            report.duplicates += 1
        elif outcome.result == ScanResult.VALID:
            report.accepted += 1
        elif outcome.result == ScanResult.CONFLICT:
            report.conflicts += 1
        else:
            report.refused += 1
    return report
