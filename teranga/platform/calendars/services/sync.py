"""Both directions of the sync, run in the background one connection at a time.

* **Outward** (:func:`connection_push`): the user's personal calendar — exactly what the
  personal agenda and iCal feed hold (``scheduling.ical.personal_entries``: their
  bookings in every product and the products' calendar entries) — from a day ago to
  ``CALENDAR_SYNC_DAYS`` ahead, diffed against :class:`PushedEvent` (uid -> the
  provider's event id and a hash of what it said): new entries are created, changed ones
  updated, cancelled or vanished ones deleted. Running it twice changes nothing the
  second time, and the provider side is idempotent too (Google's event id and Graph's
  ``transactionId`` derive from the uid).
* **Inward** (:func:`connection_pull`): the calendars that block slots are read
  incrementally (Google's sync token, Graph's delta link; a full listing the first time,
  after an expired cursor, and every night) into :class:`BusyInterval` rows, which the
  scheduling engine reads through its busy source. Our own pushed events never count.
  Push channels (Google watch channels, Graph subscriptions) are opened here and renewed
  by the periodic job.

Work arrives as :class:`SyncRequest` rows, recorded in the transaction of what caused it
(a booking changed, a notification came, the periodic reconcile) and processed after
commit by :func:`sync_request_process`. A failure backs off exponentially
(``next_attempt_at``, on the request and on the connection); a revoked grant
(``invalid_grant``, or 401 right after a refresh) marks the connection revoked, drops its
tokens and busy times, and tells its user.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from teranga.core.encryption import keyed_hash
from teranga.core.limits import ERROR_MAX_LENGTH
from teranga.core.links import object_link
from teranga.core.locks import exclusive
from teranga.platform.notifications.services import notification_send
from teranga.platform.scheduling.ical import personal_entries
from teranga.platform.scheduling.sources import CalendarEntry, EntryStatus

from ..models import (
    BusyInterval,
    CalendarConnection,
    ConnectionStatus,
    ExternalCalendar,
    PushedEvent,
    SyncKind,
    SyncRequest,
    SyncStatus,
)
from ..notices import CONNECTION_REVOKED
from ..providers.base import (
    CalendarProvider,
    CursorExpired,
    GrantRevoked,
    OutboundEvent,
    ProviderError,
    Watch,
)
from ..providers.registry import calendar_providers

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: A token is refreshed when it has less than this left.
TOKEN_MARGIN = timedelta(minutes=2)
#: Backoff: the first retry after a minute, doubling, at most six hours apart; a request
#: is given up after this many attempts (the periodic reconcile records a new one).
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 8
#: How far back the sync looks; how far ahead is ``CALENDAR_SYNC_DAYS``.
SYNC_PAST = timedelta(days=1)
#: Channels are renewed when they have less than this left.
WATCH_RENEW_BEFORE = timedelta(days=1)
LOCK_WAIT = 30.0
SECRET_PURPOSE = "calendars.watch"
#: The link kind of a connection (the app's screen of it), registered by the app.
LINK_KIND = "calendars.connection"
#: Mappings of entries that ended this long before the sync window are forgotten.
MAPPING_RETENTION = timedelta(days=30)


def sync_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    return now - SYNC_PAST, now + timedelta(days=settings.CALENDAR_SYNC_DAYS)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th consecutive failure."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def provider_of(connection: CalendarConnection) -> CalendarProvider:
    return calendar_providers.get(connection.provider)


# --- Recording work -----------------------------------------------------------------------


def _enqueue(request_ids: list[str]) -> None:
    for request_id in request_ids:
        transaction.on_commit(
            lambda rid=request_id: sync_request_process_task.enqueue(request_id=rid), robust=True
        )


def sync_requests_record(
    *,
    connections: Iterable[CalendarConnection],
    kind: str,
    reason: str,
    calendar: ExternalCalendar | None = None,
    dedupe: bool = False,
) -> list[SyncRequest]:
    """One pending request per connection, in the caller's transaction; processed after
    commit (and by the periodic retry if the hand-over is lost). ``dedupe`` (the periodic
    reconcile): a connection that has the same request waiting gets no second one. A
    change always records its own: a request being processed may have read too early."""
    connections = list(connections)
    if not connections:
        return []
    pending = set()
    if dedupe:
        pending = set(
            SyncRequest.objects.filter(
                connection__in=connections, kind=kind, calendar=calendar, status=SyncStatus.PENDING
            ).values_list("connection_id", flat=True)
        )
    requests = SyncRequest.objects.bulk_create(
        [
            SyncRequest(connection=c, kind=kind, calendar=calendar, reason=reason[:60])
            for c in connections
            if c.pk not in pending
        ]
    )
    _enqueue([str(request.pk) for request in requests])
    return requests


def users_push_record(*, user_ids: Iterable, reason: str) -> list[SyncRequest]:
    """The users' entries changed: push them to each of their live connections."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return []
    connections = CalendarConnection.objects.filter(
        user_id__in=ids, status__in=[ConnectionStatus.ACTIVE, ConnectionStatus.ERROR]
    )
    return sync_requests_record(connections=connections, kind=SyncKind.PUSH, reason=reason)


def booking_changed(booking, action: str) -> None:
    """The scheduling engine's booking observer: the booking's client and the staff member
    who is its resource see it in their calendars (two queries, in its transaction)."""
    resource_user = booking.resource.user_id if booking.resource_id else None
    users_push_record(user_ids=[booking.client_id, resource_user], reason=f"booking_{action}")


# --- Tokens and revocation --------------------------------------------------------------------


def connection_revoked(*, connection: CalendarConnection) -> None:
    """The provider refused our grant: stop, forget the tokens and the busy times, and
    tell the user (once per revocation)."""
    now = timezone.now()
    with transaction.atomic():
        locked = CalendarConnection.objects.select_for_update().get(pk=connection.pk)
        if locked.status == ConnectionStatus.REVOKED:
            return
        locked.status = ConnectionStatus.REVOKED
        locked.revoked_at = now
        locked.access_token = ""
        locked.refresh_token = ""
        locked.access_expires_at = None
        locked.next_attempt_at = None
        locked.last_error = "The provider revoked the grant."
        locked.save()
        BusyInterval.objects.filter(calendar__connection=locked).delete()
        ExternalCalendar.objects.filter(connection=locked).update(
            sync_cursor="",
            watch_id="",
            watch_resource_id="",
            watch_secret_hash="",
            watch_expires_at=None,
        )
        SyncRequest.objects.filter(connection=locked, status=SyncStatus.PENDING).update(
            status=SyncStatus.FAILED, last_error="revoked"
        )
        notification_send(
            recipient=locked.user,
            kind=CONNECTION_REVOKED,
            context={"provider": locked.provider, "account": locked.account},
            link=object_link(LINK_KIND, locked.pk),
            idempotency_key=f"calendars:revoked:{locked.pk}:{now.isoformat()}",
        )
    connection.status = ConnectionStatus.REVOKED


def _store_tokens(connection: CalendarConnection, tokens) -> None:
    connection.access_token = tokens.access_token
    connection.access_expires_at = timezone.now() + timedelta(seconds=tokens.expires_in)
    fields = ["access_token", "access_expires_at", "updated_at"]
    if tokens.refresh_token:
        connection.refresh_token = tokens.refresh_token
        fields.append("refresh_token")
    connection.save(update_fields=fields)


def access_token(connection: CalendarConnection, *, force_refresh: bool = False) -> str:
    """A live access token, refreshed when it is about to expire (or ``force_refresh``).
    GrantRevoked marks the connection revoked before it propagates."""
    if connection.status == ConnectionStatus.REVOKED:
        raise GrantRevoked("the connection was revoked")
    fresh = (
        connection.access_token
        and connection.access_expires_at
        and connection.access_expires_at > timezone.now() + TOKEN_MARGIN
    )
    if fresh and not force_refresh:
        return connection.access_token
    if not connection.refresh_token:
        connection_revoked(connection=connection)
        raise GrantRevoked("no refresh token")
    try:
        tokens = provider_of(connection).refresh(refresh_token=connection.refresh_token)
    except GrantRevoked:
        connection_revoked(connection=connection)
        raise
    _store_tokens(connection, tokens)
    return connection.access_token


def with_token(connection: CalendarConnection, call: Callable[[str], T]) -> T:
    """``call(access_token)``; a 401 refreshes the token once and tries again, and a 401
    right after a refresh means the grant is gone."""
    try:
        return call(access_token(connection))
    except ProviderError as exc:
        if exc.code != "unauthorized":
            raise
    token = access_token(connection, force_refresh=True)
    try:
        return call(token)
    except ProviderError as exc:
        if exc.code == "unauthorized":
            connection_revoked(connection=connection)
            raise GrantRevoked() from exc
        raise


# --- Outward ------------------------------------------------------------------------------------


def _content_hash(entry: CalendarEntry, calendar_id: str) -> str:
    text = "\x1f".join(
        [
            calendar_id,
            entry.title,
            entry.starts_at.isoformat(),
            entry.ends_at.isoformat(),
            str(entry.status),
            entry.location,
            entry.url,
            entry.description,
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _outbound(entry: CalendarEntry) -> OutboundEvent:
    return OutboundEvent(
        uid=entry.uid,
        title=entry.title[:1000],
        starts_at=entry.starts_at,
        ends_at=entry.ends_at,
        description=entry.description[:8000],
        location=entry.location[:1000],
        url=entry.url,
        tentative=entry.status == EntryStatus.TENTATIVE,
    )


def connection_push(*, connection: CalendarConnection, now: datetime | None = None) -> dict:
    """Make the target calendar hold the user's entries of the sync window; returns the
    counts of what it did (``created``, ``updated``, ``deleted``)."""
    done = {"created": 0, "updated": 0, "deleted": 0}
    provider = provider_of(connection)
    target = connection.calendars.filter(receives_events=True).first()
    starts_from, ends_before = sync_window(now)
    entries = {
        entry.uid: entry
        for entry in personal_entries(
            user=connection.user, starts_from=starts_from, ends_before=ends_before
        )
    }
    PushedEvent.objects.filter(
        connection=connection, ends_at__lt=starts_from - MAPPING_RETENTION
    ).delete()
    pushed = {p.uid: p for p in PushedEvent.objects.filter(connection=connection)}

    def delete(mapping: PushedEvent) -> None:
        with_token(
            connection,
            lambda token: provider.event_delete(
                access_token=token, calendar_id=mapping.calendar_id, external_id=mapping.external_id
            ),
        )
        mapping.delete()
        done["deleted"] += 1

    for uid, mapping in list(pushed.items()):
        entry = entries.get(uid)
        gone = entry is None and mapping.ends_at > starts_from  # left the calendar
        moved = target is None or mapping.calendar_id != target.external_id
        if gone or moved or (entry is not None and entry.status == EntryStatus.CANCELLED):
            delete(mapping)
            del pushed[uid]
    if target is None:
        return done
    for uid, entry in entries.items():
        if entry.status == EntryStatus.CANCELLED:
            continue
        mapping = pushed.get(uid)
        digest = _content_hash(entry, target.external_id)
        if mapping is not None and mapping.content_hash == digest:
            continue
        external_id = with_token(
            connection,
            lambda token, entry=entry, mapping=mapping: provider.event_put(
                access_token=token,
                calendar_id=target.external_id,
                event=_outbound(entry),
                external_id=mapping.external_id if mapping else None,
            ),
        )
        values = {
            "calendar_id": target.external_id,
            "external_id": external_id,
            "content_hash": digest,
            "starts_at": entry.starts_at,
            "ends_at": entry.ends_at,
        }
        PushedEvent.objects.update_or_create(connection=connection, uid=uid, defaults=values)
        done["updated" if mapping else "created"] += 1
    return done


# --- Inward ---------------------------------------------------------------------------------------


def _webhook_address(provider: str) -> str:
    # Webhooks are the providers' (not people's) way in: an API address is right here.
    from django.urls import reverse

    from teranga.core.links import public_base

    return public_base() + reverse("calendars:webhook", kwargs={"provider": provider})


def _ensure_watch(
    connection: CalendarConnection, calendar: ExternalCalendar, now: datetime
) -> None:
    provider = provider_of(connection)
    if not provider.push_notifications:
        return
    if (
        calendar.watch_id
        and calendar.watch_expires_at
        and calendar.watch_expires_at > now + WATCH_RENEW_BEFORE
    ):
        return
    secret = secrets.token_urlsafe(32)
    address = _webhook_address(connection.provider)
    if calendar.watch_id:
        current = Watch(
            calendar.watch_id, calendar.watch_resource_id, calendar.watch_expires_at or now
        )
        watch = with_token(
            connection,
            lambda token: provider.renew(
                access_token=token,
                calendar_id=calendar.external_id,
                watch=current,
                address=address,
                secret=secret,
            ),
        )
    else:
        watch = with_token(
            connection,
            lambda token: provider.watch(
                access_token=token,
                calendar_id=calendar.external_id,
                address=address,
                secret=secret,
                channel_id=str(uuid.uuid4()),
            ),
        )
    # A renewed Graph subscription keeps its id and its clientState; a new channel (Google
    # renews by opening one) carries the new secret.
    if watch.id != calendar.watch_id or not calendar.watch_secret_hash:
        calendar.watch_secret_hash = keyed_hash(secret, purpose=SECRET_PURPOSE)
    calendar.watch_id = watch.id
    calendar.watch_resource_id = watch.resource_id
    calendar.watch_expires_at = watch.expires_at
    calendar.save(
        update_fields=[
            "watch_id",
            "watch_resource_id",
            "watch_secret_hash",
            "watch_expires_at",
            "updated_at",
        ]
    )


def _apply_changes(connection, calendar: ExternalCalendar, changes, now: datetime) -> None:
    ours = set(
        PushedEvent.objects.filter(connection=connection).values_list("external_id", flat=True)
    )
    starts_from, ends_before = sync_window(now)
    busy = {}
    removed = set()
    for change in changes.changes:
        if not change.event_id:
            continue
        if change.event_id in ours or not change.busy:
            removed.add(change.event_id)
            busy.pop(change.event_id, None)
        elif change.ends_at > starts_from and change.starts_at < ends_before:
            busy[change.event_id] = change
            removed.discard(change.event_id)
        else:
            removed.add(change.event_id)
    with transaction.atomic():
        if changes.full:
            BusyInterval.objects.filter(calendar=calendar).exclude(
                external_event_id__in=list(busy)
            ).delete()
        elif removed:
            BusyInterval.objects.filter(
                calendar=calendar, external_event_id__in=list(removed)
            ).delete()
        existing = {
            row.external_event_id: row
            for row in BusyInterval.objects.filter(
                calendar=calendar, external_event_id__in=list(busy)
            )
        }
        create = []
        for event_id, change in busy.items():
            row = existing.get(event_id)
            if row is None:
                create.append(
                    BusyInterval(
                        user_id=connection.user_id,
                        calendar=calendar,
                        external_event_id=event_id[:1024],
                        starts_at=change.starts_at,
                        ends_at=change.ends_at,
                    )
                )
            elif (row.starts_at, row.ends_at) != (change.starts_at, change.ends_at):
                row.starts_at, row.ends_at = change.starts_at, change.ends_at
                row.save(update_fields=["starts_at", "ends_at", "updated_at"])
        BusyInterval.objects.bulk_create(create)
        calendar.sync_cursor = changes.cursor[:4000]
        fields = ["sync_cursor", "updated_at"]
        if changes.full:
            calendar.last_full_sync_at = now
            fields.append("last_full_sync_at")
        calendar.save(update_fields=fields)


def calendar_pull(
    *, connection: CalendarConnection, calendar: ExternalCalendar, now: datetime | None = None
) -> None:
    """Read what changed in one calendar that blocks slots (in full without a cursor, or
    when the cursor expired), and keep its push channel open."""
    now = now or timezone.now()
    provider = provider_of(connection)
    window = sync_window(now)

    def read(cursor: str):
        return with_token(
            connection,
            lambda token: provider.changes(
                access_token=token, calendar_id=calendar.external_id, cursor=cursor, window=window
            ),
        )

    try:
        changes = read(calendar.sync_cursor)
    except CursorExpired:
        changes = read("")
    _apply_changes(connection, calendar, changes, now)
    _ensure_watch(connection, calendar, now)


def connection_pull(
    *, connection: CalendarConnection, calendar: ExternalCalendar | None = None
) -> None:
    calendars = connection.calendars.filter(blocks_slots=True)
    if calendar is not None:
        calendars = calendars.filter(pk=calendar.pk)
    for one in calendars:
        calendar_pull(connection=connection, calendar=one)


# --- Processing requests --------------------------------------------------------------------------


def _record_failure(
    request: SyncRequest | None, connection: CalendarConnection, exc: Exception
) -> None:
    now = timezone.now()
    message = f"{type(exc).__name__}: {getattr(exc, 'code', '') or exc}"[:ERROR_MAX_LENGTH]
    logger.warning(
        "calendar sync failed",
        extra={"connection": str(connection.pk), "provider": connection.provider, "error": message},
    )
    connection.failures += 1
    connection.status = ConnectionStatus.ERROR
    connection.next_attempt_at = now + backoff(connection.failures)
    connection.last_error = message
    connection.save(
        update_fields=["failures", "status", "next_attempt_at", "last_error", "updated_at"]
    )
    if request is None:
        return
    request.attempts += 1
    request.last_error = message
    if request.attempts >= MAX_ATTEMPTS:
        request.status = SyncStatus.FAILED
        request.next_attempt_at = None
    else:
        request.next_attempt_at = now + backoff(request.attempts)
    request.save(
        update_fields=["attempts", "last_error", "status", "next_attempt_at", "updated_at"]
    )


def _record_success(connection: CalendarConnection) -> None:
    connection.failures = 0
    connection.status = ConnectionStatus.ACTIVE
    connection.next_attempt_at = None
    connection.last_error = ""
    connection.last_synced_at = timezone.now()
    connection.save(
        update_fields=[
            "failures",
            "status",
            "next_attempt_at",
            "last_error",
            "last_synced_at",
            "updated_at",
        ]
    )


def sync_request_process(*, request_id) -> str:
    """Do one request if it is still pending and due; returns its status afterwards.
    Work of one connection never runs twice at once (a named lock); a request that finds
    the lock taken is retried a minute later."""
    request = (
        SyncRequest.objects.select_related("connection", "connection__user", "calendar")
        .filter(pk=request_id)
        .first()
    )
    now = timezone.now()
    if request is None or request.status != SyncStatus.PENDING:
        return request.status if request else "missing"
    if request.next_attempt_at and request.next_attempt_at > now:
        return request.status
    connection = request.connection
    if connection.status == ConnectionStatus.REVOKED:
        SyncRequest.objects.filter(pk=request.pk).update(
            status=SyncStatus.FAILED, last_error="revoked"
        )
        return SyncStatus.FAILED
    with exclusive(f"calendars.connection:{connection.pk}", wait=LOCK_WAIT) as held:
        if not held:
            SyncRequest.objects.filter(pk=request.pk).update(next_attempt_at=now + BACKOFF_BASE)
            return SyncStatus.PENDING
        # Another worker may have done it while this one waited.
        if not SyncRequest.objects.filter(pk=request.pk, status=SyncStatus.PENDING).exists():
            return SyncStatus.DONE
        try:
            if request.kind == SyncKind.PUSH:
                connection_push(connection=connection)
            else:
                connection_pull(connection=connection, calendar=request.calendar)
        except GrantRevoked:
            if connection.status != ConnectionStatus.REVOKED:
                connection_revoked(connection=connection)
            return SyncStatus.FAILED
        except (ProviderError, IntegrityError) as exc:
            _record_failure(request, connection, exc)
            return request.status
        SyncRequest.objects.filter(pk=request.pk).update(
            status=SyncStatus.DONE, processed_at=timezone.now(), last_error=""
        )
        _record_success(connection)
        return SyncStatus.DONE


def sync_requests_due(*, now: datetime | None = None, limit: int = 200) -> list[str]:
    """Pending requests to (re)try: due after a backoff, or never handed over (older than
    a minute without an attempt)."""
    now = now or timezone.now()
    due = Q(next_attempt_at__lte=now) | Q(
        next_attempt_at__isnull=True, created_at__lte=now - BACKOFF_BASE
    )
    return [
        str(pk)
        for pk in SyncRequest.objects.filter(due, status=SyncStatus.PENDING)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    ]


@transaction.atomic
def connections_reconcile_record(*, now: datetime | None = None, full: bool = False) -> int:
    """The periodic reconcile: a push and a pull for every live connection that is not
    backing off; ``full`` forgets the cursors first (the nightly full resync)."""
    now = now or timezone.now()
    connections = list(
        CalendarConnection.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            status__in=[ConnectionStatus.ACTIVE, ConnectionStatus.ERROR],
        )
    )
    if full:
        ExternalCalendar.objects.filter(connection__in=connections).update(sync_cursor="")
    for kind in (SyncKind.PUSH, SyncKind.PULL):
        sync_requests_record(connections=connections, kind=kind, reason="reconcile", dedupe=True)
    return len(connections)


def watches_renew(*, now: datetime | None = None) -> int:
    """Renew the push channels that expire within a day (each calendar under its
    connection's lock); returns how many were renewed."""
    now = now or timezone.now()
    calendars = ExternalCalendar.objects.filter(
        blocks_slots=True,
        watch_expires_at__lte=now + WATCH_RENEW_BEFORE,
        connection__status=ConnectionStatus.ACTIVE,
    ).select_related("connection")[:200]
    renewed = 0
    for calendar in calendars:
        connection = calendar.connection
        with exclusive(f"calendars.connection:{connection.pk}", wait=LOCK_WAIT) as held:
            if not held:
                continue
            try:
                _ensure_watch(connection, calendar, now)
            except GrantRevoked:
                continue
            except ProviderError as exc:
                _record_failure(None, connection, exc)
                continue
            renewed += 1
    return renewed


# The task lives beside the service it runs (as in notifications and payments), so that
# recording work needs no import of ``tasks`` (which imports these services).
@task()
def sync_request_process_task(*, request_id: str) -> str:
    return str(sync_request_process(request_id=request_id))
