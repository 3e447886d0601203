"""Reads of reviews: who attended an event, an event's public reviews, the organiser's
average rating (one aggregate over ``campus_review_org_idx``), and the review a user may
act on (another organisation's, or one the user may not see: 404 ``review_not_found``).

**Attended** (:func:`attended_q`): the user holds a ticket of the event that was checked
in: a :class:`TicketPresence` with ``first_entry_at`` set, or an accepted entry
:class:`Scan` (result ``valid``)."""

from __future__ import annotations

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet

from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid

from ..errors import CampusError
from ..models import Review, Scan, ScanDirection, ScanResult, TicketPresence
from .access import visibility_q


def public_name(user) -> str:
    """What others see of a user: the first name and the last name's initial (never the
    email address)."""
    first = (user.first_name or "").strip()
    last = (user.last_name or "").strip()
    return f"{first} {last[:1]}.".strip() if last else first


def attended_q(*, user_ref, event_ref) -> Q:
    """A filter: the user ``user_ref`` (an id, or ``OuterRef``) checked in at the event
    ``event_ref`` with a ticket they hold."""
    presence = TicketPresence.objects.filter(
        ticket__holder=user_ref, ticket__event=event_ref, first_entry_at__isnull=False
    )
    scan = Scan.objects.filter(
        ticket__holder=user_ref,
        ticket__event=event_ref,
        direction=ScanDirection.ENTRY,
        result=ScanResult.VALID,
    )
    return Q(Exists(presence)) | Q(Exists(scan))


def user_attended(*, user, event) -> bool:
    """``user`` checked in at ``event`` (one query)."""
    from ..models import Event

    return Event.objects.filter(
        attended_q(user_ref=user.pk, event_ref=OuterRef("pk")), pk=event.pk
    ).exists()


def _reviews() -> QuerySet[Review]:
    return Review.objects.select_related("author", "replied_by").order_by("-created_at", "-id")


def event_reviews(*, event) -> QuerySet[Review]:
    """The event's shown reviews (hidden ones left out), newest first."""
    return _reviews().filter(event=event, hidden_at__isnull=True)


def review_get(*, user, review_id, lock: bool = False) -> Review:
    """A shown review of an event ``user`` may see (or their own, even hidden): 404
    ``review_not_found`` otherwise."""
    key = parse_uuid(review_id)
    if key is None:
        raise NotFound(code=CampusError.REVIEW_NOT_FOUND)
    queryset = Review.objects.select_related("event", "event__organization", "author")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    own = Q(author=user) if user is not None and user.is_authenticated else Q(pk__in=[])
    from ..models import Event

    seen_events = Event.objects.filter(visibility_q(user)).values("pk")
    review = (
        queryset.filter(pk=key)
        .filter(own | Q(hidden_at__isnull=True, event__in=seen_events))
        .first()
    )
    if review is None:
        raise NotFound(code=CampusError.REVIEW_NOT_FOUND)
    return review


def review_figures(reviews: QuerySet[Review], *, detail: bool = False) -> dict:
    """The ratings of ``reviews`` in one SQL statement: ``{"average": 4.25 | None,
    "count": 12}`` over the shown ones (hidden ones, ``hidden_at`` set pending
    moderation, are left out: the rule of the organiser's public rating). With
    ``detail`` (the organiser's analytics) also ``distribution``, the shown reviews per
    star (``[{"rating": 1, "count": n}, … 5]``), ``reported`` (reviews reported at
    least once, hidden or not) and ``hidden``."""
    shown = Q(hidden_at__isnull=True)
    if not detail:
        result = reviews.filter(shown).aggregate(average=Avg("rating"), count=Count("id"))
    else:
        stars = {f"star{n}": Count("id", filter=shown & Q(rating=n)) for n in range(1, 6)}
        result = reviews.order_by().aggregate(
            average=Avg("rating", filter=shown),
            count=Count("id", filter=shown),
            reported=Count("id", filter=Q(reports_count__gt=0)),
            hidden=Count("id", filter=~shown),
            **stars,
        )
    average = result["average"]
    figures = {
        "average": None if average is None else round(float(average), 2),
        "count": result["count"],
    }
    if detail:
        figures["distribution"] = [{"rating": n, "count": result[f"star{n}"]} for n in range(1, 6)]
        figures["reported"] = result["reported"]
        figures["hidden"] = result["hidden"]
    return figures


def organizer_rating(*, organization_id) -> dict:
    """The organiser's shown reviews: ``{"average": 4.25 | None, "count": 12}`` in one
    SQL statement (:func:`review_figures`, as the organiser's dashboard reads it)."""
    return review_figures(Review.objects.filter(organization_id=organization_id))
