"""Student-ID (matricule) verification.

* :func:`campus_settings_update` — a university's managers set its matricule pattern: a
  regular expression the whole matricule must match (case ignored), at most
  :data:`PATTERN_MAX_LENGTH` characters, that compiles, and with no repetition inside a
  repetition and no alternation inside a repetition (``(a+)+``, ``(a|ab)*``): the
  shapes that backtrack exponentially. Empty: any matricule.
* :func:`student_verification_submit` — a student submits the university, the
  matricule (trimmed, stored upper-case) and a photo of the student card (re-encoded by
  ``teranga.core.images``, so no metadata or trailing bytes are kept). A matricule that
  does not match the pattern is 400 ``invalid_matricule``; one claimed (pending or
  approved) by another student of that university is 409 ``matricule_taken``; a
  student with a pending or approved verification is 409 ``verification_open``. Both
  backed by unique constraints.
* :func:`student_verification_decide` — a manager of the university (or platform
  staff) approves or rejects a pending one (409 ``verification_not_pending`` otherwise).
  Approving also makes the university the student's campus university. The student is
  told (``campus.student_verification``).
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.db import integrity_constraint
from teranga.core.encryption import keyed_hash
from teranga.core.errors import Conflict, NotFound, ValidationFailed
from teranga.core.images import image_upload_clean
from teranga.core.validators import parse_uuid
from teranga.platform.notifications.services import notification_send
from teranga.platform.organizations.models import Organization, OrganizationKind

from ..community_notices import STUDENT_VERIFICATION
from ..errors import CampusError
from ..models import CampusOrganizer, StudentProfile, StudentVerification, VerificationStatus
from ..models.community import MATRICULE_HASH, MATRICULE_MAX_LENGTH
from ..selectors.verification import (
    matricule_pattern_of,
    university_for_staff,
    verification_for_staff,
)

PATTERN_MAX_LENGTH = 200


def _university_not_found() -> NotFound:
    return NotFound(_("No such university."), code=CampusError.UNIVERSITY_NOT_FOUND)


def _invalid_pattern(message: str) -> ValidationFailed:
    return ValidationFailed(
        message,
        code=CampusError.INVALID_MATRICULE_PATTERN,
        fields={"matricule_pattern": [message]},
    )


def _backtracks(items, inside_repeat: bool = False) -> bool:
    """A repetition (or an alternation) nested inside a repetition."""
    from re import _constants as sre  # the parser's own node names

    for op, value in items:
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            low, high, sub = value
            repeats = high is sre.MAXREPEAT or high > 1
            if inside_repeat and repeats:
                return True
            if _backtracks(sub, inside_repeat or repeats):
                return True
        elif op is sre.BRANCH:
            if inside_repeat:
                return True
            if any(_backtracks(branch, inside_repeat) for branch in value[1]):
                return True
        elif op is sre.SUBPATTERN:
            if _backtracks(value[-1], inside_repeat):
                return True
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            if _backtracks(value[1], inside_repeat):
                return True
        elif op is sre.GROUPREF_EXISTS:
            for part in value[1:]:
                if part is not None and _backtracks(part, inside_repeat):
                    return True
    return False


def matricule_pattern_check(pattern: str) -> str:
    """``pattern`` if it is a usable matricule pattern; 400
    ``invalid_matricule_pattern`` otherwise."""
    pattern = (pattern or "").strip()
    if not pattern:
        return ""
    if len(pattern) > PATTERN_MAX_LENGTH:
        raise _invalid_pattern(
            _("The pattern is too long (at most %(n)d characters).") % {"n": PATTERN_MAX_LENGTH}
        )
    try:
        from re import _parser as sre_parse

        parsed = sre_parse.parse(pattern)
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        raise _invalid_pattern(_("This is not a valid regular expression.")) from None
    if _backtracks(list(parsed)):
        raise _invalid_pattern(
            _(
                "Nested repetitions and alternatives inside a repetition are not "
                "allowed: write the format with character classes and counts, such "
                "as [0-9]{9}."
            )
        )
    return pattern


@transaction.atomic
def campus_settings_update(*, user, organization_id, matricule_pattern: str) -> CampusOrganizer:
    """A university's managers set its matricule pattern."""
    university = university_for_staff(user=user, organization_id=organization_id)
    pattern = matricule_pattern_check(matricule_pattern)
    settings_row, _created = CampusOrganizer.objects.select_for_update().get_or_create(
        organization=university
    )
    settings_row.matricule_pattern = pattern
    settings_row.save(update_fields=["matricule_pattern", "updated_at"])
    return settings_row


def campus_settings_get(*, user, organization_id) -> CampusOrganizer:
    university = university_for_staff(user=user, organization_id=organization_id)
    row = CampusOrganizer.objects.filter(organization=university).first()
    return row or CampusOrganizer(organization=university)


def matricule_normalise(value: str) -> str:
    return (value or "").strip().upper()


@transaction.atomic
def student_verification_submit(
    *, user, university_id, matricule: str, student_card
) -> StudentVerification:
    key = parse_uuid(university_id)
    university = (
        Organization.objects.filter(pk=key, kind=OrganizationKind.UNIVERSITY).first()
        if key
        else None
    )
    if university is None:
        raise _university_not_found()
    value = matricule_normalise(matricule)
    pattern = matricule_pattern_of(university.pk)
    if (
        not value
        or len(value) > MATRICULE_MAX_LENGTH
        or (pattern and re.fullmatch(pattern, value, flags=re.IGNORECASE) is None)
    ):
        message = _("This matricule does not have the format of %(university)s.") % {
            "university": university.name
        }
        raise ValidationFailed(
            message, code=CampusError.INVALID_MATRICULE, fields={"matricule": [message]}
        )
    card = image_upload_clean(
        student_card,
        field="student_card",
        stem="card",
        message=_("Upload a photo of your student card."),
        code=CampusError.INVALID_IMAGE,
    )
    open_statuses = (VerificationStatus.PENDING, VerificationStatus.APPROVED)
    if StudentVerification.objects.filter(user=user, status__in=open_statuses).exists():
        raise _verification_open()
    if StudentVerification.objects.filter(
        university=university,
        matricule_hash=keyed_hash(value, purpose=MATRICULE_HASH),
        status__in=open_statuses,
    ).exists():
        raise _matricule_taken()
    try:
        with transaction.atomic():
            verification = StudentVerification(user=user, university=university, matricule=value)
            verification.student_card.save(card.name, card, save=False)
            verification.save()
    except IntegrityError as exc:  # a concurrent submission got there first
        name = integrity_constraint(exc, StudentVerification)
        if name == "campus_matricule_unique":
            raise _matricule_taken() from None
        if name == "campus_verification_open_once":
            raise _verification_open() from None
        raise
    return verification


def _verification_open() -> Conflict:
    return Conflict(
        _("You already have a student ID verification pending or approved."),
        code=CampusError.VERIFICATION_OPEN,
    )


def _matricule_taken() -> Conflict:
    return Conflict(
        _("This matricule is already registered at this university."),
        code=CampusError.MATRICULE_TAKEN,
    )


@transaction.atomic
def student_verification_decide(
    *, user, verification_id, approve: bool, reason: str = "", now: datetime | None = None
) -> StudentVerification:
    now = now or timezone.now()
    verification = verification_for_staff(user=user, verification_id=verification_id, lock=True)
    if verification.status != VerificationStatus.PENDING:
        raise Conflict(
            _("This verification has already been decided."),
            code=CampusError.VERIFICATION_NOT_PENDING,
        )
    verification.status = VerificationStatus.APPROVED if approve else VerificationStatus.REJECTED
    verification.reason = "" if approve else reason
    verification.decided_at = now
    verification.decided_by = user
    verification.save(update_fields=["status", "reason", "decided_at", "decided_by", "updated_at"])
    if approve:
        StudentProfile.objects.update_or_create(
            user=verification.user, defaults={"university": verification.university}
        )
    student = verification.user
    if student.is_active:
        notification_send(
            recipient=student,
            kind=STUDENT_VERIFICATION,
            context={
                "status": verification.status,
                "university": verification.university.name,
                "matricule": verification.matricule,
                "reason": verification.reason,
            },
            idempotency_key=f"campus:verification:{verification.pk}:{verification.status}",
        )
    return verification
