"""Badges: a small registry of rules in code, awarded idempotently.

===============  ==================================================================
``first_event``  checked in at one event (a ticket they hold was admitted)
``events_10``    checked in at ten different events
``organizer_5``  manager, admin or owner of an organiser with five events that are
                 finished, or published and already ended (``selectors.badges``)
``reviewer``     wrote a first review
===============  ==================================================================

:func:`badges_award_for` evaluates every rule for one user and inserts the badges they
earned and do not hold yet. A :class:`BadgeAward` is unique per (user, badge): two runs
at once (a retried task, two workers) award once — the loser's insert fails on the
constraint inside a savepoint and is skipped. Each new badge sends
``campus.badge_awarded`` (idempotency key ``campus:badge:<user>:<badge>``).

The task engine runs it:

* :func:`badges_award_later` queues :data:`badges_award_task` after commit (a new review
  does so for its author);
* the periodic job ``campus.badges_award`` (:func:`badges_award_recent`, every five
  minutes) evaluates the users with activity since its last run — check-ins, reviews,
  and events of their organisations that ended or finished — since other parts' services
  (check-in, events) do not call us. Its watermark (:class:`BadgeSweep`) moves on only
  after the users were evaluated; it looks back :data:`SWEEP_OVERLAP` before it, for
  transactions that committed late.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from teranga.core.db import integrity_constraint
from teranga.platform.notifications.services import notification_send
from teranga.platform.organizations.models import Membership

from ..community_notices import BADGE_AWARDED, BADGE_LABELS
from ..models import (
    BadgeAward,
    BadgeSweep,
    Event,
    EventStatus,
    Review,
    Scan,
    ScanDirection,
    ScanResult,
    TicketPresence,
)
from ..selectors import badges as selectors


@dataclass(frozen=True)
class BadgeRule:
    code: str
    name: object
    description: object
    #: ``earned(user_ids, now) -> the ids among them that meet the rule``.
    earned: Callable[[list, datetime], set]


def _at_least(counter: Callable[[list, datetime], dict], threshold: int):
    def earned(user_ids, now):
        return {user_id for user_id, n in counter(user_ids, now).items() if n >= threshold}

    return earned


def _attended(user_ids, now):
    return selectors.events_attended(user_ids)


def _organised(user_ids, now):
    return selectors.events_organised(user_ids, now=now)


def _reviewed(user_ids, now):
    return selectors.reviews_written(user_ids)


#: The rules, by code (the order the profile lists them in).
BADGES: dict[str, BadgeRule] = {
    rule.code: rule
    for rule in (
        BadgeRule("first_event", *BADGE_LABELS["first_event"], _at_least(_attended, 1)),
        BadgeRule("events_10", *BADGE_LABELS["events_10"], _at_least(_attended, 10)),
        BadgeRule("organizer_5", *BADGE_LABELS["organizer_5"], _at_least(_organised, 5)),
        BadgeRule("reviewer", *BADGE_LABELS["reviewer"], _at_least(_reviewed, 1)),
    )
}

SWEEP_NAME = "activity"
#: The first run looks this far back; every run re-reads this much before its watermark.
SWEEP_FIRST_LOOKBACK = timedelta(days=1)
SWEEP_OVERLAP = timedelta(minutes=5)


#: Users evaluated together (each rule is one query per chunk).
CHUNK = 500


def _missing(user_ids: list, now: datetime) -> list[tuple]:
    """``(user_id, rule)`` for every badge a user among ``user_ids`` earned and does not
    hold: one query per rule and one for what they hold, whatever their number."""
    held = set(BadgeAward.objects.filter(user_id__in=user_ids).values_list("user_id", "badge"))
    pairs = []
    for code, rule in BADGES.items():
        for user_id in sorted(rule.earned(user_ids, now), key=str):
            if (user_id, code) not in held:
                pairs.append((user_id, rule))
    return pairs


def _award(user, rule: BadgeRule) -> bool:
    """Insert the award and tell the user, atomically; ``False`` when another run
    awarded it first (the unique constraint)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                BadgeAward.objects.create(user=user, badge=rule.code)
        except IntegrityError as exc:
            if integrity_constraint(exc, BadgeAward) == "campus_badge_once":
                return False
            raise
        if user.is_active:
            notification_send(
                recipient=user,
                kind=BADGE_AWARDED,
                context={"badge": rule.code},
                idempotency_key=f"campus:badge:{user.pk}:{rule.code}",
            )
    return True


def badges_award_for(*, user, now: datetime | None = None) -> list[str]:
    """Award ``user`` every badge they earned and do not hold; the codes newly awarded.
    Idempotent (unique per user and badge), safe to run concurrently."""
    now = now or timezone.now()
    return [rule.code for _user_id, rule in _missing([user.pk], now) if _award(user, rule)]


def badges_award_many(*, user_ids: Iterable, now: datetime | None = None) -> int:
    """:func:`badges_award_for` for many (active) users, loaded and evaluated per chunk
    of :data:`CHUNK`; how many badges were awarded."""
    now = now or timezone.now()
    ids = sorted({str(user_id) for user_id in user_ids})
    awarded = 0
    for start in range(0, len(ids), CHUNK):
        chunk = {user.pk: user for user in _users(ids[start : start + CHUNK])}
        for user_id, rule in _missing(list(chunk), now):
            awarded += _award(chunk[user_id], rule)
    return awarded


def _users(user_ids: Iterable) -> list:
    return list(get_user_model().objects.filter(pk__in=list(user_ids), is_active=True))


@task()
def badges_award_task(*, user_ids: list[str]) -> int:
    """The badges of these users (a new review, …): how many were awarded."""
    return badges_award_many(user_ids=user_ids)


def badges_award_later(*, user_ids: Iterable) -> None:
    """Queue :data:`badges_award_task` for ``user_ids`` once the caller's transaction
    commits."""
    ids = sorted({str(user_id) for user_id in user_ids})
    if ids:
        transaction.on_commit(lambda: badges_award_task.enqueue(user_ids=ids))


def active_users_since(since: datetime) -> set:
    """Users with activity since ``since`` that a rule counts."""
    users: set = set()
    users |= set(
        TicketPresence.objects.filter(first_entry_at__gte=since).values_list(
            "ticket__holder_id", flat=True
        )
    )
    users |= set(
        Scan.objects.filter(
            created_at__gte=since, direction=ScanDirection.ENTRY, result=ScanResult.VALID
        )
        .exclude(ticket__isnull=True)
        .values_list("ticket__holder_id", flat=True)
    )
    users |= set(Review.objects.filter(created_at__gte=since).values_list("author_id", flat=True))
    now = timezone.now()
    organisations = Event.objects.filter(
        Q(selectors.organised_past_q(now), ends_at__gte=since)
        | Q(status=EventStatus.FINISHED, updated_at__gte=since)
    ).values("organization_id")
    users |= set(
        Membership.objects.filter(
            role__in=selectors.ORGANIZER_ROLES, organization_id__in=organisations
        ).values_list("user_id", flat=True)
    )
    users.discard(None)
    return users


def badges_award_recent(*, now: datetime | None = None) -> int:
    """The periodic job ``campus.badges_award``: evaluate the users with activity since
    the last run; how many badges were awarded."""
    now = now or timezone.now()
    sweep = BadgeSweep.objects.filter(name=SWEEP_NAME).first()
    since = (sweep.checked_until if sweep else now - SWEEP_FIRST_LOOKBACK) - SWEEP_OVERLAP
    awarded = badges_award_many(user_ids=active_users_since(since), now=now)
    with transaction.atomic():
        sweep, created = BadgeSweep.objects.select_for_update().get_or_create(
            name=SWEEP_NAME, defaults={"checked_until": now}
        )
        if not created and sweep.checked_until < now:
            sweep.checked_until = now
            sweep.save(update_fields=["checked_until"])
    return awarded


def badges_award_periodic() -> int:
    return badges_award_recent()
