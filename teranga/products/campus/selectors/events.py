"""Reads of events: the organiser's own list, the public list and its filters, the
popular list, one event, a series, tags, and what a student favourited, follows and
says about themselves (profile).

Every list is built with :func:`with_rows`: the organiser and university joined, the tags
prefetched (one query), and for a signed-in reader whether they favourited each event
(an ``EXISTS`` in the same query): the number of queries never grows with the page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from teranga.core.errors import NotFound, ValidationFailed
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.access import can, get_organization_for
from teranga.platform.organizations.models import Organization, OrganizationKind

from ..errors import CampusError
from ..models import (
    Event,
    EventFavourite,
    EventSeries,
    EventStatus,
    OrganizerFollow,
    StudentProfile,
    Tag,
    TagFollow,
)
from .access import visibility_q

EVENTS_MANAGE = "campus.events.manage"
EVENTS_VIEW = "campus.events.view"
#: Organisations that organise campus events.
ORGANIZER_KINDS = (OrganizationKind.UNIVERSITY, OrganizationKind.CLUB)
#: The popular list: at most this many events, and the weights of its score.
POPULAR_MAX = 50
POPULAR_WEIGHTS = {"sold_count": 5, "favourites_count": 3, "views_count": 1}
#: ``q``: at most this many words, each must match the title or the description.
MAX_SEARCH_TERMS = 5
#: ``me/follows/``: at most this many of each kind.
FOLLOWS_MAX = 500


def organizer_for(*, user, organization_id, action: str) -> Organization:
    """The organisation ``organization_id`` where ``user`` may do ``action`` (404 /
    403 from ``organizations.access``), which must organise campus events (a university
    or a club: 400 ``organizer_kind_not_supported`` otherwise)."""
    organization = get_organization_for(user, organization_id, action)
    if organization.kind not in ORGANIZER_KINDS:
        raise ValidationFailed(_kind_message(), code=CampusError.ORGANIZER_KIND_NOT_SUPPORTED)
    return organization


def _kind_message() -> str:
    from django.utils.translation import gettext as _

    return _("Only universities and clubs organise campus events.")


def with_rows(queryset: QuerySet[Event], *, user=None) -> QuerySet[Event]:
    """``queryset`` ready to serialize: organiser and university joined, tags
    prefetched, and ``is_favourite`` annotated for a signed-in ``user``."""
    queryset = queryset.select_related("organization", "university").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("slug"))
    )
    if user is not None and user.is_authenticated:
        queryset = queryset.annotate(
            is_favourite=Exists(EventFavourite.objects.filter(event=OuterRef("pk"), user=user))
        )
    return queryset


# --- The organiser's events ------------------------------------------------------------


def organization_events(
    *,
    organization: Organization,
    status: str | None = None,
    starts_after: datetime | None = None,
    starts_before: datetime | None = None,
    series_id: uuid.UUID | None = None,
) -> QuerySet[Event]:
    """Every event of ``organization`` (drafts included), by start."""
    queryset = Event.objects.filter(organization=organization)
    if status:
        queryset = queryset.filter(status=status)
    if starts_after is not None:
        queryset = queryset.filter(starts_at__gte=starts_after)
    if starts_before is not None:
        queryset = queryset.filter(starts_at__lt=starts_before)
    if series_id is not None:
        queryset = queryset.filter(series_id=series_id)
    return with_rows(queryset).order_by("starts_at", "id")


def event_for_manager(*, user, event_id, action: str = EVENTS_VIEW) -> Event:
    """The event ``event_id`` for its organiser's staff (drafts included), ready to
    serialize; 404 ``event_not_found`` for another organisation's, 403 for a low role."""
    from .access import event_for_staff

    return event_for_staff(
        user=user, event_id=event_id, action=action, queryset=with_rows(Event.objects.all())
    )


# --- The public side ------------------------------------------------------------------


@dataclass(frozen=True)
class EventQuery:
    """The public list's filters (validated by the view)."""

    category: str | None = None
    tag: str | None = None
    university: uuid.UUID | None = None
    organizer: uuid.UUID | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    free: bool | None = None
    q: str | None = None
    include_past: bool = False


def public_events(*, user, query: EventQuery, now: datetime | None = None) -> QuerySet[Event]:
    """Published events ``user`` may see (``selectors.access``), filtered; by default
    only those not over yet (``ends_at`` after now). Ordered by the paginator."""
    now = now or timezone.now()
    queryset = Event.objects.filter(visibility_q(user), status=EventStatus.PUBLISHED)
    if not query.include_past:
        queryset = queryset.filter(ends_at__gt=now)
    if query.category:
        queryset = queryset.filter(category=query.category)
    if query.tag:
        queryset = queryset.filter(tags__slug=query.tag)
    if query.university:
        queryset = queryset.filter(university_id=query.university)
    if query.organizer:
        queryset = queryset.filter(organization_id=query.organizer)
    if query.starts_after is not None:
        queryset = queryset.filter(starts_at__gte=query.starts_after)
    if query.starts_before is not None:
        queryset = queryset.filter(starts_at__lt=query.starts_before)
    if query.free is True:
        queryset = queryset.filter(price_from=0)
    elif query.free is False:
        queryset = queryset.filter(price_from__gt=0)
    if query.q:
        for term in query.q.split()[:MAX_SEARCH_TERMS]:
            queryset = queryset.filter(Q(title__icontains=term) | Q(description__icontains=term))
    return with_rows(queryset, user=user)


def popular_events(*, user, limit: int, now: datetime | None = None) -> list[Event]:
    """The ``limit`` most popular upcoming events ``user`` may see: by a score of tickets
    sold (×5), favourites (×3) and views (×1), then by start."""
    now = now or timezone.now()
    score = sum(F(field) * weight for field, weight in POPULAR_WEIGHTS.items())
    queryset = (
        Event.objects.filter(visibility_q(user), status=EventStatus.PUBLISHED, ends_at__gt=now)
        .annotate(popularity=score)
        .order_by("-popularity", "starts_at", "id")
    )
    return list(with_rows(queryset, user=user)[: min(limit, POPULAR_MAX)])


def event_detail(*, user, event_id) -> Event:
    """One event ``user`` may see (404 ``event_not_found`` otherwise), ready to serialize."""
    from .access import event_for_viewer

    return event_for_viewer(
        user=user, event_id=event_id, queryset=with_rows(Event.objects.all(), user=user)
    )


def series_detail(*, user, series_id) -> tuple[EventSeries, QuerySet[Event]]:
    """A series and its dates: every date for the organiser's staff, the dates ``user``
    may see for anyone else (404 ``series_not_found`` when that is none)."""
    key = parse_uuid(series_id)
    series = (
        EventSeries.objects.select_related("organization").filter(pk=key).first() if key else None
    )
    if series is None:
        raise NotFound(code=CampusError.SERIES_NOT_FOUND)
    events = Event.objects.filter(series=series)
    if not can(user, series.organization, EVENTS_VIEW):
        events = events.filter(visibility_q(user))
        if not events.exists():
            raise NotFound(code=CampusError.SERIES_NOT_FOUND)
    return series, with_rows(events, user=user).order_by("starts_at", "id")


def tags_search(*, q: str | None) -> QuerySet[Tag]:
    """Tags whose slug starts with ``q`` (normalised like a tag), by slug."""
    from ..services.richtext import tag_slug

    queryset = Tag.objects.all()
    if q:
        queryset = queryset.filter(slug__startswith=tag_slug(q))
    return queryset.order_by("slug")


def organizer_get(*, organization_id) -> Organization:
    """An organisation that organises campus events (404 ``organizer_not_found``)."""
    key = parse_uuid(organization_id)
    organization = (
        Organization.objects.filter(pk=key, kind__in=ORGANIZER_KINDS).first() if key else None
    )
    if organization is None:
        raise NotFound(code=CampusError.ORGANIZER_NOT_FOUND)
    return organization


def tag_get(*, slug: str) -> Tag:
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        raise NotFound(code=CampusError.TAG_NOT_FOUND)
    return tag


# --- The student's own ----------------------------------------------------------------


def favourites_of(*, user) -> QuerySet[Event]:
    """The events ``user`` favourited that they may still see, latest favourite first."""
    latest = EventFavourite.objects.filter(user=user, event=OuterRef("pk")).values("created_at")
    queryset = Event.objects.filter(visibility_q(user), favourites__user=user).annotate(
        favourited_at=latest[:1]
    )
    return with_rows(queryset, user=user).order_by("-favourited_at", "id")


def follows_of(*, user) -> dict:
    """``{"organizers": [OrganizerFollow…], "tags": [TagFollow…]}``, newest first."""
    organizers = (
        OrganizerFollow.objects.filter(user=user)
        .select_related("organization")
        .order_by("-created_at")[:FOLLOWS_MAX]
    )
    tags = (
        TagFollow.objects.filter(user=user)
        .select_related("tag")
        .order_by("-created_at")[:FOLLOWS_MAX]
    )
    return {"organizers": list(organizers), "tags": list(tags)}


@dataclass
class ProfileView:
    university: Organization | None
    interests: list[str]


def profile_of(*, user) -> ProfileView:
    """The student's campus profile (empty when they never set it)."""
    profile = (
        StudentProfile.objects.filter(user=user)
        .select_related("university")
        .prefetch_related(Prefetch("interests", queryset=Tag.objects.order_by("slug")))
        .first()
    )
    if profile is None:
        return ProfileView(university=None, interests=[])
    return ProfileView(
        university=profile.university, interests=[tag.slug for tag in profile.interests.all()]
    )


def favourites_count(*, event_id) -> int:
    return Event.objects.filter(pk=event_id).values_list("favourites_count", flat=True).first() or 0


def categories() -> list[dict]:
    """The reference list of categories, labels in the active language."""
    from ..models import EventCategory

    return [{"value": value, "label": str(label)} for value, label in EventCategory.choices]


# --- The event's link page (``object_link("campus.event", id)``) ---------------------------


def event_link_target(user, event_id) -> Event:
    """The event of a link, for a reader who may see it (the link kind's summary)."""
    from .access import event_for_viewer

    return event_for_viewer(
        user=user, event_id=event_id, queryset=Event.objects.select_related("organization")
    )


def event_organization(event_id) -> Organization | None:
    """The organiser of a public, published or finished event (its link page counts in
    the organiser's web analytics); None for any other id."""
    from ..models import EventStatus, EventVisibility

    pk = parse_uuid(event_id)
    if pk is None:
        return None
    event = (
        Event.objects.filter(
            pk=pk,
            visibility=EventVisibility.PUBLIC,
            status__in=[EventStatus.PUBLISHED, EventStatus.FINISHED],
        )
        .select_related("organization")
        .first()
    )
    return event.organization if event else None


def event_link_rows(event: Event) -> list[tuple]:
    from django.utils.translation import gettext as _

    from teranga.core.links import local_time_text

    return [
        (_("Event"), event.title),
        (_("Organiser"), event.organization.name),
        (_("Date"), local_time_text(event.starts_at, event.time_zone)),
        (_("Venue"), event.address),
        (_("Status"), event.get_status_display()),
    ]
