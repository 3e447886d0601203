"""The member's sessions in their personal calendar: the calendar source
``academy.sessions`` (``GET /api/v1/calendar/entries/`` and the personal iCal feed) gives
the sessions of every formation they have an active enrolment in — confirmed, or
cancelled when the date was called off. One query whatever their number."""

from __future__ import annotations

from datetime import datetime

from teranga.core.links import object_link
from teranga.platform.scheduling.extensions import CalendarEntry, EntryStatus

from .models import EnrolmentStatus, Session, SessionStatus
from .notices import SESSION_LINK


def member_sessions(user, starts_from: datetime, ends_before: datetime) -> list[CalendarEntry]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    sessions = (
        Session.objects.filter(
            starts_at__lt=ends_before,
            ends_at__gt=starts_from,
            formation__enrolments__user=user,
            formation__enrolments__status=EnrolmentStatus.ACTIVE,
        )
        .select_related("formation")
        .order_by("starts_at", "pk")
    )
    return [
        CalendarEntry(
            uid=f"academy-session-{session.pk}",
            title=session.formation.title,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            status=(
                EntryStatus.CANCELLED
                if session.status == SessionStatus.CANCELLED
                else EntryStatus.CONFIRMED
            ),
            location=session.formation.meeting_url,
            url=object_link(SESSION_LINK, session.pk),
            description=str(session.formation.get_platform_display()),
        )
        for session in sessions
    ]
