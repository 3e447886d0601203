"""WebSocket consumers: a reusable base and the per-user notifications socket.

Protocol (JSON text frames):

server → client
    ``{"type": "snapshot", "seq": N, "data": {...}}``   once, right after connecting;
    ``{"type": "event", "seq": N, "event": {...}}``      every event after that;
    ``{"type": "resync", "seq": N, "data": {...}}``      answer to a resume whose gap is
                                                         too old: a fresh snapshot;
    ``{"type": "resumed", "seq": N, "count": k}``        end of a resume's replay;
    ``{"type": "pong"}``, ``{"type": "error", "code": ..., "detail": ...}``.
client → server
    ``{"type": "resume", "since": N}``  replays the events after N (the last seq seen);
    ``{"type": "ping"}``.

``seq`` numbers the events of the consumer's primary group (its first group): they
increase by one per event. A consumer in several groups adds ``"group"`` to events and
``"seqs"`` (per group) to snapshots; ``since`` may then be ``{"<group>": N, ...}``.
An event is never sent twice on one connection (the snapshot's seq counts as seen).

Connections without a valid token are accepted and closed at once with code 4401,
so the client sees the code (a close before accepting would be an HTTP 403).
"""

from __future__ import annotations

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from teranga.platform.realtime import broadcast
from teranga.platform.realtime.auth import BEARER_SUBPROTOCOL

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class RealtimeConsumer(AsyncJsonWebsocketConsumer):
    """Base consumer: authentication, groups, snapshot, events, resume and ping.

    Subclasses implement ``get_groups`` and ``get_snapshot`` (both async; use
    ``database_sync_to_async`` for queries) and may override ``authorize`` to refuse a
    connection (close code 4403).
    """

    user = None

    # --- hooks ---------------------------------------------------------------------------
    async def authorize(self) -> bool:
        return True

    async def get_groups(self) -> list[str]:
        raise NotImplementedError

    async def get_snapshot(self) -> dict:
        return {}

    # --- connection ----------------------------------------------------------------------
    async def connect(self):
        subprotocol = (
            BEARER_SUBPROTOCOL if BEARER_SUBPROTOCOL in self.scope.get("subprotocols", []) else None
        )
        self.user = self.scope.get("user")
        self._seen: dict[str, int] = {}
        await self.accept(subprotocol=subprotocol)
        if self.user is None or not self.user.is_authenticated:
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
        seqs = await self._current_seqs()
        self._seen.update(seqs)
        await self.send_json(self._with_seqs({"type": "snapshot"}, seqs, await self.get_snapshot()))

    @property
    def primary_group(self) -> str | None:
        return self.groups[0] if self.groups else None

    async def _current_seqs(self) -> dict[str, int]:
        groups = list(self.groups)
        return await database_sync_to_async(
            lambda: {group: broadcast.current_seq(group) for group in groups}
        )()

    def _with_seqs(self, message: dict, seqs: dict[str, int], data: dict) -> dict:
        message["seq"] = seqs.get(self.primary_group, 0)
        if len(self.groups) > 1:
            message["seqs"] = seqs
        message["data"] = data
        return message

    # --- client messages -----------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not self.groups:  # closed (unauthenticated) or not set up
            return
        try:
            content = json.loads(text_data if text_data is not None else bytes_data)
        except (TypeError, ValueError):
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
        wanted = {g: n for g, n in wanted.items() if g in self.groups and isinstance(n, int)}
        replay = await database_sync_to_async(
            lambda: {group: broadcast.missed_events(group, n) for group, n in wanted.items()}
        )()
        if any(events is None for events in replay.values()):
            seqs = await self._current_seqs()
            self._seen.update(seqs)
            snapshot = await self.get_snapshot()
            await self.send_json(self._with_seqs({"type": "resync"}, seqs, snapshot))
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
        await self._forward(message["group"], message["seq"], message["event"])

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


class NotificationsConsumer(RealtimeConsumer):
    """``/ws/notifications/``: everything addressed to the connected user."""

    async def get_groups(self) -> list[str]:
        return [broadcast.user_group(self.user.pk)]

    async def get_snapshot(self) -> dict:
        return {"user": str(self.user.pk)}
