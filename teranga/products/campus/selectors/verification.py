"""Reads of student-ID (matricule) verification.

* :func:`is_verified_student` — the one question other parts ask (orders of an event
  with ``requires_verified_student``): ``user`` has an approved verification at the
  university ``university_id``.
* :func:`verification_for_staff` — a verification of a university where ``user`` may
  decide (``campus.verification.manage``: managers and above, and platform staff);
  another university's, or a missing one, is 404 ``verification_not_found``, a member
  whose role is too low gets 403.
"""

from __future__ import annotations

from django.db.models import QuerySet

from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.access import ensure, get_organization_for, membership_of
from teranga.platform.organizations.models import OrganizationKind

from ..errors import CampusError
from ..models import CampusOrganizer, StudentVerification, VerificationStatus

VERIFY_ACTION = "campus.verification.manage"


def is_verified_student(user, university_id) -> bool:
    """``user`` is a verified student of the university ``university_id`` (one query;
    an anonymous user or no university: ``False``)."""
    if user is None or not getattr(user, "is_authenticated", False) or university_id is None:
        return False
    return StudentVerification.objects.filter(
        user=user, university_id=university_id, status=VerificationStatus.APPROVED
    ).exists()


def _not_found() -> NotFound:
    return NotFound(code=CampusError.VERIFICATION_NOT_FOUND)


def my_verification(*, user) -> StudentVerification:
    """The user's latest verification (404 ``verification_not_found`` when none)."""
    verification = (
        StudentVerification.objects.select_related("university")
        .filter(user=user)
        .order_by("-created_at", "-id")
        .first()
    )
    if verification is None:
        raise _not_found()
    return verification


def university_verifications(*, university, status: list[str] | None = None) -> QuerySet:
    """A university's verifications, oldest first (the queue), with their students."""
    queryset = StudentVerification.objects.select_related("user", "university").filter(
        university=university
    )
    if status:
        queryset = queryset.filter(status__in=status)
    return queryset.order_by("created_at", "id")


def verification_for_staff(*, user, verification_id, lock: bool = False) -> StudentVerification:
    key = parse_uuid(verification_id)
    if key is None:
        raise _not_found()
    queryset = StudentVerification.objects.select_related("university", "user")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    verification = queryset.filter(pk=key).first()
    if verification is None:
        raise _not_found()
    membership = membership_of(user, verification.university)
    try:
        ensure(user, verification.university, VERIFY_ACTION, membership)
    except NotFound:
        raise _not_found() from None
    return verification


def university_for_staff(*, user, organization_id, action: str = VERIFY_ACTION):
    """A university where ``user`` may do ``action`` (404 for another organisation or
    one that is not a university, 403 for a member whose role is too low)."""
    university = get_organization_for(user, organization_id, action)
    if university.kind != OrganizationKind.UNIVERSITY:
        raise NotFound(code=CampusError.UNIVERSITY_NOT_FOUND)
    return university


def matricule_pattern_of(university_id) -> str:
    """The university's matricule pattern ("" when it set none)."""
    return (
        CampusOrganizer.objects.filter(organization_id=university_id)
        .values_list("matricule_pattern", flat=True)
        .first()
        or ""
    )
