"""Booking reminders, 24 h and 1 h before the start, sent through notifications.

A reminder of offset X (minutes) is due for a confirmed booking when
``starts_at - X <= now < starts_at``, the booking was made more than X ahead
(``starts_at - created_at > X``: a booking made 3 h ahead only gets the 1 h reminder), and
— for every offset but the shortest — the next shorter reminder is not due yet (the 24 h
reminder is not sent once the 1 h one is).

Idempotency: the :class:`BookingReminder` row (unique per booking, offset and start) and
the notifications are written in one transaction. A second run, a retry or a restart
finds the row and sends nothing; a rescheduled booking has a new start, so it is
reminded again for its new time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.utils import timezone

from . import notices
from .models import Booking, BookingReminder, BookingStatus

#: Minutes before the start, longest first.
REMINDER_OFFSETS: tuple[int, ...] = (24 * 60, 60)
#: Bookings handled per run; the rest wait for the next minute.
BATCH_SIZE = 500


def _minus(field: str, minutes: int) -> ExpressionWrapper:
    return ExpressionWrapper(
        F(field) - Value(timedelta(minutes=minutes)), output_field=DateTimeField()
    )


def _due_q(offset: int, shorter: int | None, now: datetime) -> Q:
    """Bookings whose reminder of ``offset`` is due and not yet recorded."""
    window = Q(starts_at__gt=now, starts_at__lte=now + timedelta(minutes=offset))
    if shorter is not None:  # the shorter reminder takes over once it is due
        window &= Q(starts_at__gt=now + timedelta(minutes=shorter))
    made_ahead = Q(created_at__lt=_minus("starts_at", offset))
    sent = BookingReminder.objects.filter(
        booking=OuterRef("pk"), offset_minutes=offset, starts_at=OuterRef("starts_at")
    )
    return window & made_ahead & ~Exists(sent)


def reminders_due(*, now: datetime | None = None, limit: int = BATCH_SIZE) -> list[Booking]:
    """The confirmed bookings with a reminder due, each annotated with ``due_offset``
    (minutes), soonest first. One query."""
    now = now or timezone.now()
    offsets = sorted(REMINDER_OFFSETS, reverse=True)
    conditions = []
    for index, offset in enumerate(offsets):
        shorter = offsets[index + 1] if index + 1 < len(offsets) else None
        conditions.append((offset, _due_q(offset, shorter, now)))
    any_due = Q()
    for _offset, condition in conditions:
        any_due |= condition
    return list(
        Booking.objects.filter(any_due, status=BookingStatus.CONFIRMED)
        .annotate(
            due_offset=Case(
                *[When(condition, then=Value(offset)) for offset, condition in conditions],
                output_field=IntegerField(),
            )
        )
        .order_by("starts_at")[:limit]
    )


@transaction.atomic
def reminder_send(*, booking_id, offset_minutes: int, starts_at: datetime) -> bool:
    """Send the reminder of ``offset_minutes`` for the booking starting at ``starts_at``,
    once: records the reminder row and the notifications together. False (nothing sent)
    when it was sent already, or the booking is no longer confirmed at that time."""
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("organization", "resource", "client")
        .filter(pk=booking_id, status=BookingStatus.CONFIRMED, starts_at=starts_at)
        .first()
    )
    if booking is None:
        return False
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin only undoes this
            BookingReminder.objects.create(
                booking=booking, offset_minutes=offset_minutes, starts_at=starts_at
            )
    except IntegrityError:
        return False
    notices.announce(booking, "reminder", offset_minutes=offset_minutes)
    return True


def reminders_send(*, now: datetime | None = None) -> int:
    """Send every reminder due now (one transaction per booking); returns how many
    were sent. The scheduler runs this every minute."""
    sent = 0
    for booking in reminders_due(now=now):
        sent += reminder_send(
            booking_id=booking.pk, offset_minutes=booking.due_offset, starts_at=booking.starts_at
        )
    return sent
