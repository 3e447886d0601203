"""WebSocket consumers: the reusable bases (:class:`RealtimeConsumer`, and
:class:`OrganizationScopedConsumer` for a socket on one object of an organisation) and the
per-user notifications socket.

Protocol (JSON text frames):

server → client
    ``{"type": "snapshot", "seq": N, "data": {...}}``   once, right after connecting;
    ``{"type": "event", "seq": N, "event": {...}}``      every event after that;
    ``{"type": "resync", "seq": N, "data": {...}}``      a fresh snapshot, replacing the
                                                         client's state: the answer to a
                                                         resume whose gap is too old, or
                                                         sent unprompted when events were
                                                         lost on the way (see below);
    ``{"type": "resumed", "seq": N, "count": k}``        end of a resume's replay;
    ``{"type": "pong"}``, ``{"type": "error", "code": ..., "detail": ...}``.
client → server
    ``{"type": "resume", "since": N}``  replays the events after N (the last seq seen);
    ``{"type": "ping"}``.

``seq`` numbers the events of the consumer's primary group (its first group): they
increase by one per event. A consumer in several groups adds ``"group"`` to events and
``"seqs"`` (per group) to snapshots; ``since`` may then be ``{"<group>": N, ...}``.
An event is never sent twice on one connection (the snapshot's seq counts as seen).

Nothing is skipped silently. The channel layer may drop a message (a consumer that
falls behind fills its channel: channels_redis and the in-memory layer then refuse new
messages for it, see ``CHANNELS_CAPACITY`` in the settings), and two broadcasters may
race. So the consumer checks every event's seq against the last one it sent:

* ``seq == last + 1``: sent;
* ``seq > last + 1`` (a gap): the missing events are replayed first, in order, from the
  broadcast buffer (``broadcast.BUFFER_SIZE`` per group); when they are gone, the client
  gets a ``resync`` (a fresh snapshot) instead;
* ``seq <= last``: a duplicate (a replay overtook it), dropped — unless the group's
  counter went backwards (the cache lost it), which also gets a ``resync``.

At most every ``REALTIME_AUTH_RECHECK_SECONDS`` (each wait is drawn between half of it
and all of it, so that sockets opened together do not re-check together) the consumer
also: re-checks that the session of the token that opened the socket is still signed
in, and that ``still_authorized()`` holds (closing with 4401 or 4403 when not: logout
ends live sockets too); renews its group memberships (layers forget members after
``CHANNELS_GROUP_EXPIRY``); and catches up on events older than the last wait that
never arrived (the last message of a burst dropped by a full channel has no successor
to reveal the gap).

Connections without a valid token are accepted and closed at once with code 4401,
so the client sees the code (a close before accepting would be an HTTP 403), unless the
consumer sets ``allow_anonymous = True`` (a public board): then ``authorize()`` alone
decides, and the periodic re-check skips the session check of a socket opened without a
token (it still runs ``still_authorized()``).

Close codes: 4401 no valid token (where one is needed), 4403 not allowed, 4404 (sockets
on an organisation's object) no such object, or one of an organisation the user may not
see — the WebSocket form of the API's 404 for another organisation's objects.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from teranga.platform.organizations.access import decide, membership_of
from teranga.platform.realtime import broadcast
from teranga.platform.realtime.auth import (
    BEARER_SUBPROTOCOL,
    TOKEN_CLAIMS_SCOPE_KEY,
    token_session_user,
)
from teranga.platform.realtime.layers import raise_if_cancel_requested

logger = logging.getLogger(__name__)

#: Cache reads (event numbers, the replay buffer) off the one thread that runs the sync
#: views and the consumers' database work: every socket's periodic catch-up and each
#: event's gap check would otherwise queue in front of the requests.
cache_to_async = functools.partial(sync_to_async, thread_sensitive=False)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
DEFAULT_AUTH_RECHECK_SECONDS = 60.0
#: A gap whose events are not in the buffer yet may be a race with a broadcaster that
#: took its number but has not stored its event: look again this many times.
GAP_RETRIES = 3
GAP_RETRY_DELAY = 0.05  # seconds
#: Stopping a socket's background task: ask this many times, waiting this long each time.
TASK_STOP_ATTEMPTS = 20
TASK_STOP_WAIT = 0.25  # seconds


async def stop_task(task: asyncio.Task, name: str) -> None:
    """Cancel a socket's background task (a re-check timer, a presence refresh) and wait
    until it has ended, within a bound (5 s), so that a closed socket leaves nothing
    behind for the server's shutdown to wait on.

    On Python 3.11 a cancellation can be lost on the way (redis-py sends through
    ``asyncio.wait_for``, see ``realtime.layers``), so it is asked for again at every
    wait; the task's own loop also checks ``raise_if_cancel_requested``."""
    for _ in range(TASK_STOP_ATTEMPTS):
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=TASK_STOP_WAIT)
        if done:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                task.result()
            return
    logger.warning("realtime task did not stop", extra={"task": name})


class RealtimeConsumer(AsyncJsonWebsocketConsumer):
    """Base consumer: authentication, groups, snapshot, events, gaps, resume and ping.

    Subclasses implement ``get_groups`` and ``get_snapshot`` (both async; use
    ``database_sync_to_async`` for queries) and may override ``authorize`` to refuse a
    connection (close code 4403). ``still_authorized`` (by default ``authorize`` again)
    runs at every periodic re-check: a participant removed from a conversation is cut
    off within ``REALTIME_AUTH_RECHECK_SECONDS``.
    """

    user = None
    #: Let sockets without a (valid) token in; ``authorize()`` decides who may watch.
    allow_anonymous: bool = False
    #: Seconds between re-checks; ``None`` reads ``settings.REALTIME_AUTH_RECHECK_SECONDS``.
    auth_recheck_seconds: float | None = None

    # --- hooks ---------------------------------------------------------------------------
    async def authorize(self) -> bool:
        return True

    async def still_authorized(self) -> bool:
        return await self.authorize()

    async def get_groups(self) -> list[str]:
        raise NotImplementedError

    async def get_snapshot(self) -> dict:
        return {}

    # --- connection ----------------------------------------------------------------------
    async def __call__(self, scope, receive, send):
        self._watcher: asyncio.Task | None = None
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._stop_watcher()

    async def connect(self):
        subprotocol = (
            BEARER_SUBPROTOCOL if BEARER_SUBPROTOCOL in self.scope.get("subprotocols", []) else None
        )
        self.user = self.scope.get("user")
        self._seen: dict[str, int] = {}
        self._lock = asyncio.Lock()  # one writer of events at a time: order and _seen
        await self.accept(subprotocol=subprotocol)
        if not self.authenticated and not self.allow_anonymous:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await self.authorize():
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # ``self.groups`` is left by channels on disconnect.
        self.groups = list(await self.get_groups())
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        # Read the counters before the data: an event may then be sent twice (harmless)
        # but never lost between the snapshot and the first event.
        async with self._lock:
            seqs = await self._current_seqs()
            self._seen.update(seqs)
            snapshot = await self.get_snapshot()
            await self.send_json(self._with_seqs({"type": "snapshot"}, seqs, snapshot))
        self._watcher = asyncio.get_running_loop().create_task(self._watch(dict(seqs)))

    @property
    def authenticated(self) -> bool:
        return bool(self.user is not None and self.user.is_authenticated)

    @property
    def primary_group(self) -> str | None:
        return self.groups[0] if self.groups else None

    async def _current_seqs(self) -> dict[str, int]:
        groups = list(self.groups)
        return await cache_to_async(
            lambda: {group: broadcast.current_seq(group) for group in groups}
        )()

    def _with_seqs(self, message: dict, seqs: dict[str, int], data: dict) -> dict:
        message["seq"] = seqs.get(self.primary_group, 0)
        if len(self.groups) > 1:
            message["seqs"] = seqs
        message["data"] = data
        return message

    async def resync(self) -> None:
        """Send a fresh snapshot; the client replaces its state. Caller holds the lock."""
        seqs = await self._current_seqs()
        self._seen.update(seqs)  # not max(): after a counter reset, the new numbers rule
        snapshot = await self.get_snapshot()
        await self.send_json(self._with_seqs({"type": "resync"}, seqs, snapshot))

    # --- the periodic re-check -----------------------------------------------------------
    def _recheck_interval(self) -> float:
        value = self.auth_recheck_seconds
        if value is None:
            value = getattr(settings, "REALTIME_AUTH_RECHECK_SECONDS", DEFAULT_AUTH_RECHECK_SECONDS)
        return max(float(value), 0.01)

    async def _stop_watcher(self) -> None:
        watcher, self._watcher = getattr(self, "_watcher", None), None
        if watcher is None or watcher is asyncio.current_task():
            return
        await stop_task(watcher, "realtime re-check")

    async def _watch(self, previous: dict[str, int]) -> None:
        interval = self._recheck_interval()
        while True:
            raise_if_cancel_requested()  # a cancellation lost on the way (layers)
            # Each wait is drawn between half the interval and all of it: sockets that
            # connected together (a server restart, a room of boards) would otherwise
            # re-check in one burst every interval, and delay the events meanwhile.
            await asyncio.sleep(interval * random.uniform(0.5, 1.0))  # noqa: S311 — not a secret
            try:
                code = await self._recheck_access()
                if code is not None:
                    await self.close(code=code)
                    return
                for group in self.groups:  # renew: layers expire members (group_expiry)
                    await self.channel_layer.group_add(group, self.channel_name)
                async with self._lock:
                    previous = await self._catch_up(previous)
            except asyncio.CancelledError:
                raise
            except Exception:  # a database or Redis hiccup: keep the socket, try again
                logger.warning("realtime re-check failed", exc_info=True)

    async def _recheck_access(self) -> int | None:
        """The close code when the connection must end now, else ``None``."""
        if self.authenticated:  # an anonymous socket (allow_anonymous) has no session
            claims = self.scope.get(TOKEN_CLAIMS_SCOPE_KEY)
            user = await database_sync_to_async(token_session_user)(claims)
            if user is None or user.pk != self.user.pk:
                logger.info("realtime session ended", extra={"user_id": str(self.user.pk)})
                return CLOSE_UNAUTHENTICATED
        if not await self.still_authorized():
            return CLOSE_FORBIDDEN
        return None

    async def _catch_up(self, previous: dict[str, int]) -> dict[str, int]:
        """Send what should have arrived by now: the events up to the seqs read one
        interval ago (anything still in flight is younger). Returns the seqs read now."""
        current = await self._current_seqs()
        if any(current.get(group, 0) < seen for group, seen in self._seen.items()):
            logger.warning("realtime counter went backwards; resync")
            await self.resync()
            return current
        for group, target in previous.items():
            seen = self._seen.get(group, 0)
            if target > seen and not await self._replay_range(group, seen, target, retry=False):
                logger.warning(
                    "realtime events never arrived and left the buffer; resync",
                    extra={"group": group, "missing": target - seen},
                )
                await self.resync()
                break
        return current

    # --- client messages -----------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not self.groups:  # closed (unauthenticated) or not set up
            return
        try:
            content = json.loads(text_data if text_data is not None else bytes_data)
        except (TypeError, ValueError, RecursionError):  # nested past the recursion limit
            await self.send_json({"type": "error", "code": "invalid_json", "detail": "Not JSON."})
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "resume":
            await self.resume(content.get("since"))
        else:
            await self.send_json(
                {"type": "error", "code": "unknown_type", "detail": "Unknown message type."}
            )

    async def resume(self, since) -> None:
        if isinstance(since, bool) or not isinstance(since, int | dict):
            await self.send_json(
                {"type": "error", "code": "invalid", "detail": "since must be an integer."}
            )
            return
        wanted = since if isinstance(since, dict) else {self.primary_group: since}
        wanted = {
            g: n
            for g, n in wanted.items()
            if g in self.groups and isinstance(n, int) and not isinstance(n, bool)
        }
        async with self._lock:
            replay = await cache_to_async(
                lambda: {group: broadcast.missed_events(group, n) for group, n in wanted.items()}
            )()
            if any(events is None for events in replay.values()):
                await self.resync()
                return
            count = 0
            for group, events in replay.items():
                for seq, event in events:
                    if await self._forward(group, seq, event, replay=True):
                        count += 1
            seqs = {group: self._seen.get(group, 0) for group in self.groups}
            message = {"type": "resumed", "seq": seqs.get(self.primary_group, 0), "count": count}
            await self.send_json(message)

    # --- channel layer messages ----------------------------------------------------------
    async def realtime_event(self, message):
        async with self._lock:
            await self._receive_event(message["group"], message["seq"], message["event"])

    async def _receive_event(self, group: str, seq: int, event: dict) -> None:
        seen = self._seen.get(group, 0)
        if seq <= seen:
            # A duplicate, normally (a replay or the snapshot overtook it). But when the
            # counter is behind what this socket saw, it was reset: numbers restarted.
            if await cache_to_async(broadcast.current_seq)(group) < seen:
                logger.warning("realtime counter went backwards; resync", extra={"group": group})
                await self.resync()
            return
        if seq > seen + 1:
            logger.info("realtime gap", extra={"group": group, "seen": seen, "received": seq})
            if not await self._replay_range(group, seen, seq - 1, retry=True):
                logger.warning(
                    "realtime gap older than the buffer; resync",
                    extra={"group": group, "missing": seq - 1 - seen},
                )
                await self.resync()
                if seq <= self._seen.get(group, 0):
                    return  # the snapshot includes it
        await self._forward(group, seq, event)

    async def _replay_range(self, group: str, after: int, upto: int, *, retry: bool) -> bool:
        """Send the events ``after+1 .. upto`` of ``group`` from the buffer, in order.
        False (nothing sent) when one of them is not there."""
        wanted = list(range(after + 1, upto + 1))
        if not wanted:
            return True
        if len(wanted) > broadcast.BUFFER_SIZE:
            return False
        attempts = GAP_RETRIES + 1 if retry else 1
        for attempt in range(attempts):
            found = await cache_to_async(broadcast.buffered_events)(group, wanted)
            if len(found) == len(wanted):
                break
            if attempt + 1 < attempts:
                await asyncio.sleep(GAP_RETRY_DELAY * (attempt + 1))
        else:
            return False
        for seq in wanted:
            await self._forward(group, seq, found[seq])
        return True

    async def _forward(self, group: str, seq: int, event: dict, replay: bool = False) -> bool:
        # A replay sends what was asked for, even events this socket has seen.
        if not replay and seq <= self._seen.get(group, 0):
            return False
        self._seen[group] = max(seq, self._seen.get(group, 0))
        payload = {"type": "event", "seq": seq, "event": event}
        if len(self.groups) > 1:
            payload["group"] = group
        await self.send_json(payload)
        return True


def organization_close_code(user, organization, action: str) -> int | None:
    """The close code for ``user`` doing ``action`` on ``organization``, decided by the
    organisation access rules (``organizations.access``): ``None`` when allowed,
    ``CLOSE_NOT_FOUND`` when the organisation is hidden from the user (as a 404 would
    be), ``CLOSE_FORBIDDEN`` when they see it but their role is too low. Queries the
    database: call it from sync code (``database_sync_to_async``)."""
    verdict = decide(user, organization, action, membership_of(user, organization))
    return {"hide": CLOSE_NOT_FOUND, "forbid": CLOSE_FORBIDDEN}.get(verdict)


class OrganizationScopedConsumer(RealtimeConsumer):
    """A socket on one object of an organisation (a queue, a branch board, a counter,
    the organisation itself), with access checked before anything is set up.

    Subclasses implement ``access_code()``: load the object the URL names (keep it on
    ``self`` for ``get_groups`` and ``get_snapshot``) and return ``None`` when the
    connection may go on, else its close code — usually through ``close_code_for()``.

    Guarantees:

    * a socket that passes the token check (a valid token, or ``allow_anonymous``) runs
      ``access_code()`` first; a refusal is accepted then closed with that code (so the
      client sees it: 4404 no such object or another organisation's, 4403 not allowed)
      before any group is joined and without a snapshot or any other message;
    * a socket without a valid token (and not ``allow_anonymous``) is closed with 4401
      by the base, without running ``access_code()``;
    * ``access_code()`` runs again (reloading the object) at every periodic re-check of
      the base; a refusal then closes the socket with 4403, as any re-check does.
    """

    async def access_code(self) -> int | None:
        """``None`` when the connection may go on, else the close code."""
        return None

    def close_code_for(self, obj, action: str | None = None, *, organization=None) -> int | None:
        """The close code for a socket on ``obj``: ``CLOSE_NOT_FOUND`` when it is
        ``None`` (none, inactive, not public: whatever the subclass's query excluded);
        else, when ``action`` is given, ``organization_close_code`` for it on
        ``organization`` (by default ``obj.organization``), which queries the database;
        else ``None``."""
        if obj is None:
            return CLOSE_NOT_FOUND
        if action is None:
            return None
        if organization is None:
            organization = obj.organization
        return organization_close_code(self.user, organization, action)

    async def connect(self):
        self.user = self.scope.get("user")
        if self.authenticated or self.allow_anonymous:
            code = await self.access_code()
            if code is not None:
                subprotocols = self.scope.get("subprotocols", [])
                await self.accept(
                    subprotocol=BEARER_SUBPROTOCOL if BEARER_SUBPROTOCOL in subprotocols else None
                )
                await self.close(code=code)
                return
            self._access_checked = True
        await super().connect()

    async def authorize(self) -> bool:
        if getattr(self, "_access_checked", False):  # checked a moment ago, in connect()
            self._access_checked = False
            return True
        return await self.access_code() is None

    async def still_authorized(self) -> bool:
        return await self.access_code() is None


class NotificationsConsumer(RealtimeConsumer):
    """``/ws/notifications/``: everything addressed to the connected user."""

    async def get_groups(self) -> list[str]:
        return [broadcast.user_group(self.user.pk)]

    async def get_snapshot(self) -> dict:
        return {"user": str(self.user.pk)}
