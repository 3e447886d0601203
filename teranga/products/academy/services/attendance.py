"""Attendance: a member checks in with their own signed link during the session, or the
instructor takes the roll call.

* **The check-in link** — ``/academy/checkin/<token>/``, a page of ours; the token is
  signed (Django's signing with the secret key and a salt of its own) and names the
  session and the member, so it cannot be forged or used for someone else. It works
  only while the session is on: from :data:`OPENS_BEFORE` before the start to
  :data:`CLOSES_AFTER` after the end (409 ``checkin_not_open`` otherwise). Opening the
  page shows the session; the member confirms (a POST), or the app posts the token to
  ``POST /api/v1/academy/checkin/`` signed in as the member. Checking in twice is
  harmless.
* **The roll call** — the academy's agents and above (the instructor) mark each member
  present or absent, from the start window on; a mark replaces the previous one.

Only members with an active enrolment in the session's formation are recorded (403
``not_enrolled`` for the link, 400 for a roll-call entry); a cancelled session takes
neither (409 ``session_cancelled``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, Forbidden, ValidationFailed
from teranga.core.links import public_link
from teranga.core.validators import parse_uuid

from ..errors import AcademyError
from ..models import (
    Attendance,
    AttendanceMethod,
    Enrolment,
    EnrolmentStatus,
    Session,
    SessionStatus,
)

SALT = "academy.checkin"
OPENS_BEFORE = timedelta(minutes=15)
CLOSES_AFTER = timedelta(minutes=30)
#: At most this many entries in one roll call.
ROLL_CALL_MAX = 500


@dataclass(frozen=True)
class CheckinLink:
    url: str
    opens_at: datetime
    closes_at: datetime


def checkin_window(session: Session) -> tuple[datetime, datetime]:
    return session.starts_at - OPENS_BEFORE, session.ends_at + CLOSES_AFTER


def checkin_token(*, session_id, user_id) -> str:
    return signing.dumps({"s": str(session_id), "u": str(user_id)}, salt=SALT, compress=True)


def checkin_link(*, session: Session, user, language: str | None = None) -> CheckinLink:
    token = checkin_token(session_id=session.pk, user_id=user.pk)
    opens_at, closes_at = checkin_window(session)
    url = public_link(f"/academy/checkin/{token}/", language=language)
    return CheckinLink(url=url, opens_at=opens_at, closes_at=closes_at)


def _invalid() -> ValidationFailed:
    message = _("This check-in link is not valid.")
    return ValidationFailed(message, code=AcademyError.CHECKIN_INVALID, fields={"token": [message]})


def checkin_target(token: str) -> tuple[Session, str]:
    """The session and the member's id a token names (400 ``checkin_invalid``)."""
    try:
        data = signing.loads(str(token or "")[:500], salt=SALT)
    except signing.BadSignature:
        raise _invalid() from None
    if not isinstance(data, dict):
        raise _invalid()
    session_key, user_key = parse_uuid(data.get("s")), parse_uuid(data.get("u"))
    session = (
        Session.objects.select_related("formation__organization").filter(pk=session_key).first()
        if session_key and user_key
        else None
    )
    if session is None:
        raise _invalid()
    return session, str(user_key)


def _ensure_open(session: Session, now: datetime) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise Conflict(_("This session is cancelled."), code=AcademyError.SESSION_CANCELLED)
    opens_at, closes_at = checkin_window(session)
    if not opens_at <= now <= closes_at:
        raise Conflict(
            _("Check-in is open only during the session."), code=AcademyError.CHECKIN_NOT_OPEN
        )


def _record(session: Session, user_id, *, present: bool, method: str, actor=None) -> Attendance:
    attendance = Attendance.objects.select_for_update().filter(session=session, user_id=user_id)
    found = attendance.first()
    if found is not None:
        if found.present != present or found.method != method:
            found.present, found.method, found.recorded_by = present, method, actor
            found.save(update_fields=["present", "method", "recorded_by", "updated_at"])
        return found
    try:
        with transaction.atomic():
            return Attendance.objects.create(
                organization_id=session.organization_id,
                session=session,
                user_id=user_id,
                present=present,
                method=method,
                recorded_by=actor,
            )
    except IntegrityError:  # a concurrent check-in of the same member won
        return Attendance.objects.get(session=session, user_id=user_id)


@transaction.atomic
def attendance_check_in(*, token: str, user=None, now: datetime | None = None) -> Attendance:
    """Record the member of ``token`` present at its session. ``user`` (signed in, from
    the API) must be that member (400 ``checkin_invalid`` otherwise)."""
    now = now or timezone.now()
    session, user_id = checkin_target(token)
    if user is not None and str(user.pk) != user_id:
        raise _invalid()
    _ensure_open(session, now)
    # The session's row first, as the roll call takes it: the two never interleave.
    list(Session.objects.select_for_update().filter(pk=session.pk).values_list("pk"))
    enrolled = Enrolment.objects.filter(
        formation_id=session.formation_id, user_id=user_id, status=EnrolmentStatus.ACTIVE
    ).exists()
    if not enrolled:
        raise Forbidden(
            _("You are not enrolled in this formation."), code=AcademyError.NOT_ENROLLED
        )
    return _record(session, user_id, present=True, method=AttendanceMethod.LINK)


@transaction.atomic
def attendance_roll_call(
    *, session: Session, actor, entries: list[dict], now: datetime | None = None
) -> list[Attendance]:
    """Mark each ``{"user": id, "present": bool}`` of ``entries`` (all or nothing)."""
    now = now or timezone.now()
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status == SessionStatus.CANCELLED:
        raise Conflict(_("This session is cancelled."), code=AcademyError.SESSION_CANCELLED)
    if now < session.starts_at - OPENS_BEFORE:
        raise Conflict(
            _("The roll call opens when the session starts."), code=AcademyError.CHECKIN_NOT_OPEN
        )
    wanted = {str(entry["user"]): bool(entry["present"]) for entry in entries}
    enrolled = {
        str(user_id)
        for user_id in Enrolment.objects.filter(
            formation_id=session.formation_id,
            status=EnrolmentStatus.ACTIVE,
            user_id__in=list(wanted),
        ).values_list("user_id", flat=True)
    }
    strangers = sorted(set(wanted) - enrolled)
    if strangers:
        message = _("These people are not enrolled in this formation: %(ids)s") % {
            "ids": ", ".join(strangers[:10])
        }
        raise ValidationFailed(
            message, code=AcademyError.NOT_ENROLLED, fields={"entries": [message]}
        )
    existing = {
        str(row.user_id): row
        for row in Attendance.objects.select_for_update().filter(
            session=session, user_id__in=list(wanted)
        )
    }
    changed, created = [], []
    for user_id, present in wanted.items():
        row = existing.get(user_id)
        if row is None:
            created.append(
                Attendance(
                    organization_id=session.organization_id,
                    session=session,
                    user_id=user_id,
                    present=present,
                    method=AttendanceMethod.ROLL_CALL,
                    recorded_by=actor,
                )
            )
        elif row.present != present or row.method != AttendanceMethod.ROLL_CALL:
            row.present, row.method, row.recorded_by = present, AttendanceMethod.ROLL_CALL, actor
            row.updated_at = now
            changed.append(row)
    Attendance.objects.bulk_create(created)
    Attendance.objects.bulk_update(changed, ["present", "method", "recorded_by", "updated_at"])
    return created + changed
