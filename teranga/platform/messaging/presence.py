"""Who is connected to a conversation's socket right now: a connection count per user
per conversation, in the cache the real-time module uses.

Each ``/ws/chat/…`` connection counts itself in on connect and out on disconnect; the
first connection of a user makes them *online* (an event goes to the conversation),
the last one *offline*. A live connection refreshes its count every
``REFRESH_INTERVAL`` seconds and the count expires ``TTL`` seconds after the last
refresh.

Limits (deliberate):

* The counts are only as shared as the cache: with the local-memory cache (the embedded
  mode, one process) they are exact; with several processes the cache must be Redis.
* A process that dies without closing its sockets leaves its counts behind until they
  expire (``TTL``): the user may look online that long, and no "offline" event is sent
  for them.
* Cache eviction may forget a count early: the user then looks offline while connected
  (and is notified of new messages by the usual channels). Nothing is lost either way.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import caches

TTL = 120  # seconds a count lives without a refresh
REFRESH_INTERVAL = 40  # seconds between a live connection's refreshes


def _cache():
    return caches[getattr(settings, "REALTIME_CACHE_ALIAS", "default")]


def _hex(value) -> str:
    try:
        return uuid.UUID(str(value)).hex
    except ValueError:
        return str(value)


def _key(conversation_id, user_id) -> str:
    return f"chat:presence:{_hex(conversation_id)}:{_hex(user_id)}"


def presence_join(conversation_id, user_id) -> bool:
    """Count one more connection of ``user_id``; True if it is their first."""
    cache = _cache()
    key = _key(conversation_id, user_id)
    for _attempt in range(3):
        cache.add(key, 0, timeout=TTL)
        try:
            count = int(cache.incr(key))
        except ValueError:  # expired or evicted between add and incr
            continue
        cache.touch(key, TTL)
        return count == 1
    return True


def presence_leave(conversation_id, user_id) -> bool:
    """Count one connection of ``user_id`` out; True if it was their last."""
    cache = _cache()
    key = _key(conversation_id, user_id)
    try:
        count = int(cache.decr(key))
    except ValueError:  # already expired: nobody counted
        return True
    if count <= 0:
        cache.delete(key)
        return True
    return False


def presence_refresh(conversation_id, user_id) -> None:
    """Keep a live connection's count from expiring (recreated if it was evicted)."""
    cache = _cache()
    key = _key(conversation_id, user_id)
    if not cache.touch(key, TTL):
        cache.add(key, 1, timeout=TTL)


def online_user_ids(conversation_id, user_ids: Iterable) -> set[str]:
    """The ids (as strings) among ``user_ids`` with at least one live connection."""
    ids = [str(user_id) for user_id in user_ids]
    if not ids:
        return set()
    keys = {_key(conversation_id, user_id): user_id for user_id in ids}
    found = _cache().get_many(list(keys))
    return {keys[key] for key, count in found.items() if count and int(count) > 0}
