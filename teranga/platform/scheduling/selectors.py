"""Reads of the scheduling engine: agendas, calendar feeds, one booking for its people."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from teranga.core.errors import NotFound
from teranga.platform.organizations.access import can
from teranga.platform.scheduling.errors import SchedulingError

from .models import Booking, BookingStatus, CalendarFeed

#: What an iCal feed covers, around now.
FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=365)
#: The agenda's default and longest range.
AGENDA_DEFAULT_PAST = timedelta(days=1)
AGENDA_DEFAULT_FUTURE = timedelta(days=60)
AGENDA_MAX_RANGE = timedelta(days=366)


def client_display_name(client) -> str:
    """How the business sees a client: their name, else their email; "" when there is no
    client or their personal data was erased."""
    if client is None or getattr(client, "erased_at", None):
        return ""
    return client.get_full_name()


def visible_q(now: datetime) -> Q:
    """Every booking but lapsed holds (expired, or pending with a hold run out)."""
    return ~Q(status=BookingStatus.EXPIRED) & ~Q(
        status=BookingStatus.PENDING, hold_expires_at__lte=now
    )


def _with_details(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    """Everything an agenda row or a calendar event shows, without a query per row;
    ``reschedules`` counts the moves (the iCal SEQUENCE)."""
    return queryset.select_related(
        "organization", "resource", "resource__branch", "client"
    ).annotate(reschedules=Count("events", filter=Q(events__action="rescheduled")))


def agenda_of(*, user, starts_from: datetime, ends_before: datetime) -> QuerySet[Booking]:
    """ "My agenda" across every product: the bookings where ``user`` is the client, and
    those of the resources that are ``user`` (a staff member's own schedule), which
    overlap ``[starts_from, ends_before)``, in time order. Lapsed holds are left out;
    cancelled bookings stay, with their status."""
    now = timezone.now()
    return _with_details(
        Booking.objects.filter(
            Q(client=user) | Q(resource__user=user),
            visible_q(now),
            starts_at__lt=ends_before,
            ends_at__gt=starts_from,
        )
    ).order_by("starts_at", "pk")


def organization_agenda(
    *, organization_id, starts_from: datetime, ends_before: datetime
) -> QuerySet[Booking]:
    """Every visible booking of one organisation overlapping the range, in time order."""
    now = timezone.now()
    return _with_details(
        Booking.objects.filter(
            visible_q(now),
            organization_id=organization_id,
            starts_at__lt=ends_before,
            ends_at__gt=starts_from,
        )
    ).order_by("starts_at", "pk")


# --- Calendar feeds ---------------------------------------------------------------------


def calendar_feeds_of(*, owner) -> QuerySet[CalendarFeed]:
    """``owner``'s feeds that are not revoked, newest first."""
    return (
        CalendarFeed.objects.filter(owner=owner, revoked_at__isnull=True)
        .select_related("organization")
        .order_by("-created_at")
    )


def feed_token_digest(token: str) -> str:
    """What is stored of a feed's secret token (and looked up): its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_for_token(*, token: str) -> CalendarFeed:
    """The live feed whose secret is ``token``. NotFound if the token is unknown, the feed
    revoked, its owner gone, or (an organisation's feed) its owner no longer allowed to
    see the organisation's bookings."""
    if not token or len(token) > 200:
        raise NotFound(code=SchedulingError.FEED_NOT_FOUND)
    feed = (
        CalendarFeed.objects.filter(token_hash=feed_token_digest(token), revoked_at__isnull=True)
        .select_related("owner", "organization")
        .first()
    )
    if feed is None or not feed.owner.is_active:
        raise NotFound(code=SchedulingError.FEED_NOT_FOUND)
    if feed.organization is not None and not can(feed.owner, feed.organization, "scheduling.view"):
        raise NotFound(code=SchedulingError.FEED_NOT_FOUND)
    return feed


def feed_range() -> tuple[datetime, datetime]:
    """What a feed covers: from :data:`FEED_PAST` ago to :data:`FEED_FUTURE` ahead."""
    now = timezone.now()
    return now - FEED_PAST, now + FEED_FUTURE


def calendar_feed_bookings(*, feed: CalendarFeed) -> QuerySet[Booking]:
    """What ``feed`` shows: its owner's agenda, or its organisation's bookings, from
    :data:`FEED_PAST` ago to :data:`FEED_FUTURE` ahead."""
    now = timezone.now()
    if feed.organization_id is not None:
        return organization_agenda(
            organization_id=feed.organization_id,
            starts_from=now - FEED_PAST,
            ends_before=now + FEED_FUTURE,
        )
    return agenda_of(user=feed.owner, starts_from=now - FEED_PAST, ends_before=now + FEED_FUTURE)


# --- One booking --------------------------------------------------------------------------


def booking_for_viewer(*, user, booking_id) -> Booking:
    """One booking, for its client, the staff member who is its resource, or someone who
    may see the organisation's agenda (``scheduling.view``: agents and above, staff).
    Anyone else — and a lapsed hold — is 404."""
    booking = _with_details(
        Booking.objects.filter(visible_q(timezone.now()), pk=booking_id)
    ).first()
    if booking is None:
        raise NotFound(code=SchedulingError.BOOKING_NOT_FOUND)
    if user.pk in (booking.client_id, booking.resource.user_id):
        return booking
    if can(user, booking.organization, "scheduling.view"):
        return booking
    raise NotFound(code=SchedulingError.BOOKING_NOT_FOUND)
