"""Writes of events: create, change, publish, delete, and the cover image.

The organiser is an organisation of kind university or club (checked by the selector
that hands it over). On creation the event takes the organisation's time zone and its
university (the organisation itself, or the university its club belongs to). The venue
is a branch of the organiser (its address and coordinates are copied) or a free address
with coordinates. Tags are the explicit ``tags`` followed by the hashtags of the
description, at most ``MAX_TAGS``.

**Moderation** (kind ``campus.event``, organisation the organiser; ``services.moderation``):
the title and the description are checked on creation, when a change touches them or
the visibility, and on publication. A blocked one is refused (400 ``content_blocked``
with the field's error, nothing changed, the attempt in the moderation log); a flagged
one is saved and opens (or joins) the event's case, which platform staff and, for a
club's event, the owners and admins of its university decide in the moderation queue.
Removing it is the least destructive thing that takes it out of sight
(:func:`event_moderation_remove`): the event becomes "invite only" (gone from the public
and university lists and searches; the organiser, its ticket holders and invitees still
see it; nothing is cancelled, refunded or notified). Approving changes nothing.

Each service locks the event row (``SELECT … FOR UPDATE``) before it changes it.
Cancelling an event is the tickets part's (``events/{id}/cancel/``: it refunds tickets).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, NotFound, ValidationFailed, refuse_unknown_fields
from teranga.core.images import image_upload_clean
from teranga.platform.moderation.extensions import Verdict
from teranga.platform.organizations.models import Branch, Organization, OrganizationKind

from ..errors import CampusError
from ..models import CampusOrganizer, Event, EventStatus, EventVisibility, Order, Tag
from ..models.events import MAX_TAGS, RICH_TEXT_MAX_LENGTH
from .moderation import EVENT_KIND, event_scope, flag_record, moderated, rich_text_plain, text_check
from .richtext import hashtags, rich_text_clean, tag_slug

#: What an organiser may set on an event (create and change).
EVENT_FIELDS = frozenset(
    {
        "title",
        "description",
        "category",
        "tags",
        "branch",
        "address",
        "latitude",
        "longitude",
        "online_url",
        "starts_at",
        "ends_at",
        "capacity",
        "visibility",
        "transfers_allowed",
        "requires_verified_student",
        "currency",
    }
)
EDITABLE_STATUSES = (EventStatus.DRAFT, EventStatus.PUBLISHED)
#: A change of one of these checks the event's texts again.
MODERATED_FIELDS = frozenset({"title", "description", "visibility"})


def university_of(organization: Organization) -> Organization | None:
    """The university an organiser's events belong to: itself, or its club's."""
    if organization.kind == OrganizationKind.UNIVERSITY:
        return organization
    settings = (
        CampusOrganizer.objects.filter(organization=organization)
        .select_related("university")
        .first()
    )
    return settings.university if settings else None


def tags_for(explicit: Iterable[str], description: str) -> list[Tag]:
    """The tags of an event: ``explicit`` (normalised; more than ``MAX_TAGS`` is 400
    ``too_many_tags``) then the description's hashtags, each once, at most ``MAX_TAGS``."""
    slugs: dict[str, None] = {}
    for value in explicit:
        slug = tag_slug(value)
        if not slug:
            raise ValidationFailed(fields={"tags": [_("A tag needs letters or digits.")]})
        slugs.setdefault(slug, None)
    if len(slugs) > MAX_TAGS:
        message = _("An event has at most %(count)d tags.") % {"count": MAX_TAGS}
        raise ValidationFailed(message, code=CampusError.TOO_MANY_TAGS, fields={"tags": [message]})
    for slug in hashtags(description):
        if len(slugs) >= MAX_TAGS:
            break
        slugs.setdefault(slug, None)
    if not slugs:
        return []
    existing = {tag.slug: tag for tag in Tag.objects.filter(slug__in=list(slugs))}
    missing = [Tag(slug=slug) for slug in slugs if slug not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.slug: tag for tag in Tag.objects.filter(slug__in=list(slugs))}
    return [existing[slug] for slug in slugs]


def _venue(organization: Organization, event: Event, fields: dict[str, Any]) -> None:
    """The venue: a branch (its address and coordinates copied unless given) or a free
    address with both coordinates (or neither)."""
    if "branch" in fields:
        branch_id = fields["branch"]
        if branch_id is None:
            event.branch = None
        else:
            branch = Branch.objects.filter(
                organization=organization, pk=branch_id, is_active=True
            ).first()
            if branch is None:
                raise NotFound(
                    _("This venue is not one of the organiser's branches."),
                    code=CampusError.VENUE_NOT_FOUND,
                )
            event.branch = branch
            if "address" not in fields:
                event.address = branch.address
            if "latitude" not in fields and "longitude" not in fields:
                event.latitude = float(branch.latitude) if branch.latitude is not None else None
                event.longitude = float(branch.longitude) if branch.longitude is not None else None
    if "address" in fields:
        event.address = fields["address"] or ""
    if "latitude" in fields or "longitude" in fields:
        latitude, longitude = fields.get("latitude"), fields.get("longitude")
        if (latitude is None) != (longitude is None):
            message = _("Give both the latitude and the longitude, or neither.")
            raise ValidationFailed(
                message, fields={"latitude" if latitude is None else "longitude": [message]}
            )
        event.latitude, event.longitude = latitude, longitude


def _apply(organization: Organization, event: Event, fields: dict[str, Any]) -> list[Tag] | None:
    """Set ``fields`` on ``event`` (not saved); returns its new tags when they change."""
    refuse_unknown_fields(fields, EVENT_FIELDS)
    simple = {
        "title",
        "category",
        "online_url",
        "starts_at",
        "ends_at",
        "capacity",
        "visibility",
        "transfers_allowed",
        "requires_verified_student",
        "currency",
    }
    for name in simple & set(fields):
        setattr(event, name, fields[name])
    if "description" in fields:
        event.description = rich_text_clean(fields["description"] or "")
        if len(event.description) > RICH_TEXT_MAX_LENGTH:
            message = _("The description is too long (%(count)d characters at most).") % {
                "count": RICH_TEXT_MAX_LENGTH
            }
            raise ValidationFailed(message, fields={"description": [message]})
    _venue(organization, event, fields)
    for name in ("starts_at", "ends_at"):
        value = getattr(event, name)
        if value is not None and timezone.is_naive(value):
            message = _("Give the time with its UTC offset.")
            raise ValidationFailed(message, fields={name: [message]})
    if event.ends_at <= event.starts_at:
        message = _("The event must end after it starts.")
        raise ValidationFailed(
            message, code=CampusError.EVENT_INVALID_DATES, fields={"ends_at": [message]}
        )
    if event.capacity is not None and event.capacity < event.taken:
        message = _("%(count)d seats are already taken.") % {"count": event.taken}
        raise ValidationFailed(message, fields={"capacity": [message]})
    try:
        event.full_clean(exclude=["organization", "university", "series", "branch", "cover"])
    except DjangoValidationError as error:
        raise ValidationFailed(fields=error.message_dict) from None
    if "tags" in fields or "description" in fields:
        explicit = fields.get("tags")
        if explicit is None:
            # Only the description changed: keep the explicit tags it never had as hashtags.
            explicit = [tag.slug for tag in event.tags.all()] if event.pk else []
        return tags_for(explicit, event.description)
    return None


def event_texts_check(event: Event, *, user=None) -> Verdict:
    """The verdict on the event's title and description (both checked, the most severe
    kept; every reason listed); a block raises ``ContentBlocked`` on its field. Checked
    with no author: an organiser's edits are not counted as repeated or hurried
    writing (the log still names ``user``)."""
    saved = not event._state.adding
    verdicts = []
    for field, text in (
        ("title", event.title),
        ("description", rich_text_plain(event.description)),
    ):
        verdicts.append(
            text_check(
                text,
                kind=EVENT_KIND,
                field=field,
                author=user,
                checked_author=None,
                organization=event.organization,
                scope=event_scope(event.pk) if saved else "",
                object_id=event.pk if saved else "",
            )
        )
    flagged = [verdict for verdict in verdicts if verdict.flagged]
    if not flagged:
        return Verdict()
    reasons = tuple(item for verdict in flagged for item in verdict.reason_list())
    return Verdict(flagged[0].action, flagged[0].reason, flagged[0].code, reasons)


def event_texts_flag(event: Event, verdict: Verdict, *, user=None) -> None:
    """A flagged event (saved) opens or joins its case, in the caller's transaction."""
    if not verdict.flagged:
        return
    flag_record(
        verdict,
        kind=EVENT_KIND,
        object_id=event.pk,
        author=user,
        organization=event.organization,
        scope=event_scope(event.pk),
        text="\n".join([event.title, rich_text_plain(event.description)]),
    )


def event_build(*, organization: Organization, fields: dict[str, Any]) -> tuple[Event, list[Tag]]:
    """A new draft event of ``organization`` from ``fields`` (validated, not saved)."""
    event = Event(
        organization=organization,
        university=university_of(organization),
        time_zone=organization.time_zone,
        status=EventStatus.DRAFT,
    )
    tags = _apply(organization, event, {"tags": [], **fields})
    return event, tags or []


@moderated
@transaction.atomic
def event_create(*, organization: Organization, user=None, **fields: Any) -> Event:
    """A draft event of ``organization`` (a university or a club), by ``user``."""
    event, tags = event_build(organization=organization, fields=fields)
    verdict = event_texts_check(event, user=user)
    event.save()
    event.tags.set(tags)
    event_texts_flag(event, verdict, user=user)
    return event


def _locked(organization: Organization, event_id) -> Event:
    event = (
        Event.objects.select_for_update(of=("self",))
        .filter(organization=organization, pk=event_id)
        .first()
    )
    if event is None:
        raise NotFound(code=CampusError.EVENT_NOT_FOUND)
    event.organization = organization
    return event


@moderated
@transaction.atomic
def event_update(*, organization: Organization, event_id, user=None, **fields: Any) -> Event:
    """Change a draft or published event (409 ``event_not_editable`` once cancelled or
    finished). Only this event: another date of its series is left alone."""
    event = _locked(organization, event_id)
    if event.status not in EDITABLE_STATUSES:
        raise Conflict(
            _("A cancelled or finished event cannot be changed."),
            code=CampusError.EVENT_NOT_EDITABLE,
        )
    tags = _apply(organization, event, fields)
    verdict = event_texts_check(event, user=user) if MODERATED_FIELDS & set(fields) else None
    event.save()
    if tags is not None:
        event.tags.set(tags)
    if verdict is not None:
        event_texts_flag(event, verdict, user=user)
    return event


@moderated
@transaction.atomic
def event_publish(
    *, organization: Organization, event_id, now: datetime | None = None, user=None
) -> Event:
    """Publish a draft (a published one stays so). 409 ``event_not_editable`` once
    cancelled or finished, ``event_started`` once its start has passed; its texts are
    checked again (400 ``content_blocked``)."""
    now = now or timezone.now()
    event = _locked(organization, event_id)
    if event.status == EventStatus.PUBLISHED:
        return event
    if event.status != EventStatus.DRAFT:
        raise Conflict(
            _("A cancelled or finished event cannot be published."),
            code=CampusError.EVENT_NOT_EDITABLE,
        )
    if event.starts_at <= now:
        raise Conflict(_("This event has already started."), code=CampusError.EVENT_STARTED)
    verdict = event_texts_check(event, user=user)
    event.status = EventStatus.PUBLISHED
    event.published_at = now
    event.save(update_fields=["status", "published_at", "updated_at"])
    event_texts_flag(event, verdict, user=user)
    return event


@transaction.atomic
def event_delete(*, organization: Organization, event_id) -> None:
    """Delete a draft that has no order (409 ``event_not_draft`` / ``event_has_orders``);
    its cover file is removed after commit."""
    event = _locked(organization, event_id)
    if event.status != EventStatus.DRAFT:
        raise Conflict(
            _("Only a draft can be deleted; cancel a published event instead."),
            code=CampusError.EVENT_NOT_DRAFT,
        )
    if Order.objects.filter(event=event).exists():
        raise Conflict(
            _("This event has orders: it cannot be deleted."), code=CampusError.EVENT_HAS_ORDERS
        )
    cover = event.cover.name
    storage = event.cover.storage
    event.delete()
    if cover:
        transaction.on_commit(lambda: storage.delete(cover))


@transaction.atomic
def event_cover_set(*, organization: Organization, event_id, image) -> Event:
    """Replace the cover with a re-encoded copy of ``image`` (400 ``invalid_image``);
    the old file is removed after commit."""
    event = _locked(organization, event_id)
    if event.status not in EDITABLE_STATUSES:
        raise Conflict(
            _("A cancelled or finished event cannot be changed."),
            code=CampusError.EVENT_NOT_EDITABLE,
        )
    clean = image_upload_clean(
        image, field="cover", message=_("Upload a valid image."), code=CampusError.INVALID_IMAGE
    )
    old = event.cover.name
    storage = event.cover.storage
    event.cover.save(clean.name, clean, save=False)
    event.save(update_fields=["cover", "updated_at"])
    if old:
        transaction.on_commit(lambda: storage.delete(old))
    return event


@transaction.atomic
def event_moderation_remove(*, event_id) -> None:
    """A moderator removed the event's texts: it becomes "invite only" (out of every
    public and university list; the organiser, its ticket holders and invitees still see
    it; nothing cancelled, refunded or notified). The organiser may change it again (the
    texts are then checked again)."""
    updated = Event.objects.filter(pk=event_id).exclude(visibility=EventVisibility.INVITE)
    if updated.update(visibility=EventVisibility.INVITE, updated_at=timezone.now()):
        from ..public_cache import events_changed

        events_changed()
