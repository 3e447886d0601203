"""Bookings: creation under lock, holds, confirmation, cancellation and rescheduling
within policy, completion and no-shows, each with its history row and its notices; and
the re-check that flags (never drops) bookings a change of availability left out.

Bookings are created and moved under a lock: the resource row first, then the client's
user row (always in that order, so two bookings never deadlock). On PostgreSQL those are
``SELECT … FOR UPDATE`` row locks, and an exclusion constraint (btree_gist over a
``tstzrange``) backs up the "no two overlapping bookings per client" rule; on SQLite the
transaction is IMMEDIATE, so writers queue. Inside the lock the slot is recomputed from
the database, which is what makes "never above capacity" hold under concurrency.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.db import integrity_constraint
from teranga.core.errors import Conflict, Gone, NotFound, ValidationFailed
from teranga.core.holds import HeldOrderKind, hold_until, holds_expire_kind
from teranga.core.state_machine import StateMachine
from teranga.platform.organizations.models import Organization
from teranga.platform.scheduling.errors import SchedulingError

from .. import notices
from ..availability import (
    OccupancyIndex,
    SlotPolicy,
    candidate_starts,
    load_availability,
    load_occupations,
    occupying_q,
    remaining_capacity,
    windows_utc,
    zone,
)
from ..hooks import booking_changed
from ..models import (
    Booking,
    BookingEvent,
    BookingStatus,
    Resource,
)


def hold_duration() -> timedelta:
    """How long a hold keeps its slot: ``BOOKING_HOLD_MINUTES`` (5 by default)."""
    return timedelta(minutes=settings.TERANGA["BOOKING_HOLD_MINUTES"])


#: status -> statuses it may move to.
TRANSITIONS: dict[str, set[str]] = {
    BookingStatus.PENDING: {
        BookingStatus.CONFIRMED,
        BookingStatus.CANCELLED_BY_CLIENT,
        BookingStatus.CANCELLED_BY_BUSINESS,
        BookingStatus.EXPIRED,
    },
    BookingStatus.CONFIRMED: {
        BookingStatus.CANCELLED_BY_CLIENT,
        BookingStatus.CANCELLED_BY_BUSINESS,
        BookingStatus.COMPLETED,
        BookingStatus.NO_SHOW,
    },
}


# --- Bookings -------------------------------------------------------------------------------


def _event(
    booking: Booking,
    action: str,
    *,
    from_status: str = "",
    actor=None,
    reason: str = "",
    previous_starts_at: datetime | None = None,
) -> BookingEvent:
    event = BookingEvent.objects.create(
        booking=booking,
        action=action,
        from_status=from_status,
        to_status=booking.status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
        previous_starts_at=previous_starts_at,
        starts_at=booking.starts_at,
    )
    # Every change has its history row: the observers (``hooks``) hear of each, here.
    booking_changed(booking, action)
    return event


def _transition_event(
    booking: Booking,
    from_status: str,
    to_status: str,
    *,
    now: datetime,
    action: str,
    actor=None,
    reason: str = "",
) -> BookingEvent:
    return _event(booking, action, from_status=from_status, actor=actor, reason=reason)


def _illegal_message(current: str, target: str) -> str:
    return _("A booking that is %(status)s cannot become %(target)s.") % {
        "status": BookingStatus(current).label,
        "target": BookingStatus(target).label,
    }


#: Every status change of a booking: 409 ``invalid_transition`` outside the table; a
#: confirmation stamps ``confirmed_at``, a cancellation ``cancelled_at``; one event each.
BOOKINGS = StateMachine(
    transitions=TRANSITIONS,
    stamps={
        BookingStatus.CONFIRMED: "confirmed_at",
        BookingStatus.CANCELLED_BY_CLIENT: "cancelled_at",
        BookingStatus.CANCELLED_BY_BUSINESS: "cancelled_at",
    },
    code=SchedulingError.INVALID_TRANSITION,
    message=_illegal_message,
    record=_transition_event,
)


def _lock(resource_id, client_id) -> Resource:
    """The lock order of every booking write: the resource, then the client."""
    resource = (
        Resource.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=resource_id)
    )
    if client_id is not None:
        get_user_model().objects.select_for_update().filter(pk=client_id).first()
    return resource


def _hold_expire(booking: Booking, *, now: datetime) -> None:
    """The held-order callback (``teranga.core.holds``): a lapsed hold becomes
    ``expired``, with its history row; no notice (a hold was never announced), and the
    slot is free again by its status alone."""
    BOOKINGS.move(booking, BookingStatus.EXPIRED, now=now, action="expired")


#: Booking holds as a kind of held order: the one periodic job ``core.holds_expire``
#: expires them every minute (the app registers them as ``scheduling.booking``).
BOOKING_HOLDS = HeldOrderKind(model=Booking, pending=BookingStatus.PENDING, expire=_hold_expire)


def holds_expire(*, now: datetime | None = None, resource_id=None, client_id=None) -> int:
    """Turn pending bookings whose hold has run out into ``expired`` (with history), up
    to one batch; only those of ``resource_id`` or ``client_id`` when given (a write
    frees its own scope first, under its locks)."""
    scope = None
    if resource_id is not None or client_id is not None:
        scope = Q()
        if resource_id is not None:
            scope |= Q(resource_id=resource_id)
        if client_id is not None:
            scope |= Q(client_id=client_id)
    return holds_expire_kind(BOOKING_HOLDS, now=now or timezone.now(), scope=scope)


def _ensure_bookable(organization: Organization, resource: Resource) -> None:
    if not organization.is_verified:
        raise Conflict(
            _("This organisation is not verified yet and cannot take bookings."),
            code=SchedulingError.ORGANIZATION_NOT_VERIFIED,
        )
    if not resource.is_active:
        raise Conflict(
            _("This resource is not available for booking."), code=SchedulingError.RESOURCE_INACTIVE
        )


def _check_slot(
    resource: Resource,
    policy: SlotPolicy,
    *,
    offering: str,
    starts_at: datetime,
    now: datetime,
    exclude_booking=None,
    ignore_notice: bool = False,
) -> datetime:
    """The end of the slot starting at ``starts_at`` if it may be booked now; otherwise
    the error that says why."""
    if starts_at <= now:
        raise ValidationFailed(
            _("This time is in the past."),
            code=SchedulingError.BOOKING_IN_PAST,
            fields={"starts_at": [_("This time is in the past.")]},
        )
    if not ignore_notice and starts_at < now + policy.min_notice:
        raise ValidationFailed(
            _("This time is too soon: book further ahead."),
            code=SchedulingError.NOTICE_TOO_SHORT,
            fields={"starts_at": [_("This time is too soon: book further ahead.")]},
        )
    if policy.max_advance is not None and starts_at >= now + policy.max_advance:
        raise ValidationFailed(
            _("This time is too far ahead."),
            code=SchedulingError.TOO_FAR_AHEAD,
            fields={"starts_at": [_("This time is too far ahead.")]},
        )
    local_day = starts_at.astimezone(zone(resource.organization.time_zone)).date()
    data = load_availability(resource, local_day, local_day)
    candidates = candidate_starts(data, policy, starts_at, starts_at + timedelta(microseconds=1))
    if not candidates:
        raise ValidationFailed(
            _("This time is outside the opening hours or availability."),
            code=SchedulingError.OUTSIDE_AVAILABILITY,
            fields={"starts_at": [_("This time is outside the opening hours or availability.")]},
        )
    ends_at = candidates[0][1]
    index = OccupancyIndex(
        load_occupations(
            resource,
            starts_at - policy.buffer_before - policy.buffer_after,
            ends_at + policy.buffer_before + policy.buffer_after,
            now=now,
            exclude_booking=exclude_booking,
        )
    )
    if remaining_capacity(index, policy, offering, starts_at, ends_at) <= 0:
        raise Conflict(_("This slot has just been taken."), code=SchedulingError.SLOT_FULL)
    return ends_at


def _check_client_free(
    client_id, starts_at: datetime, ends_at: datetime, now: datetime, exclude_booking=None
) -> None:
    clash = Booking.objects.filter(
        occupying_q(now), client_id=client_id, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude_booking is not None:
        clash = clash.exclude(pk=exclude_booking)
    if clash.exists():
        raise Conflict(
            _("You already have a booking at that time."), code=SchedulingError.CLIENT_OVERLAP
        )


def _save_checked(booking: Booking, **save_options) -> None:
    """Save, turning the PostgreSQL exclusion constraint (a client's overlapping
    bookings) into the same 409 the checks give."""
    try:
        with transaction.atomic():
            booking.save(**save_options)
    except IntegrityError as exc:
        if integrity_constraint(exc, Booking) == "sched_booking_client_no_overlap":
            raise Conflict(
                _("You already have a booking at that time."), code=SchedulingError.CLIENT_OVERLAP
            )
        raise


@transaction.atomic
def booking_create(
    *,
    resource: Resource,
    client,
    source: str,
    offering: str,
    title: str,
    starts_at: datetime,
    policy: SlotPolicy,
    hold: bool = False,
    confirm: bool = True,
    actor=None,
) -> Booking:
    """Book ``starts_at`` on ``resource`` for ``client``.

    ``hold``: a pending booking that reserves the slot for :func:`hold_duration` while
    payment completes (confirm it with :func:`booking_confirm`). Otherwise the booking is
    confirmed, or pending business confirmation when ``confirm`` is False.
    """
    now = timezone.now()
    resource = _lock(resource.pk, getattr(client, "pk", None))
    organization = resource.organization
    _ensure_bookable(organization, resource)
    holds_expire(now=now, resource_id=resource.pk, client_id=getattr(client, "pk", None))
    ends_at = _check_slot(resource, policy, offering=offering, starts_at=starts_at, now=now)
    if client is not None:
        _check_client_free(client.pk, starts_at, ends_at, now)
    status = BookingStatus.PENDING if (hold or not confirm) else BookingStatus.CONFIRMED
    booking = Booking(
        organization=organization,
        resource=resource,
        client=client,
        source=source,
        offering=offering,
        title=title[:200],
        starts_at=starts_at,
        ends_at=ends_at,
        occupied_from=starts_at - policy.buffer_before,
        occupied_until=ends_at + policy.buffer_after,
        capacity=policy.capacity,
        time_zone=organization.time_zone,
        status=status,
        hold_expires_at=hold_until(now, hold_duration()) if hold else None,
        confirmed_at=now if status == BookingStatus.CONFIRMED else None,
    )
    _save_checked(booking, force_insert=True)
    _event(booking, "created", actor=actor or client)
    if not hold:
        notices.announce(booking, "created")
    return booking


def _get_booking(booking_id, *, lock: bool = True) -> Booking:
    queryset = Booking.objects.filter(pk=booking_id).select_related("organization", "resource")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    booking = queryset.first()
    if booking is None:
        raise NotFound(code=SchedulingError.BOOKING_NOT_FOUND)
    return booking


@transaction.atomic
def booking_confirm(*, booking_id, actor=None) -> Booking:
    """Confirm a pending booking (the business accepts it, or its payment succeeded)."""
    booking = _get_booking(booking_id)
    now = timezone.now()
    if booking.hold_over(now):
        raise Gone(_("The hold on this slot has expired."), code=SchedulingError.HOLD_EXPIRED)
    BOOKINGS.move(
        booking,
        BookingStatus.CONFIRMED,
        now=now,
        fields={"hold_expires_at": None},
        action="confirmed",
        actor=actor,
    )
    notices.announce(booking, "confirmed")
    return booking


@transaction.atomic
def booking_hold_keep(*, booking_id, actor=None) -> Booking:
    """End a held booking's deadline without confirming it: the hold was paid for and the
    booking now waits for the business (a service that requires its confirmation). The
    slot stays taken; the event is recorded, and the booking is announced as created,
    which a hold never was. 410 ``hold_expired`` when the hold already ran out."""
    booking = _get_booking(booking_id)
    now = timezone.now()
    if booking.hold_over(now):
        raise Gone(_("The hold on this slot has expired."), code=SchedulingError.HOLD_EXPIRED)
    if booking.status != BookingStatus.PENDING or booking.hold_expires_at is None:
        return booking  # already kept, confirmed or closed: nothing to end
    booking.hold_expires_at = None
    booking.save(update_fields=["hold_expires_at", "updated_at"])
    _event(booking, "hold_kept", from_status=booking.status, actor=actor)
    notices.announce(booking, "created")
    return booking


@transaction.atomic
def booking_cancel(
    *,
    booking_id,
    by_client: bool,
    actor=None,
    reason: str = "",
    notice: timedelta = timedelta(0),
) -> Booking:
    """Cancel. A client may not cancel less than ``notice`` before the start (the
    offering's policy); the business always may, before the booking is over."""
    booking = _get_booking(booking_id)
    now = timezone.now()
    if by_client and booking.status == BookingStatus.CONFIRMED and booking.starts_at - now < notice:
        raise Conflict(
            _("This booking can no longer be cancelled: the cancellation deadline has passed."),
            code=SchedulingError.CANCELLATION_TOO_LATE,
        )
    target = BookingStatus.CANCELLED_BY_CLIENT if by_client else BookingStatus.CANCELLED_BY_BUSINESS
    previous = BOOKINGS.move(
        booking,
        target,
        now=now,
        fields={"cancellation_reason": reason, "needs_attention": False},
        action="cancelled",
        actor=actor,
        reason=reason,
    )
    if not (previous == BookingStatus.PENDING and booking.hold_expires_at is not None):
        notices.announce(booking, "cancelled")  # a hold that lapses was never announced
    return booking


@transaction.atomic
def booking_reschedule(
    *,
    booking_id,
    starts_at: datetime,
    policy: SlotPolicy,
    by_client: bool,
    actor=None,
    reason: str = "",
    notice: timedelta = timedelta(0),
) -> Booking:
    """Move a booking to another free slot of the same offering and resource. A client
    may not move it less than ``notice`` before its current start."""
    current = _get_booking(booking_id, lock=False)
    resource = _lock(current.resource_id, current.client_id)
    booking = _get_booking(booking_id)
    now = timezone.now()
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        raise Conflict(
            _("Only an upcoming booking can be rescheduled."),
            code=SchedulingError.INVALID_TRANSITION,
        )
    if by_client and booking.starts_at - now < notice:
        raise Conflict(
            _("This booking can no longer be rescheduled: the deadline has passed."),
            code=SchedulingError.RESCHEDULE_TOO_LATE,
        )
    if starts_at == booking.starts_at:
        raise ValidationFailed(
            _("The booking is already at that time."),
            code=SchedulingError.SAME_TIME,
            fields={"starts_at": [_("The booking is already at that time.")]},
        )
    ends_at = _check_slot(
        resource,
        policy,
        offering=booking.offering,
        starts_at=starts_at,
        now=now,
        exclude_booking=booking.pk,
        ignore_notice=not by_client,
    )
    if booking.client_id is not None:
        _check_client_free(booking.client_id, starts_at, ends_at, now, exclude_booking=booking.pk)
    previous_starts_at = booking.starts_at
    booking.starts_at = starts_at
    booking.ends_at = ends_at
    booking.occupied_from = starts_at - policy.buffer_before
    booking.occupied_until = ends_at + policy.buffer_after
    booking.needs_attention = False
    booking.attention_reason = ""
    _save_checked(booking)
    _event(
        booking,
        "rescheduled",
        from_status=booking.status,
        actor=actor,
        reason=reason,
        previous_starts_at=previous_starts_at,
    )
    notices.announce(booking, "rescheduled", previous_starts_at=previous_starts_at)
    return booking


@transaction.atomic
def booking_complete(*, booking_id, actor=None) -> Booking:
    return _close(booking_id, BookingStatus.COMPLETED, "completed", actor)


@transaction.atomic
def booking_no_show(*, booking_id, actor=None) -> Booking:
    return _close(booking_id, BookingStatus.NO_SHOW, "no_show", actor)


def _close(booking_id, status: str, action: str, actor) -> Booking:
    booking = _get_booking(booking_id)
    now = timezone.now()
    if booking.starts_at > now:
        raise Conflict(
            _("A booking can only be marked like this once it has started."),
            code=SchedulingError.BOOKING_NOT_STARTED,
        )
    BOOKINGS.move(
        booking, status, now=now, fields={"needs_attention": False}, action=action, actor=actor
    )
    return booking


# --- Availability changes never silently drop a booking -----------------------------------


def _inside_windows(booking: Booking, windows: list[tuple[datetime, datetime]]) -> bool:
    return any(start <= booking.starts_at and booking.ends_at <= end for start, end in windows)


@transaction.atomic
def bookings_recheck(
    *, organization_id, resource_ids: Iterable | None = None, branch_id=None
) -> list[Booking]:
    """Flag the upcoming bookings that the current availability no longer covers (and
    unflag those it covers again), telling staff about each newly flagged one. Returns
    the bookings newly flagged."""
    now = timezone.now()
    queryset = Booking.objects.filter(
        organization_id=organization_id,
        status__in=[BookingStatus.PENDING, BookingStatus.CONFIRMED],
        starts_at__gt=now,
    ).select_related("resource", "resource__organization")
    if resource_ids is not None:
        queryset = queryset.filter(resource_id__in=list(resource_ids))
    if branch_id is not None:
        queryset = queryset.filter(resource__branch_id=branch_id)
    by_resource: dict[Any, list[Booking]] = {}
    for booking in queryset.select_for_update(of=("self",)).order_by("starts_at")[:5000]:
        by_resource.setdefault(booking.resource_id, []).append(booking)
    flagged: list[Booking] = []
    reason = _("The availability changed: this booking is now outside it.")
    for bookings in by_resource.values():
        resource = bookings[0].resource
        tz = zone(resource.organization.time_zone)
        first = bookings[0].starts_at.astimezone(tz).date()
        last = bookings[-1].ends_at.astimezone(tz).date()
        windows = windows_utc(load_availability(resource, first, last), first, last)
        for booking in bookings:
            inside = _inside_windows(booking, windows)
            if not inside and not booking.needs_attention:
                booking.needs_attention = True
                booking.attention_reason = reason[:200]
                booking.save(update_fields=["needs_attention", "attention_reason", "updated_at"])
                _event(booking, "flagged", from_status=booking.status, reason=reason)
                notices.announce(booking, "needs_attention")
                flagged.append(booking)
            elif inside and booking.needs_attention:
                booking.needs_attention = False
                booking.attention_reason = ""
                booking.save(update_fields=["needs_attention", "attention_reason", "updated_at"])
                _event(booking, "unflagged", from_status=booking.status)
    return flagged
