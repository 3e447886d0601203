"""Calendar feeds: secret iCal subscription URLs (only a digest of the token is kept)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from teranga.core.errors import NotFound
from teranga.platform.organizations.models import Organization
from teranga.platform.scheduling.errors import SchedulingError

from ..models import (
    CalendarFeed,
)
from ..selectors import feed_token_digest

# --- Calendar feeds --------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_create(
    *, owner, organization: Organization | None = None, name: str = ""
) -> tuple[CalendarFeed, str]:
    """A new secret feed; returns it with the raw token (shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        owner=owner, organization=organization, name=name, token_hash=feed_token_digest(token)
    )
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, owner, feed_id) -> CalendarFeed:
    feed = CalendarFeed.objects.select_for_update().filter(owner=owner, pk=feed_id).first()
    if feed is None:
        raise NotFound(code=SchedulingError.FEED_NOT_FOUND)
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at", "updated_at"])
    return feed


def calendar_feed_touch(*, feed: CalendarFeed) -> None:
    """Record that the feed was fetched (at most once a minute, to spare writes)."""
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > timedelta(minutes=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
