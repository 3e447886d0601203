"""Users' positions, kept only while they matter.

A user shares a position when they choose to (``POST /api/v1/smartqueue/location/`` or
the ``/ws/smartqueue/location/`` socket), and only while they have something live: a
ticket still in a queue, or an appointment coming up (:data:`APPOINTMENT_WINDOW`).
Otherwise the position is refused (409 ``no_active_ticket``). One row per user, replaced
by each update, forgotten at ``expires_at`` (:data:`KEEP_FOR` after the last update), on
request (``DELETE``), or by :func:`locations_purge` as soon as nothing is live any more.

A new ticket's origin (region and commune, for the statistics) comes from the position
when there is one (:mod:`..origin`), else from the client's profile region; the position
itself is never copied onto the ticket.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict
from teranga.platform.accounts.models import ClientProfile
from teranga.products.smartqueue.errors import SmartQueueError

from .. import origin
from ..leave_now import leave_now_for_user
from ..models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    Ticket,
    TravelMode,
    UserLocation,
)

KEEP_FOR = timedelta(hours=2)
#: An appointment makes a position worth keeping from this long before its time …
APPOINTMENT_WINDOW = timedelta(hours=12)
#: … until this long after it (check-in may close later; then it is a ticket).
APPOINTMENT_GRACE = timedelta(hours=1)


def _live_tickets():
    return Ticket.objects.filter(status__in=ACTIVE_STATUSES)


def _live_appointments(now: datetime):
    return Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        starts_at__gte=now - APPOINTMENT_GRACE,
        starts_at__lte=now + APPOINTMENT_WINDOW,
    )


def user_has_live_need(user, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        _live_tickets().filter(user=user).exists()
        or _live_appointments(now).filter(user=user).exists()
    )


@transaction.atomic
def location_update(
    *,
    user,
    latitude,
    longitude,
    accuracy_m: int | None = None,
    mode: str | None = None,
    now: datetime | None = None,
):
    """Record ``user``'s position (replacing the last one) and evaluate "leave now" for
    their waiting tickets. Returns ``(location, evaluations)``."""
    now = now or timezone.now()
    if not user_has_live_need(user, now=now):
        raise Conflict(
            _("You have no ticket or appointment today: your position is not needed."),
            code=SmartQueueError.NO_ACTIVE_TICKET,
        )
    location = UserLocation.objects.select_for_update().filter(user=user).first()
    if location is None:
        location = UserLocation(user=user, mode=mode or TravelMode.CAR)
    location.latitude = latitude
    location.longitude = longitude
    location.accuracy_m = accuracy_m
    if mode:
        location.mode = mode
    location.recorded_at = now
    location.expires_at = now + KEEP_FOR
    try:
        with transaction.atomic():
            location.save()
    except IntegrityError:
        # A concurrent first update of the same user created the row: replace it.
        existing = UserLocation.objects.select_for_update().get(user=user)
        location.pk, location._state.adding = existing.pk, False
        location.created_at = existing.created_at
        location.save()
    location.latitude, location.longitude = float(latitude), float(longitude)
    return location, leave_now_for_user(user, location, now=now)


@transaction.atomic
def location_forget(*, user) -> bool:
    """Delete ``user``'s position now; False when there was none."""
    deleted, _detail = UserLocation.objects.filter(user=user).delete()
    return bool(deleted)


def current_location(user, *, now: datetime | None = None) -> UserLocation | None:
    now = now or timezone.now()
    return UserLocation.objects.filter(user=user, expires_at__gt=now).first()


@transaction.atomic
def locations_purge(*, now: datetime | None = None) -> int:
    """Delete the positions that expired, and those of users with nothing live any
    more. Returns how many were deleted."""
    now = now or timezone.now()
    live_ticket = _live_tickets().filter(user_id=OuterRef("user_id"))
    live_appointment = _live_appointments(now).filter(user_id=OuterRef("user_id"))
    expired, _detail = UserLocation.objects.filter(expires_at__lte=now).delete()
    idle, _detail = (
        UserLocation.objects.annotate(t=Exists(live_ticket), a=Exists(live_appointment))
        .filter(t=False, a=False)
        .delete()
    )
    return expired + idle


def ticket_origin(user_id, *, now: datetime | None = None) -> tuple[object, str] | None:
    """Where a new ticket's client comes from, ``(region_id, commune)``: from their
    shared position when there is one, else their profile's region; None when neither
    is known. Read before the ticket is numbered (it needs no lock)."""
    if user_id is None:
        return None
    now = now or timezone.now()
    point = (
        UserLocation.objects.filter(user_id=user_id, expires_at__gt=now)
        .values_list("latitude", "longitude")
        .first()
    )
    place = origin.nearest_place(*point) if point else None
    if place is not None:
        region = origin.region_by_code(place.region_code)
        if region is not None:
            return region.pk, place.commune
        commune = place.commune
    else:
        commune = ""
    region_id = (
        ClientProfile.objects.filter(user_id=user_id).values_list("region_id", flat=True).first()
    )
    if region_id is None and not commune:
        return None
    return region_id, commune
