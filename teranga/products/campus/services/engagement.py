"""What students do with events: favourites, follows of organisers and tags, and views.

Counters on the event stay exact under concurrency without locking the event: a row is
inserted in a savepoint (the unique constraint lets only one of two simultaneous inserts
through) and only the request whose insert (or delete) happened changes the counter,
with a conditional ``UPDATE … SET n = n ± 1``.

A view is counted once per viewer per day (``EventView``'s unique constraint). An
anonymous visitor's key is an HMAC-SHA256 of their address and browser keyed with
``SECRET_KEY``: the address itself is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from teranga.core.client_address import client_address
from teranga.platform.organizations.models import Organization

from ..models import Event, EventFavourite, EventView, OrganizerFollow, Tag, TagFollow

#: Longest user agent that goes into an anonymous viewer's key.
USER_AGENT_MAX = 500


def _insert_once(model, **values) -> bool:
    """Insert a row unless the unique constraint already holds one; True when inserted."""
    try:
        with transaction.atomic():
            model.objects.create(**values)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def favourite_add(*, user, event: Event) -> bool:
    """Favourite ``event`` (idempotent); True when it was not a favourite yet."""
    added = _insert_once(EventFavourite, user=user, event=event)
    if added:
        Event.objects.filter(pk=event.pk).update(favourites_count=F("favourites_count") + 1)
    return added


@transaction.atomic
def favourite_remove(*, user, event: Event) -> bool:
    """Remove ``event`` from the favourites (idempotent); True when it was one."""
    deleted, _ = EventFavourite.objects.filter(user=user, event=event).delete()
    if deleted:
        Event.objects.filter(pk=event.pk, favourites_count__gt=0).update(
            favourites_count=F("favourites_count") - 1
        )
    return bool(deleted)


@transaction.atomic
def organizer_follow(*, user, organization: Organization) -> bool:
    return _insert_once(OrganizerFollow, user=user, organization=organization)


@transaction.atomic
def organizer_unfollow(*, user, organization: Organization) -> bool:
    deleted, _ = OrganizerFollow.objects.filter(user=user, organization=organization).delete()
    return bool(deleted)


@transaction.atomic
def tag_follow(*, user, tag: Tag) -> bool:
    return _insert_once(TagFollow, user=user, tag=tag)


@transaction.atomic
def tag_unfollow(*, user, tag: Tag) -> bool:
    deleted, _ = TagFollow.objects.filter(user=user, tag=tag).delete()
    return bool(deleted)


def viewer_key(request) -> str:
    """Who is viewing: the user's id, or for an anonymous visitor a keyed digest
    (HMAC-SHA256 with ``SECRET_KEY``) of their address and user agent (64 hex digits)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return str(user.pk)
    address = client_address(request) or ""
    agent = (request.META.get("HTTP_USER_AGENT") or "")[:USER_AGENT_MAX]
    message = f"campus-view\n{address}\n{agent}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


@transaction.atomic
def event_view_record(*, event: Event, viewer: str, user=None, day: date | None = None) -> bool:
    """Count a view of ``event`` by ``viewer`` once per day; True when it was counted."""
    day = day or timezone.localdate()
    counted = _insert_once(
        EventView,
        event=event,
        viewer=viewer,
        user=user if user is not None and user.is_authenticated else None,
        day=day,
    )
    if counted:
        Event.objects.filter(pk=event.pk).update(views_count=F("views_count") + 1)
    return counted
