"""Reviews of events: write, edit, delete, reply, report.

* :func:`review_create` — a student who checked in at the event (``selectors.reviews``:
  a presence with a first entry, or an accepted entry scan), after the event started,
  once per event (409 ``already_reviewed``, backed by the unique constraint
  ``campus_review_once``). Anyone else: 403 ``review_not_allowed``.
* :func:`review_update` / :func:`review_delete` — the author only (anyone else: 404).
* :func:`review_reply` — the organiser's staff (``campus.events.manage``): one reply,
  which they may rewrite; another organisation's review is 404.
* :func:`review_report` — any signed-in user but the author, once per review (409
  ``already_reported``, unique constraint ``campus_review_report_once``). At
  :data:`~..models.community.REVIEW_HIDE_AFTER_REPORTS` reports the review is hidden
  (``hidden_at``). Every report also opens or joins the review's moderation case
  (``moderation.services.report``: 429 ``throttled`` past the hourly limit).

**Moderation** (kind ``campus.review``, organisation the event's organiser; see
``services.moderation``): the comment and the organiser's reply are checked; a blocked
one is refused (400 ``content_blocked``, logged), a flagged one stored and its case
opened. The organiser's managers and above (``campus.events.manage``) and platform staff
decide in the moderation queue: approving shows the review again (``hidden_at``
cleared), removing hides it for good (:func:`review_moderation_remove`). Staff may still
clear ``hidden_at`` in the admin.

A new review queues the badge evaluation of its author after commit (the "reviewer"
badge, ``services.badges``).
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.db import integrity_constraint
from teranga.core.errors import Conflict, Forbidden, NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.moderation.services import report as moderation_report
from teranga.platform.organizations.access import ensure, membership_of

from ..errors import CampusError
from ..models import EventStatus, Review, ReviewReport
from ..models.community import REVIEW_HIDE_AFTER_REPORTS
from ..selectors.access import event_for_viewer
from ..selectors.reviews import review_get, user_attended
from .moderation import REVIEW_KIND, event_scope, flag_record, moderated, text_check

MANAGE_ACTION = "campus.events.manage"


def _already_reviewed() -> Conflict:
    return Conflict(_("You have already reviewed this event."), code=CampusError.ALREADY_REVIEWED)


def _already_reported() -> Conflict:
    return Conflict(_("You have already reported this review."), code=CampusError.ALREADY_REPORTED)


def _not_found() -> NotFound:
    return NotFound(_("No such review."), code=CampusError.REVIEW_NOT_FOUND)


def _check(review: Review, text: str, *, field: str, author):
    """The verdict on ``text`` (the review's comment or reply; ``review`` unsaved on
    creation), blocked: raised."""
    return text_check(
        text,
        kind=REVIEW_KIND,
        field=field,
        author=author,
        organization=review.organization,
        scope=event_scope(review.event_id),
        object_id="" if review._state.adding else review.pk,
    )


def _flag(review: Review, verdict, *, text: str, author) -> None:
    flag_record(
        verdict,
        kind=REVIEW_KIND,
        object_id=review.pk,
        author=author,
        organization=review.organization,
        scope=event_scope(review.event_id),
        text=text,
    )


@moderated
@transaction.atomic
def review_create(
    *, user, event_id, rating: int, comment: str = "", now: datetime | None = None
) -> Review:
    now = now or timezone.now()
    event = event_for_viewer(user=user, event_id=event_id)
    if event.status == EventStatus.CANCELLED:
        raise Conflict(_("This event is cancelled."), code=CampusError.EVENT_CANCELLED)
    if event.starts_at > now:
        raise Conflict(
            _("You can review this event once it has started."), code=CampusError.EVENT_NOT_STARTED
        )
    if not user_attended(user=user, event=event):
        raise Forbidden(
            _("Only attendees who checked in at this event can review it."),
            code=CampusError.REVIEW_NOT_ALLOWED,
        )
    if Review.objects.filter(event=event, author=user).exists():
        raise _already_reviewed()
    draft = Review(event=event, organization=event.organization)
    verdict = _check(draft, comment, field="comment", author=user)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                event=event,
                organization_id=event.organization_id,
                author=user,
                rating=rating,
                comment=comment,
            )
    except IntegrityError as exc:  # a twin request got there first
        if integrity_constraint(exc, Review) == "campus_review_once":
            raise _already_reviewed() from None
        raise
    _flag(review, verdict, text=comment, author=user)
    from .badges import badges_award_later

    badges_award_later(user_ids=[user.pk])
    return review


def _own_review(user, review_id, *, lock: bool = False) -> Review:
    key = parse_uuid(review_id)
    queryset = Review.objects.select_related("author", "replied_by", "organization")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    review = queryset.filter(pk=key, author=user).first() if key else None
    if review is None:
        raise _not_found()
    return review


@moderated
@transaction.atomic
def review_update(*, user, review_id, **changes) -> Review:
    """The author changes the rating and/or the comment (checked again)."""
    review = _own_review(user, review_id, lock=True)
    verdict = None
    if "comment" in changes:
        verdict = _check(review, changes["comment"], field="comment", author=user)
    fields = []
    for name in ("rating", "comment"):
        if name in changes:
            setattr(review, name, changes[name])
            fields.append(name)
    if fields:
        review.save(update_fields=[*fields, "updated_at"])
    if verdict is not None:
        _flag(review, verdict, text=review.comment, author=user)
    return review


@transaction.atomic
def review_delete(*, user, review_id) -> None:
    _own_review(user, review_id, lock=True).delete()


@moderated
@transaction.atomic
def review_reply(*, user, review_id, reply: str, now: datetime | None = None) -> Review:
    """The organiser's staff reply (or rewrite their reply)."""
    now = now or timezone.now()
    key = parse_uuid(review_id)
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("organization", "author")
        .filter(pk=key)
        .first()
        if key
        else None
    )
    if review is None:
        raise _not_found()
    membership = membership_of(user, review.organization)
    try:
        ensure(user, review.organization, MANAGE_ACTION, membership)
    except NotFound:
        raise _not_found() from None
    verdict = _check(review, reply, field="reply", author=user)
    review.reply = reply
    review.replied_at = now
    review.replied_by = user
    review.save(update_fields=["reply", "replied_at", "replied_by", "updated_at"])
    _flag(review, verdict, text=reply, author=user)
    return review


@transaction.atomic
def review_report(*, user, review_id, reason: str, now: datetime | None = None) -> Review:
    """``user`` reports a shown review they may see (not their own: 409); its moderation
    case opens or gets the report."""
    now = now or timezone.now()
    review = review_get(user=user, review_id=review_id, lock=True)
    if review.hidden_at is not None and review.author_id != user.pk:
        raise _not_found()
    if review.author_id == user.pk:
        raise Conflict(_("You cannot report your own review."), code=CampusError.ALREADY_REPORTED)
    try:
        with transaction.atomic():
            ReviewReport.objects.create(review=review, reporter=user, reason=reason)
    except IntegrityError as exc:
        if integrity_constraint(exc, ReviewReport) == "campus_review_report_once":
            raise _already_reported() from None
        raise
    moderation_report(
        user,
        kind=REVIEW_KIND,
        object_id=str(review.pk),
        organization=review.event.organization,
        scope=event_scope(review.event_id),
        text="\n".join(part for part in (review.comment, review.reply) if part),
        reason=reason,
        author=review.author,
    )
    Review.objects.filter(pk=review.pk).update(reports_count=F("reports_count") + 1)
    Review.objects.filter(
        pk=review.pk, reports_count__gte=REVIEW_HIDE_AFTER_REPORTS, hidden_at__isnull=True
    ).update(hidden_at=now, updated_at=now)
    review.refresh_from_db(fields=["reports_count", "hidden_at"])
    return review


# --- Moderation decisions (the queue's ``campus.review`` kind) ----------------------------


@transaction.atomic
def review_moderation_remove(*, review_id, now: datetime | None = None) -> None:
    """A moderator removed the review: hidden for good (kept for the organiser's figures
    of hidden reviews and for staff); a hidden one keeps its time."""
    now = now or timezone.now()
    Review.objects.filter(pk=review_id, hidden_at__isnull=True).update(
        hidden_at=now, updated_at=now
    )


@transaction.atomic
def review_moderation_approve(*, review_id) -> None:
    """A moderator kept the review: shown again (``hidden_at`` cleared)."""
    Review.objects.filter(pk=review_id, hidden_at__isnull=False).update(
        hidden_at=None, updated_at=timezone.now()
    )
