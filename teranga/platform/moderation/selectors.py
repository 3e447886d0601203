"""Reads: the cases a user may moderate (their queue) and the log.

Platform staff moderate every case; anyone else the cases of the kinds whose
``moderators_q(user)`` selects them (``extensions.ModerationKind``). A case one may not
moderate is never acknowledged (404 ``case_not_found``)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid

from .errors import ModerationError
from .extensions import moderation_kinds
from .models import ModerationCase, ModerationLogEntry


def moderator_q(user) -> Q | None:
    """The cases ``user`` may moderate, as a ``Q`` (None: none)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.is_staff:
        return Q()
    allowed: Q | None = None
    for name, kind in moderation_kinds.items():
        selected = kind.moderators_q(user)
        if selected is not None:
            part = Q(kind=name) & selected
            allowed = part if allowed is None else allowed | part
    return allowed


def cases_for(*, user) -> QuerySet[ModerationCase]:
    """The user's queue (every status; the API filters), newest first."""
    allowed = moderator_q(user)
    if allowed is None:
        return ModerationCase.objects.none()
    return (
        ModerationCase.objects.filter(allowed)
        .select_related("author", "decided_by", "organization")
        .order_by("-created_at", "-id")
    )


def case_for(*, user, case_id, lock: bool = False) -> ModerationCase:
    """One case ``user`` may moderate; NotFound ``case_not_found`` otherwise."""
    key = parse_uuid(case_id)
    allowed = moderator_q(user)
    if key is None or allowed is None:
        raise NotFound(code=ModerationError.CASE_NOT_FOUND)
    queryset = ModerationCase.objects.filter(allowed, pk=key)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    case = queryset.select_related("author", "decided_by", "organization").first()
    if case is None:
        raise NotFound(code=ModerationError.CASE_NOT_FOUND)
    return case


def log_entries() -> QuerySet[ModerationLogEntry]:
    """The whole log, newest first (platform staff)."""
    return ModerationLogEntry.objects.select_related("actor", "organization").order_by(
        "-created_at", "-id"
    )
