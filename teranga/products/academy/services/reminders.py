"""Session reminders, 24 h and 1 h before each session, to every member with an active
enrolment, through the notifications module (``academy.session_reminder``: its
channels, the member's language, preferences and quiet hours). Each member's reminder
carries their own check-in link. The academy's Discord channels that announce
``academy.session_reminder`` get one post per session and offset (the session's public
link, no check-in link), in the webhook's language, after commit.

A reminder of offset X (minutes) is due for a scheduled session when
``starts_at - X <= now < starts_at`` and — for every offset but the shortest — the next
shorter one is not due yet (the 24 h reminder is not sent once the 1 h one is).

Idempotency: the :class:`SessionReminder` row (unique per session, offset and start),
the notifications and the Discord posts are written in one transaction; a second run
finds the row and sends nothing (and the posts' own idempotency keys would hold too).
A moved session has a new start, so it is reminded again for its new time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from teranga.core.links import object_link
from teranga.platform.notifications.services import notification_send

from ..models import Enrolment, EnrolmentStatus, Session, SessionReminder, SessionStatus
from ..notices import SESSION_LINK, SESSION_REMINDER, session_context
from .attendance import checkin_link
from .sessions import session_announce

#: Minutes before the start, longest first.
REMINDER_OFFSETS: tuple[int, ...] = (24 * 60, 60)
#: Sessions handled per run; the rest wait for the next run.
BATCH_SIZE = 100


def _due_q(offset: int, shorter: int | None, now: datetime) -> Q:
    window = Q(starts_at__gt=now, starts_at__lte=now + timedelta(minutes=offset))
    if shorter is not None:
        window &= Q(starts_at__gt=now + timedelta(minutes=shorter))
    sent = SessionReminder.objects.filter(
        session=OuterRef("pk"), offset_minutes=offset, starts_at=OuterRef("starts_at")
    )
    return window & ~Exists(sent)


def reminders_due(*, now: datetime) -> list[tuple[Session, int]]:
    due: list[tuple[Session, int]] = []
    for index, offset in enumerate(REMINDER_OFFSETS):
        shorter = REMINDER_OFFSETS[index + 1] if index + 1 < len(REMINDER_OFFSETS) else None
        sessions = (
            Session.objects.filter(status=SessionStatus.SCHEDULED)
            .filter(_due_q(offset, shorter, now))
            .select_related("formation__organization")
            .order_by("starts_at")[:BATCH_SIZE]
        )
        due += [(session, offset) for session in sessions]
    return due


def _remind(session: Session, offset: int) -> int:
    with transaction.atomic():
        try:
            with transaction.atomic():
                SessionReminder.objects.create(
                    session=session, offset_minutes=offset, starts_at=session.starts_at
                )
        except IntegrityError:  # another run sent it
            return 0
        context = session_context(session)
        link = object_link(SESSION_LINK, session.pk)
        members = Enrolment.objects.filter(
            formation_id=session.formation_id, status=EnrolmentStatus.ACTIVE
        ).select_related("user")
        count = 0
        for enrolment in members:
            user = enrolment.user
            checkin = checkin_link(session=session, user=user)
            notification_send(
                recipient=user,
                kind=SESSION_REMINDER,
                context={**context, "checkin_url": checkin.url},
                link=link,
                idempotency_key=(
                    f"academy.session:{session.pk}:reminder:{offset}:"
                    f"{session.starts_at.isoformat()}:{user.pk}"
                ),
            )
            count += 1
        session_announce(
            session=session,
            kind=SESSION_REMINDER,
            context=context,
            fact=f"reminder:{offset}:{session.starts_at.isoformat()}",
        )
        return count


def session_reminders_send(*, now: datetime | None = None) -> int:
    """Send the reminders that are due; returns how many notifications were recorded."""
    now = now or timezone.now()
    return sum(_remind(session, offset) for session, offset in reminders_due(now=now))


def session_reminders_periodic() -> int:
    """The periodic job (every five minutes)."""
    return session_reminders_send()
