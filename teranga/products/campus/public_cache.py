"""Campus's public lists in the HTTP cache (``teranga.core.public_cache``): the scopes
their answers depend on, and what bumps them (registered by ``product.py``).

* ``campus.categories``: the reference list of categories (a code change only);
* ``campus.events``: the public list of events and the popular list. Any saved or
  deleted event, or a change of its tags, bumps it at once; so does a series (its dates
  are bulk-created: :func:`events_changed`). Counters written with ``UPDATE`` (views,
  favourites, tickets sold) send no signal: the popular ranking follows them within the
  views' server-side lifetime (``PopularEventsView.public_cache_timeout``).

Other parts that change events with ``QuerySet.update`` (a cancellation, a job that
finishes events) call :func:`events_changed`.
"""

from __future__ import annotations

from teranga.core.public_cache import invalidate_on, scopes_bump

CATEGORIES = "campus.categories"
EVENTS = "campus.events"


def events_changed() -> None:
    """Make every cached public list of events stale (now, and again after commit)."""
    scopes_bump(EVENTS)


def register() -> None:
    from .models import Event, EventSeries, Tag

    invalidate_on(Event, [EVENTS], m2m=["tags"])
    invalidate_on(EventSeries, [EVENTS])
    invalidate_on(Tag, [EVENTS])
