"""Recommended events: ``GET /api/v1/campus/events/recommended/``.

**Candidates**: the published events the student may see (``selectors.access``) that
start within :data:`HORIZON_DAYS` and have not started, without those they already hold a
ticket for; at most :data:`MAX_CANDIDATES` of them, the most popular first.

**Score** of a candidate: the sum of these signals, each with its weight (:data:`WEIGHTS`):

======================  ==================================================================
``university``          3 — the event is of the student's university (their profile)
``interest``            2 per tag of the event among the profile's interests (at most 3)
``followed_tag``        2 per tag of the event the student follows (at most 3)
``followed_organizer``  4 — the student follows its organiser
``friends``             1.5 per friend who holds a ticket (at most 3). A friend is someone
                        who held a ticket to at least :data:`FRIEND_MIN_SHARED` of the
                        same events as the student (people they go out with)
``popular``             up to 2 — ``2 × log(1 + p) / log(1 + p_max)``, with ``p`` the
                        popularity of the public list (sold × 5 + favourites × 3 + views)
                        and ``p_max`` the highest among the candidates
``soon``                up to 1 — ``1 − days until it starts / HORIZON_DAYS``
======================  ==================================================================

Ties go to the sooner event. Each recommendation carries its score and its reasons (every
signal that counted, with its points and a sentence in the reader's language), so the
app can say why. The whole computation is a fixed number of queries: the profile, the
interests, the followed tags, the friends, the candidates with their signals (one query
with subqueries), then the chosen events' rows.

``benchmarks.campus_recommendations`` evaluates the score offline (precision@10 against
a popularity-only ranking).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import (
    Event,
    EventStatus,
    OrganizerFollow,
    StudentProfile,
    TagFollow,
    Ticket,
    TicketStatus,
)
from .access import visible_events
from .events import POPULAR_WEIGHTS, with_rows

HORIZON_DAYS = 60
MAX_CANDIDATES = 500
DEFAULT_LIMIT, MAX_LIMIT = 10, 50
FRIEND_MIN_SHARED = 2
MAX_FRIENDS = 500
#: Matching tags and friends count up to this many each.
MAX_MATCHES = 3

WEIGHTS = {
    "university": 3.0,
    "interest": 2.0,
    "followed_tag": 2.0,
    "followed_organizer": 4.0,
    "friends": 1.5,
    "popular": 2.0,
    "soon": 1.0,
}


@dataclass
class Reason:
    code: str
    points: float
    text: str


@dataclass
class Recommendation:
    event: Event
    score: float
    reasons: list[Reason] = field(default_factory=list)


@dataclass(frozen=True)
class Signals:
    """What the score reads of one candidate."""

    own_university: bool
    interests: int
    followed_tags: int
    followed_organizer: bool
    friends: int
    popularity: int
    days_until: float


def friends_of(user) -> list:
    """The users who held a ticket to at least ``FRIEND_MIN_SHARED`` of the events
    ``user`` held one for (one query; at most ``MAX_FRIENDS``, the closest first)."""
    mine = Ticket.objects.filter(holder=user).values("event_id")
    return list(
        Ticket.objects.filter(event_id__in=mine)
        .exclude(holder=user)
        .values("holder_id")
        .annotate(shared=Count("event_id", distinct=True))
        .filter(shared__gte=FRIEND_MIN_SHARED)
        .order_by("-shared", "holder_id")
        .values_list("holder_id", flat=True)[:MAX_FRIENDS]
    )


def _count(queryset) -> Subquery:
    return Coalesce(
        Subquery(
            queryset.order_by().values("event_id").annotate(n=Count("*")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def candidates(*, user, now: datetime) -> list[tuple[int, Signals]]:
    """``[(event id, signals)]`` of the candidates (one query, after the three reads of
    the student's profile, follows and friends)."""
    profile = StudentProfile.objects.filter(user=user).first()
    university_id = profile.university_id if profile else None
    interests = list(profile.interests.values_list("pk", flat=True)) if profile else []
    followed = list(TagFollow.objects.filter(user=user).values_list("tag_id", flat=True))
    friends = friends_of(user)
    tagged = Event.tags.through.objects.filter(event_id=OuterRef("pk"))
    score = sum(F(name) * weight for name, weight in POPULAR_WEIGHTS.items())
    queryset = (
        visible_events(user)
        .filter(
            status=EventStatus.PUBLISHED,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(days=HORIZON_DAYS),
        )
        .exclude(pk__in=Ticket.objects.filter(holder=user).values("event_id"))
        .annotate(
            popularity=score,
            interests=_count(tagged.filter(tag_id__in=interests)) if interests else Value(0),
            followed_tags=_count(tagged.filter(tag_id__in=followed)) if followed else Value(0),
            followed_organizer=Exists(
                OrganizerFollow.objects.filter(
                    user=user, organization_id=OuterRef("organization_id")
                )
            ),
            friends=_count(
                Ticket.objects.filter(
                    event_id=OuterRef("pk"), holder_id__in=friends, status=TicketStatus.VALID
                )
            )
            if friends
            else Value(0),
        )
        .order_by("-popularity", "starts_at", "pk")
        .values_list(
            "pk",
            "university_id",
            "interests",
            "followed_tags",
            "followed_organizer",
            "friends",
            "popularity",
            "starts_at",
        )[:MAX_CANDIDATES]
    )
    found = []
    for pk, university, matched, tags, follows, friends_in, popularity, starts_at in queryset:
        found.append(
            (
                pk,
                Signals(
                    own_university=university_id is not None and university == university_id,
                    interests=int(matched or 0),
                    followed_tags=int(tags or 0),
                    followed_organizer=bool(follows),
                    friends=int(friends_in or 0),
                    popularity=int(popularity or 0),
                    days_until=(starts_at - now).total_seconds() / 86400,
                ),
            )
        )
    return found


def score_of(signals: Signals, *, top_popularity: int) -> tuple[float, list[Reason]]:
    """The score of one candidate and the reasons behind it (see the module)."""
    reasons: list[Reason] = []

    def add(code: str, points: float, text: str) -> None:
        if points > 0:
            reasons.append(Reason(code, round(points, 3), text))

    if signals.own_university:
        add("university", WEIGHTS["university"], _("At your university"))
    if signals.interests:
        n = min(signals.interests, MAX_MATCHES)
        add(
            "interest",
            WEIGHTS["interest"] * n,
            ngettext(
                "Matches %(count)d of your interests",
                "Matches %(count)d of your interests",
                n,
            )
            % {"count": n},
        )
    if signals.followed_tags:
        n = min(signals.followed_tags, MAX_MATCHES)
        add(
            "followed_tag",
            WEIGHTS["followed_tag"] * n,
            ngettext("Has %(count)d tag you follow", "Has %(count)d tags you follow", n)
            % {"count": n},
        )
    if signals.followed_organizer:
        add("followed_organizer", WEIGHTS["followed_organizer"], _("By an organiser you follow"))
    if signals.friends:
        n = min(signals.friends, MAX_MATCHES)
        add(
            "friends",
            WEIGHTS["friends"] * n,
            ngettext(
                "%(count)d friend of yours is going",
                "%(count)d friends of yours are going",
                signals.friends,
            )
            % {"count": signals.friends},
        )
    if signals.popularity > 0 and top_popularity > 0:
        share = math.log1p(signals.popularity) / math.log1p(top_popularity)
        add("popular", WEIGHTS["popular"] * share, _("Popular on campus"))
    soon = max(0.0, 1.0 - signals.days_until / HORIZON_DAYS)
    add("soon", WEIGHTS["soon"] * soon, _("Coming up soon"))
    return round(sum(reason.points for reason in reasons), 3), reasons


def ranked(*, user, now: datetime | None = None, popularity_only: bool = False) -> list:
    """``[(event id, score, reasons)]`` best first (``popularity_only``: the baseline of
    the offline evaluation, ranked by popularity alone)."""
    now = now or timezone.now()
    found = candidates(user=user, now=now)
    top = max((signals.popularity for _pk, signals in found), default=0)
    scored = []
    for pk, signals in found:
        if popularity_only:
            scored.append((pk, float(signals.popularity), [], signals.days_until))
            continue
        score, reasons = score_of(signals, top_popularity=top)
        scored.append((pk, score, reasons, signals.days_until))
    scored.sort(key=lambda row: (-row[1], row[3], str(row[0])))
    return [(pk, score, reasons) for pk, score, reasons, _days in scored]


def recommended_events(*, user, limit: int = DEFAULT_LIMIT, now: datetime | None = None):
    """The ``limit`` best recommendations for ``user``, ready to serialize."""
    chosen = ranked(user=user, now=now)[: min(limit, MAX_LIMIT)]
    rows = {
        event.pk: event
        for event in with_rows(Event.objects.filter(pk__in=[c[0] for c in chosen]), user=user)
    }
    return [
        Recommendation(event=rows[pk], score=score, reasons=reasons)
        for pk, score, reasons in chosen
        if pk in rows
    ]
