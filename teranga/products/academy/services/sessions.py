"""Sessions: planned from a weekly rule through the scheduling engine's recurrence
("every Tuesday and Thursday at 19:00 Paris time for 8 weeks": one :class:`Session` per
date, at that local time on each date, across daylight-saving changes), then moved or
cancelled one date at a time. Moving or cancelling a date tells every member with an
active enrolment, on the notifications module's channels, in their language, and the
academy's Discord channels that announce that kind (:func:`session_announce`)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, ValidationFailed
from teranga.core.links import object_link
from teranga.platform.notifications.services import discord_announce, notifications_send_bulk
from teranga.platform.scheduling.services.recurrence import (
    TooManyOccurrences,
    weekly_occurrences,
)

from ..errors import AcademyError
from ..models import Enrolment, EnrolmentStatus, Formation, Session, SessionSchedule, SessionStatus
from ..notices import SESSION_CANCELLED, SESSION_LINK, SESSION_MOVED, session_context

#: At most this many sessions in one schedule.
MAX_SESSIONS = 120


@transaction.atomic
def schedule_create(
    *,
    formation: Formation,
    weekdays: list[int],
    start_time: time,
    duration_minutes: int,
    first_date: date,
    last_date: date,
) -> SessionSchedule:
    """The sessions of ``formation`` on ``weekdays`` (0 = Monday) from ``first_date`` to
    ``last_date``, at ``start_time`` in the academy's time zone. 400
    ``schedule_too_many_sessions`` past :data:`MAX_SESSIONS`, ``schedule_no_sessions``
    when no date falls in the range."""
    if last_date < first_date:
        message = _("The last date must not be before the first.")
        raise ValidationFailed(message, fields={"last_date": [message]})
    time_zone = formation.organization.time_zone
    try:
        occurrences = weekly_occurrences(
            weekdays=weekdays,
            first_date=first_date,
            last_date=last_date,
            start_time=start_time,
            duration_minutes=duration_minutes,
            time_zone=time_zone,
            max_occurrences=MAX_SESSIONS,
        )
    except TooManyOccurrences:
        message = _("A schedule has at most %(count)d sessions.") % {"count": MAX_SESSIONS}
        raise ValidationFailed(
            message, code=AcademyError.SCHEDULE_TOO_MANY_SESSIONS, fields={"last_date": [message]}
        ) from None
    if not occurrences:
        message = _("No session of the schedule falls between the first and the last date.")
        raise ValidationFailed(
            message, code=AcademyError.SCHEDULE_NO_SESSIONS, fields={"weekdays": [message]}
        )
    schedule = SessionSchedule.objects.create(
        organization_id=formation.organization_id,
        formation=formation,
        weekdays=sorted(set(weekdays)),
        start_time=start_time,
        duration_minutes=duration_minutes,
        time_zone=time_zone,
        first_date=first_date,
        last_date=last_date,
    )
    Session.objects.bulk_create(
        [
            Session(
                organization_id=formation.organization_id,
                formation=formation,
                schedule=schedule,
                starts_at=occurrence.starts_at,
                ends_at=occurrence.ends_at,
            )
            for occurrence in occurrences
        ]
    )
    return schedule


def session_announce(*, session: Session, kind: str, context: dict, fact: str) -> None:
    """Announce ``kind`` about ``session`` once on the academy's Discord channels that
    announce it (one post per channel, in its language, after commit): the session's
    public link, never a member's own. ``fact`` names what happened
    (``reminder:1440:<start>``, ``moved:<start>``, ``cancelled``): told again, nothing
    more is posted."""
    discord_announce(
        organization=session.formation.organization,
        kind=kind,
        context=context,
        idempotency_key=f"academy.session:{session.pk}:{fact}",
        link=object_link(SESSION_LINK, session.pk),
    )


def _members(formation_id):
    return [
        enrolment.user
        for enrolment in Enrolment.objects.filter(
            formation_id=formation_id, status=EnrolmentStatus.ACTIVE
        ).select_related("user")
    ]


def _lock(session: Session) -> Session:
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("formation__organization")
        .get(pk=session.pk)
    )
    if session.status == SessionStatus.CANCELLED:
        raise Conflict(_("This session is cancelled."), code=AcademyError.SESSION_CANCELLED)
    return session


@transaction.atomic
def session_move(
    *, session: Session, starts_at: datetime, ends_at: datetime, now: datetime | None = None
) -> Session:
    """Move one date (409 ``session_cancelled``; 400 ``session_past`` for a start in the
    past, ``session_invalid_times`` when it does not end after it starts). The members
    are told, once per new time."""
    now = now or timezone.now()
    session = _lock(session)
    if ends_at <= starts_at:
        message = _("A session ends after it starts.")
        raise ValidationFailed(
            message, code=AcademyError.SESSION_INVALID_TIMES, fields={"ends_at": [message]}
        )
    if starts_at <= now:
        message = _("A session cannot be moved into the past.")
        raise ValidationFailed(
            message, code=AcademyError.SESSION_PAST, fields={"starts_at": [message]}
        )
    previous = session.starts_at
    if (session.starts_at, session.ends_at) == (starts_at, ends_at):
        return session
    session.starts_at, session.ends_at = starts_at, ends_at
    session.save(update_fields=["starts_at", "ends_at", "updated_at"])
    context = {**session_context(session), "previous_starts_at": previous.isoformat()}
    stamp = starts_at.isoformat()
    notifications_send_bulk(
        recipients=_members(session.formation_id),
        kind=SESSION_MOVED,
        context=context,
        link=object_link(SESSION_LINK, session.pk),
        idempotency_key=lambda user: f"academy.session:{session.pk}:moved:{stamp}:{user.pk}",
    )
    session_announce(session=session, kind=SESSION_MOVED, context=context, fact=f"moved:{stamp}")
    return session


@transaction.atomic
def session_cancel(*, session: Session) -> Session:
    """Cancel one date (409 ``session_cancelled`` when it is already); the members are
    told."""
    session = _lock(session)
    session.status = SessionStatus.CANCELLED
    session.save(update_fields=["status", "updated_at"])
    notifications_send_bulk(
        recipients=_members(session.formation_id),
        kind=SESSION_CANCELLED,
        context=session_context(session),
        link=object_link(SESSION_LINK, session.pk),
        idempotency_key=lambda user: f"academy.session:{session.pk}:cancelled:{user.pk}",
    )
    session_announce(
        session=session,
        kind=SESSION_CANCELLED,
        context=session_context(session),
        fact="cancelled",
    )
    return session
