"""Offline uploads: the scans a scanner device decided offline (or online through its own
token), uploaded in batches of at most :data:`~.checkin.MAX_UPLOAD`.

**Counted once.** Each scan is counted once per (device, nonce): a scan already stored
answers its stored result (``duplicate``), also when two uploads of the same batch race:
the unique constraint ``campus_scan_nonce_once`` decides, the chunk that lost is rolled
back and applied again without the scans the winner stored (answered as stored).

**Few transactions.** New scans are applied in ``scanned_at`` order, :data:`CHUNK` at a
time, each chunk in one transaction: its tickets locked in id order (``SELECT … FOR NO
KEY UPDATE``, the lock the online validate's ``UPDATE`` of the ticket takes, so an
upload and the door never decide on one ticket at once; id order, so two uploads never
deadlock), their presences read in one query, every decision taken in memory in time
order (on the rules of :mod:`.checkin`), then the scans inserted, the presences written
and the changed tickets touched in one statement each. A chunk stays short (on SQLite
it holds the write lock); a batch interrupted halfway is simply uploaded again.

A scan the device refused is recorded as it decided (nobody went in). An entry the
device admitted that the server refuses as ``already_in`` (another device, or the online
validate, admitted the ticket first) is recorded as ``conflict``: the first admission
stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.db import integrity_constraint
from teranga.core.errors import ValidationFailed
from teranga.core.validators import parse_uuid

from ..errors import CampusError
from ..models import (
    Scan,
    ScanDirection,
    ScannerDevice,
    ScanResult,
    Ticket,
    TicketPresence,
    TicketStatus,
)
from .checkin import (
    CLOCK_SKEW,
    MAX_UPLOAD,
    ScanOutcome,
    code_from_scan,
    outcome_message,
    presence_record,
    presence_result,
    scan_lists,
    scan_outcome,
    scan_precheck,
    standing_admission,
    ticket_lookup,
    tickets_by_code,
)

#: Scans applied per transaction.
CHUNK = 100
#: A chunk is applied again at most this many times after losing a nonce to a twin upload
#: (each time without the scans the other stored, so it ends).
MAX_ATTEMPTS = 5


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


@dataclass
class _Batch:
    """What every chunk of one upload shares."""

    device: ScannerDevice
    lists: dict
    tickets: dict[str, Ticket]
    time_zone: str
    now: datetime
    latest: datetime


def _chunk_apply(batch: _Batch, items: list[dict]) -> dict[str, ScanOutcome]:
    """Decide and record ``items`` (in time order) in the caller's transaction."""
    planned = []
    for item in items:
        code = code_from_scan(item["code"])
        ticket = ticket_lookup(batch.tickets, code) if code else None
        offline = item.get("offline", True)
        checkin_list, result = scan_precheck(
            [batch.lists[parse_uuid(item["list"])]],
            ticket,
            offline=offline,
            local_result=item.get("local_result") or None,
        )
        planned.append((item, code, ticket, offline, checkin_list, result))
    ticket_ids = sorted({t.pk for _i, _c, t, _o, _l, r in planned if r is None})
    still_valid: set = set()
    presences: dict = {}
    if ticket_ids:
        still_valid = set(
            Ticket.objects.select_for_update(no_key=True)
            .filter(pk__in=ticket_ids, status=TicketStatus.VALID)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rows = TicketPresence.objects.filter(
            ticket_id__in=ticket_ids, checkin_list_id__in=list(batch.lists)
        )
        presences = {(p.checkin_list_id, p.ticket_id): p for p in rows}
    scans, changed, touched, outcomes = [], {}, set(), {}
    admitted: dict = {}  # (list, ticket) -> its last accepted entry in this chunk
    stood: dict = {}  # (list, ticket) -> its last accepted entry stored before
    for item, code, ticket, offline, checkin_list, result in planned:
        presence = standing = None
        scanned_at = min(item["scanned_at"], batch.latest)
        if result is None and ticket.pk not in still_valid:
            result = ScanResult.CANCELLED
        elif result is None:
            key = (checkin_list.pk, ticket.pk)
            presence = presences.get(key)
            if presence is None:
                presence = presences[key] = TicketPresence(checkin_list=checkin_list, ticket=ticket)
            result = presence_result(checkin_list, presence, item["direction"], offline=offline)
            if result in (ScanResult.ALREADY_IN, ScanResult.CONFLICT):
                if key not in stood:
                    stood[key] = standing_admission(checkin_list, ticket)
                entries = [s for s in (stood[key], admitted.get(key)) if s is not None]
                standing = max(entries, key=lambda s: s.scanned_at, default=None)
        scan = Scan(
            checkin_list=checkin_list,
            ticket=ticket,
            code=code,
            direction=item["direction"],
            result=result,
            scanned_at=scanned_at,
            device=batch.device,
            nonce=item["nonce"],
            offline=offline,
        )
        scans.append(scan)
        if presence is not None and presence_record(presence, scan, now=batch.now):
            changed[id(presence)] = presence
            touched.add(ticket.pk)
            if result == ScanResult.VALID and scan.direction == ScanDirection.ENTRY:
                admitted[(checkin_list.pk, ticket.pk)] = scan
        outcomes[item["nonce"]] = scan_outcome(scan, standing=standing, time_zone=batch.time_zone)
    fresh = [p for p in changed.values() if p._state.adding]
    kept = [p for p in changed.values() if not p._state.adding]
    Scan.objects.bulk_create(scans)
    if fresh:
        TicketPresence.objects.bulk_create(fresh)
    if kept:
        TicketPresence.objects.bulk_update(
            kept, ["inside", "first_entry_at", "last_scan", "updated_at"]
        )
    if touched:
        # The scanners' delta sync reads what changed on the ticket since their cursor.
        Ticket.objects.filter(pk__in=sorted(touched)).update(updated_at=batch.now)
    return outcomes


def _chunk_record(batch: _Batch, items: list[dict]) -> dict[str, ScanOutcome]:
    """Apply a chunk in one transaction; a scan another upload stored meanwhile (same
    device and nonce) is answered as stored, and the rest applied again."""
    outcomes: dict[str, ScanOutcome] = {}
    for _attempt in range(MAX_ATTEMPTS):
        if not items:
            break
        try:
            with transaction.atomic():
                outcomes.update(_chunk_apply(batch, items))
            return outcomes
        except IntegrityError as exc:
            if integrity_constraint(exc, Scan) != "campus_scan_nonce_once":
                raise
        stored = _stored_scans(batch.device, [item["nonce"] for item in items])
        for nonce, scan in stored.items():
            outcomes[nonce] = _stored_outcome(scan, batch.time_zone)
        items = [item for item in items if item["nonce"] not in stored]
    if items:
        raise RuntimeError("scans_upload: a chunk kept losing its nonces")  # pragma: no cover
    return outcomes


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
    lists: dict = {cl.pk: cl for cl in scan_lists(organization=organization, pk__in=list_keys)}
    if None in list_keys or len(lists) != len(list_keys):
        raise ValidationFailed(
            code=CampusError.INVALID_CHECKIN_LISTS,
            fields={"scans": [_("Some scans name a list that is not one of this organiser's.")]},
        )
    stored = _stored_scans(device, {item["nonce"] for item in scans})
    fresh: list[dict] = []
    seen: set[str] = set()
    for item in scans:
        nonce = item["nonce"]
        if nonce in stored or nonce in seen:
            continue
        seen.add(nonce)
        fresh.append(item)
    codes = {code_from_scan(item["code"]) for item in fresh}
    batch = _Batch(
        device=device,
        lists=lists,
        tickets=tickets_by_code(organization.pk, [c for c in codes if c]) if fresh else {},
        time_zone=time_zone,
        now=now,
        latest=now + CLOCK_SKEW,
    )
    ordered = sorted(fresh, key=lambda i: (i["scanned_at"], i["nonce"]))
    by_nonce: dict[str, ScanOutcome] = {}
    for start in range(0, len(ordered), CHUNK):
        by_nonce.update(_chunk_record(batch, ordered[start : start + CHUNK]))
    report = UploadReport(outcomes=[])
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
