"""Send events to WebSocket groups, from any thread, with sequence numbers and replay.

Every event sent to a group gets the group's next sequence number (a counter in the
cache: ``cache.add`` + ``cache.incr``, atomic on Redis and within one process on the
local-memory cache). The event is also kept in the cache for a while (the last
``BUFFER_SIZE`` events of the group, ``BUFFER_TTL`` seconds at most) so that a client
that reconnects can ask for what it missed (``{"type": "resume", "since": N}``, see
``consumers.RealtimeConsumer``), and so that a live connection that sees a gap in the
numbers (the channel layer dropped a message for a consumer that fell behind) can send
the missing events first (``buffered_events``). The number is taken before the event is
stored and the event is stored before it is sent, so an event that a consumer receives
is always in the buffer, and one it has not received may briefly not be yet.

Consumers receive ``{"type": "realtime.event", "group": g, "seq": N, "event": {...}}``
through the channel layer; clients receive ``{"type": "event", "seq": N, "event": {...}}``.

Which loop sends the message:

- code running *on* an event loop (sync code called straight from a coroutine): the
  send is scheduled on that loop as a task, since blocking the loop would deadlock;
- any other thread, when the ASGI server registered its loop (``set_server_loop``, done
  by the lifespan in ``config.asgi``): the coroutine is handed to the server loop with
  ``asyncio.run_coroutine_threadsafe`` and we wait for it. This is what makes the
  in-memory channel layer (not thread-safe, bound to the loop its consumers wait on)
  work from the embedded huey worker threads;
- otherwise (tests, management commands, ``run_huey`` workers at scale, sync code run
  by asgiref's ``sync_to_async``): ``async_to_sync``, which reuses asgiref's outer loop
  when there is one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import caches
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

logger = logging.getLogger(__name__)

EVENT_MESSAGE_TYPE = "realtime.event"
BUFFER_SIZE = 100  # events kept per group for resume
BUFFER_TTL = 60 * 60  # seconds an event stays available for resume
SEND_TIMEOUT = 10.0  # seconds to wait for the server loop to hand the message over

_server_loop: asyncio.AbstractEventLoop | None = None
_server_loop_lock = threading.Lock()
_pending: set[asyncio.Task] = set()  # keeps fire-and-forget sends alive until done


def set_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Record (or forget, with ``None``) the ASGI server's event loop."""
    global _server_loop
    with _server_loop_lock:
        _server_loop = loop


def user_group(user_id: Any) -> str:
    """The group of every connection of one user: ``user.<uuid hex>``."""
    try:
        key = uuid.UUID(str(user_id)).hex
    except ValueError:
        key = str(user_id)
    return f"user.{key}"


def _cache():
    return caches[getattr(settings, "REALTIME_CACHE_ALIAS", "default")]


def _seq_key(group: str) -> str:
    return f"realtime:seq:{group}"


def _event_key(group: str, seq: int) -> str:
    return f"realtime:event:{group}:{seq}"


def current_seq(group: str) -> int:
    """The sequence number of the last event sent to ``group`` (0 if none)."""
    return int(_cache().get(_seq_key(group)) or 0)


def _next_seq(group: str) -> int:
    cache = _cache()
    key = _seq_key(group)
    cache.add(key, 0, timeout=None)
    try:
        return int(cache.incr(key))
    except ValueError:  # evicted between add and incr
        cache.add(key, 0, timeout=None)
        return int(cache.incr(key))


def _normalise(event: dict) -> dict:
    """A JSON round trip: UUIDs, dates and decimals become strings, as on the wire."""
    if not isinstance(event, dict):
        raise TypeError("A realtime event must be a dict.")
    return json.loads(json.dumps(event, cls=DjangoJSONEncoder))


def buffered_events(group: str, seqs) -> dict[int, dict]:
    """The events of ``group`` numbered ``seqs`` that the buffer still holds, by seq (one
    cache round trip). A seq that is absent expired, was evicted, or is still being
    sent (its number is taken before the event is stored)."""
    wanted = [int(seq) for seq in seqs if int(seq) > 0]
    if not wanted:
        return {}
    found = _cache().get_many([_event_key(group, seq) for seq in wanted])
    return {
        seq: found[_event_key(group, seq)]
        for seq in wanted
        if found.get(_event_key(group, seq)) is not None
    }


def missed_events(group: str, since: int) -> list[tuple[int, dict]] | None:
    """Events of ``group`` after ``since``, oldest first; ``None`` when the client must
    resynchronise (the gap is older than the buffer, or ``since`` is in the future,
    e.g. after the counter was reset)."""
    current = current_seq(group)
    if since > current or current - since > BUFFER_SIZE:
        return None
    if since == current:
        return []
    wanted = list(range(since + 1, current + 1))
    found = _cache().get_many([_event_key(group, seq) for seq in wanted])
    events: list[tuple[int, dict]] = []
    missing_before = False
    for seq in wanted:
        event = found.get(_event_key(group, seq))
        if event is None:
            missing_before = True  # expired, or still in flight at the tail
            continue
        if missing_before:
            return None  # a hole in the middle: that event is lost for this client
        events.append((seq, event))
    return events


def _send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None:
        task = running.create_task(layer.group_send(group, message))
        _pending.add(task)
        task.add_done_callback(_pending.discard)
        return
    loop = _server_loop
    if loop is not None and loop.is_running() and not loop.is_closed():
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
        future.result(timeout=SEND_TIMEOUT)
        return
    async_to_sync(layer.group_send)(group, message)


def number(group: str, event: dict) -> tuple[int, dict]:
    """The first half of :func:`broadcast`: give ``event`` the group's next sequence
    number and keep it in the buffer; returns ``(seq, event as sent)``. Hand both to
    :func:`deliver`. For a caller that must number events inside a lock of its own but
    not wait for the channel layer there: consumers that receive them out of order fill
    the gap from the buffer."""
    event = _normalise(event)
    seq = _next_seq(group)
    _cache().set(_event_key(group, seq), event, timeout=BUFFER_TTL)
    return seq, event


def deliver(group: str, seq: int, event: dict) -> None:
    """The second half of :func:`broadcast`: send a numbered event (see :func:`number`)."""
    _send(group, {"type": EVENT_MESSAGE_TYPE, "group": group, "seq": seq, "event": event})


def broadcast(group: str, event: dict) -> int:
    """Send ``event`` to every connection in ``group`` now; returns its sequence number."""
    seq, event = number(group, event)
    deliver(group, seq, event)
    return seq


def broadcast_on_commit(group: str, event: dict) -> None:
    """Broadcast once the current transaction commits (at once outside a transaction).

    Nothing is sent when the transaction rolls back. A failure to send is logged, not
    raised: the data is already committed.
    """
    event = _normalise(event)
    transaction.on_commit(lambda: broadcast(group, event), robust=True)
