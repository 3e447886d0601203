"""``/ws/chat/{conversation_id}/``: a conversation, live.

Only those who may see the conversation connect (participants, and the agents of a
support conversation's organisation); anyone else is closed with 4403, a connection
without a valid token with 4401 (see ``realtime.consumers.RealtimeConsumer``).

server → client (besides the base protocol: snapshot, event, resync, resumed, pong)
    snapshot data: ``{"conversation", "last_seq", "participants" (with last_read_seq and
    online), "messages" (the 50 most recent, oldest first), "me"}``;
    events (numbered with the group's seq): ``message.created``, ``message.updated``,
    ``message.deleted`` (``{"message": {...}}``), ``read`` (``{"user", "seq"}``),
    ``presence`` (``{"user", "online"}``), ``participant.added/updated/removed``,
    ``conversation.updated/closed/reopened``;
    ``{"type": "typing", "user": {...}}`` — ephemeral: not numbered, not replayed;
    ``{"type": "ack", "for": "message", "client_id", "created", "message": {"id", "seq"}}``,
    ``{"type": "ack", "for": "read", "seq"}``;
    ``{"type": "catch_up", "since_seq", "messages": [...], "last_seq", "has_more"}``;
    ``{"type": "error", "code", "detail"[, "client_id"]}``.
client → server
    ``{"type": "message", "body", "client_id"}``: send (idempotent per client_id; same
    rate limit as the REST endpoint);
    ``{"type": "typing"}``: at most one broadcast per ``TYPING_INTERVAL`` per connection;
    ``{"type": "read", "seq"}``: read receipt;
    ``{"type": "catch_up", "since_seq": N}``: the messages after N, from the database —
    ask again from the last one while ``has_more``. Message numbers (``message.seq``)
    are gapless: a client that sees a gap asks for a catch-up, so nothing is lost;
    ``{"type": "resume", "since": N}`` (base: replays missed *events* from the buffer).

A participant removed from the conversation is disconnected (4403) right after the event;
the base's periodic re-check closes any other socket whose user lost access.
"""

from __future__ import annotations

import asyncio
import json
import time

from channels.db import database_sync_to_async
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation

from teranga.core.errors import ApplicationError, NotFound
from teranga.platform.realtime import broadcast
from teranga.platform.realtime.consumers import (
    CLOSE_FORBIDDEN,
    RealtimeConsumer,
    cache_to_async,
    stop_task,
)
from teranga.platform.realtime.layers import raise_if_cancel_requested

from . import presence, selectors
from .access import access_still_valid, conversation_access
from .events import user_data
from .services import conversation_read, message_send
from .throttling import socket_send_allowed

TYPING_INTERVAL = 2.0  # seconds between two typing broadcasts of one connection
TYPING_MESSAGE_TYPE = "chat.typing"


class ChatConsumer(RealtimeConsumer):
    access = None
    _present = False
    _refresh_task = None
    _last_typing = 0.0

    @classmethod
    async def encode_json(cls, content):
        # Snapshots and catch-ups carry datetimes and UUIDs (events are normalised).
        return json.dumps(content, cls=DjangoJSONEncoder)

    # --- connection --------------------------------------------------------------------
    async def _load_access(self) -> bool:
        conversation_id = self.scope["url_route"]["kwargs"]["conversation_id"]
        try:
            self.access = await database_sync_to_async(conversation_access)(
                self.user, conversation_id
            )
        except NotFound:
            return False
        self.conversation_id = str(self.access.conversation.pk)
        return True

    async def still_authorized(self) -> bool:
        """The periodic re-check of the base: still a participant (or agent)? One query,
        since every open socket runs it."""
        return await database_sync_to_async(access_still_valid)(self.user, self.access.conversation)

    async def authorize(self) -> bool:
        if not await self._load_access():
            return False
        # Counted in before the snapshot, which then shows this user online.
        first = await cache_to_async(presence.presence_join)(self.conversation_id, self.user.pk)
        self._present = True
        if first:
            await self._broadcast({"type": "presence", "user": str(self.user.pk), "online": True})
        self._refresh_task = asyncio.ensure_future(self._refresh_presence())
        return True

    async def get_groups(self) -> list[str]:
        return [self.access.conversation.group_name]

    async def get_snapshot(self) -> dict:
        return await database_sync_to_async(selectors.chat_snapshot)(access=self.access)

    async def disconnect(self, code):
        if self._refresh_task is not None:
            await stop_task(self._refresh_task, "chat presence refresh")
            self._refresh_task = None
        if self._present:
            self._present = False
            last = await cache_to_async(presence.presence_leave)(self.conversation_id, self.user.pk)
            if last:
                await self._broadcast(
                    {"type": "presence", "user": str(self.user.pk), "online": False}
                )

    async def _refresh_presence(self) -> None:
        while True:
            raise_if_cancel_requested()
            await asyncio.sleep(presence.REFRESH_INTERVAL)
            await cache_to_async(presence.presence_refresh)(self.conversation_id, self.user.pk)

    async def _broadcast(self, event: dict) -> None:
        group = self.access.conversation.group_name
        await database_sync_to_async(broadcast.broadcast)(group, event)

    # --- client messages ---------------------------------------------------------------
    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "message":
            await self.on_message(content)
        elif kind == "typing":
            await self.on_typing()
        elif kind == "read":
            await self.on_read(content)
        elif kind == "catch_up":
            await self.on_catch_up(content)
        else:
            await super().receive_json(content, **kwargs)

    async def error(self, code: str, detail: str, **extra) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail, **extra})

    def _call(self, function, **kwargs):
        """Run a service in the user's language (error messages are translated)."""
        with translation.override(getattr(self.user, "language", None) or "fr"):
            return function(**kwargs)

    async def on_message(self, content: dict) -> None:
        body = content.get("body", "")
        client_id = content.get("client_id", "")
        if not isinstance(body, str) or not isinstance(client_id, str):
            await self.error("invalid", "body and client_id must be strings.")
            return
        if not await cache_to_async(socket_send_allowed)(self.user):
            await self.error("throttled", "Too many messages.", client_id=client_id)
            return
        try:
            message, created = await database_sync_to_async(self._call)(
                message_send,
                sender=self.user,
                conversation_id=self.conversation_id,
                body=body,
                client_id=client_id,
            )
        except ApplicationError as exc:
            await self.error(exc.code, exc.message, client_id=client_id)
            return
        await self.send_json(
            {
                "type": "ack",
                "for": "message",
                "client_id": client_id,
                "created": created,
                "message": {"id": str(message.pk), "seq": message.seq},
            }
        )

    async def on_typing(self) -> None:
        now = time.monotonic()
        if now - self._last_typing < TYPING_INTERVAL:
            return  # rate-limited: dropped silently
        self._last_typing = now
        await self.channel_layer.group_send(
            self.access.conversation.group_name,
            {
                "type": TYPING_MESSAGE_TYPE,
                "user": user_data(self.user),
                "sender_channel": self.channel_name,
            },
        )

    async def on_read(self, content: dict) -> None:
        seq = content.get("seq")
        if seq is not None and (isinstance(seq, bool) or not isinstance(seq, int) or seq < 0):
            await self.error("invalid", "seq must be a non-negative integer.")
            return
        try:
            participant = await database_sync_to_async(self._call)(
                conversation_read,
                user=self.user,
                conversation_id=self.conversation_id,
                up_to_seq=seq,
            )
        except ApplicationError as exc:
            await self.error(exc.code, exc.message)
            return
        await self.send_json({"type": "ack", "for": "read", "seq": participant.last_read_seq})

    async def on_catch_up(self, content: dict) -> None:
        since = content.get("since_seq")
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            await self.error("invalid", "since_seq must be a non-negative integer.")
            return
        try:
            await database_sync_to_async(conversation_access)(self.user, self.conversation_id)
        except NotFound as exc:
            await self.error(exc.code, exc.message)
            return
        messages, last_seq = await database_sync_to_async(selectors.messages_since)(
            conversation_id=self.conversation_id, since_seq=since, viewer_id=self.user.pk
        )
        newest = messages[-1]["seq"] if messages else since
        await self.send_json(
            {
                "type": "catch_up",
                "since_seq": since,
                "messages": messages,
                "last_seq": last_seq,
                "has_more": newest < last_seq,
            }
        )

    # --- channel layer messages --------------------------------------------------------
    async def chat_typing(self, message) -> None:
        if message.get("sender_channel") != self.channel_name:
            await self.send_json({"type": "typing", "user": message["user"]})

    async def realtime_event(self, message):
        await super().realtime_event(message)
        event = message.get("event") or {}
        if event.get("type") == "participant.removed" and event.get("user") == str(self.user.pk):
            try:
                await database_sync_to_async(conversation_access)(self.user, self.conversation_id)
            except NotFound:
                await self.close(code=CLOSE_FORBIDDEN)
