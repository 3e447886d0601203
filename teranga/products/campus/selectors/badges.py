"""Reads of badges: what the rules count (events attended, events organised, reviews),
a user's badges, and a university's leaderboard in one query.

* **Events attended** by a user: distinct events of the tickets they hold that were
  checked in (a presence with a first entry, or an accepted entry scan).
* **Events organised** by a user: for each organisation where they are a manager, an
  admin or the owner, its events that are finished, or published and already ended;
  the best organisation counts (not the sum).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Rank
from django.utils import timezone

from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.models import Membership, Organization, OrganizationKind, Role

from ..errors import CampusError
from ..models import (
    BadgeAward,
    Event,
    EventStatus,
    Review,
    Scan,
    ScanDirection,
    ScanResult,
    StudentProfile,
    Ticket,
    TicketPresence,
)

#: Roles that organise an organisation's events (the "organiser" badge).
ORGANIZER_ROLES = (Role.OWNER, Role.ADMIN, Role.MANAGER)


def checked_in_ticket_q() -> Q:
    """A filter on tickets: this ticket was checked in."""
    presence = TicketPresence.objects.filter(ticket=OuterRef("pk"), first_entry_at__isnull=False)
    scan = Scan.objects.filter(
        ticket=OuterRef("pk"), direction=ScanDirection.ENTRY, result=ScanResult.VALID
    )
    return Q(Exists(presence)) | Q(Exists(scan))


def events_attended(user_ids) -> dict:
    """``{user_id: number of distinct events attended}`` for ``user_ids`` (one query)."""
    rows = (
        Ticket.objects.filter(checked_in_ticket_q(), holder_id__in=list(user_ids))
        .order_by()
        .values("holder_id")
        .annotate(n=Count("event_id", distinct=True))
    )
    return {row["holder_id"]: row["n"] for row in rows}


def organised_past_q(now: datetime) -> Q:
    """Events that count as organised: finished, or published and ended."""
    return Q(status=EventStatus.FINISHED) | Q(status=EventStatus.PUBLISHED, ends_at__lte=now)


def events_organised(user_ids, *, now: datetime | None = None) -> dict:
    """``{user_id: most events organised by one of their organisations}`` (one query)."""
    now = now or timezone.now()
    per_org = (
        Event.objects.filter(organised_past_q(now), organization_id=OuterRef("organization_id"))
        .order_by()
        .values("organization_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        Membership.objects.filter(user_id__in=list(user_ids), role__in=ORGANIZER_ROLES)
        .annotate(n=Coalesce(Subquery(per_org, output_field=IntegerField()), Value(0)))
        .values_list("user_id", "n")
    )
    best: dict = {}
    for user_id, n in rows:
        best[user_id] = max(best.get(user_id, 0), n)
    return best


def reviews_written(user_ids) -> dict:
    rows = (
        Review.objects.filter(author_id__in=list(user_ids))
        .order_by()
        .values("author_id")
        .annotate(n=Count("id"))
    )
    return {row["author_id"]: row["n"] for row in rows}


def user_badges(*, user_id) -> QuerySet[BadgeAward]:
    return BadgeAward.objects.filter(user_id=user_id).order_by("created_at", "badge")


def user_for_profile(*, user_id):
    """An active user (404 ``user_not_found`` otherwise)."""
    from django.contrib.auth import get_user_model

    key = parse_uuid(user_id)
    user = get_user_model().objects.filter(pk=key, is_active=True).first() if key else None
    if user is None:
        raise NotFound(code=CampusError.USER_NOT_FOUND)
    return user


def university_get(*, organization_id) -> Organization:
    key = parse_uuid(organization_id)
    university = (
        Organization.objects.filter(pk=key, kind=OrganizationKind.UNIVERSITY).first()
        if key
        else None
    )
    if university is None:
        raise NotFound(code=CampusError.UNIVERSITY_NOT_FOUND)
    return university


def organizer_get(*, organization_id) -> Organization:
    """An organiser (a university or a club): 404 ``organizer_not_found`` otherwise."""
    key = parse_uuid(organization_id)
    organizer = (
        Organization.objects.filter(
            pk=key, kind__in=(OrganizationKind.UNIVERSITY, OrganizationKind.CLUB)
        ).first()
        if key
        else None
    )
    if organizer is None:
        raise NotFound(code=CampusError.ORGANIZER_NOT_FOUND)
    return organizer


def leaderboard(*, university) -> QuerySet[StudentProfile]:
    """The students of ``university`` ranked by badges, then events attended (each row
    annotated ``badges``, ``attended`` and ``rank``; ties share a rank). One query for a
    page (correlated counts, a window for the rank), whatever the page size."""
    badges = (
        BadgeAward.objects.filter(user_id=OuterRef("user_id"))
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    attended = (
        Ticket.objects.filter(checked_in_ticket_q(), holder_id=OuterRef("user_id"))
        .order_by()
        .values("holder_id")
        .annotate(n=Count("event_id", distinct=True))
        .values("n")
    )
    return (
        StudentProfile.objects.filter(university=university, user__is_active=True)
        .select_related("user")
        .annotate(
            badges=Coalesce(Subquery(badges, output_field=IntegerField()), Value(0)),
            attended=Coalesce(Subquery(attended, output_field=IntegerField()), Value(0)),
        )
        .annotate(
            rank=Window(Rank(), order_by=[F("badges").desc(), F("attended").desc()]),
        )
        .order_by("-badges", "-attended", "user_id")
    )
