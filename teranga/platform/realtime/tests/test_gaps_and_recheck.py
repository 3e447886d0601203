"""Nothing is lost silently: gaps on a live connection, reconnects, counter resets, and
the periodic re-check (session still signed in, still authorized, groups renewed,
catch-up). Real WebSocket connections (an ASGI communicator) on the configured channel
layer (in memory, or Redis when REDIS_URL is set).

Messages "dropped by the layer" are simulated where the layer drops them: the event is
numbered and kept in the buffer as ``broadcast`` does, but the channel layer send does
not happen (as when a consumer's channel is full).

No assertion here reads a clock, and no test sleeps to let something happen: each waits
(bounded) for the frame or the close that shows it. "Nothing else arrives" is shown by
ordering: the next event broadcast to the same group must be the next frame. Token expiry
is reached by moving the clock (time_machine), not by waiting for it.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from django.core.cache import cache
from django.urls import path
from django.utils import timezone

from conftest import AUTH
from teranga.platform.realtime import broadcast as rt
from teranga.platform.realtime.auth import JWTAuthMiddleware, authenticate_token
from teranga.platform.realtime.consumers import NotificationsConsumer
from teranga.platform.realtime.tests.communicator import WebsocketCommunicator, wait_until
from teranga.platform.realtime.tests.test_consumers import (
    TIMEOUT,
    communicator,
    connect,
    expect_closed,
)

pytestmark = pytest.mark.django_db(transaction=True)

RECHECK = 0.2  # seconds, in the re-check tests


def run(body):
    return async_to_sync(body)()


@pytest.fixture
def owner(make_user, client_for):
    user = make_user("gap-owner@example.com")
    user.client = client_for(user)
    user.token = user.client.tokens["access_token"]
    return user


@contextlib.contextmanager
def dropped_by_the_layer():
    """Broadcasts inside are numbered and buffered, but never reach the channel layer."""
    original = rt._send
    rt._send = lambda group, message: None
    try:
        yield
    finally:
        rt._send = original


async def send_raw(group: str, seq: int, event: dict) -> None:
    """What ``broadcast`` puts on the layer, with a seq of our choosing."""
    message = {"type": rt.EVENT_MESSAGE_TYPE, "group": group, "seq": seq, "event": event}
    await get_channel_layer().group_send(group, message)


async def events(comm, count: int) -> list[dict]:
    return [await comm.receive_json_from(timeout=TIMEOUT) for _ in range(count)]


async def next_frame_is_the_next_event(comm, group: str) -> None:
    """Nothing else was sent: a new event of the same group is the very next frame (what
    should not have come, a duplicate or a second copy, would have come before it)."""
    seq = await database_sync_to_async(rt.broadcast)(group, {"marker": True})
    assert await comm.receive_json_from(timeout=TIMEOUT) == {
        "type": "event",
        "seq": seq,
        "event": {"marker": True},
    }


async def opened(token: str, path: str = "/ws/notifications/"):
    comm = communicator(path, token=token) if path.startswith("/ws/notifications") else None
    if comm is None:
        comm = WebsocketCommunicator(test_application(), f"{path}?token={token}")
    await connect(comm)
    snapshot = await comm.receive_json_from(timeout=TIMEOUT)
    assert snapshot["type"] == "snapshot"
    return comm, snapshot


# --- gaps on a live connection ------------------------------------------------------------


def test_events_dropped_by_the_layer_are_replayed_before_the_next_one(owner):
    group = rt.user_group(owner.pk)

    async def body():
        comm, _ = await opened(owner.token)
        send = database_sync_to_async(rt.broadcast)
        await send(group, {"n": 1})
        assert (await comm.receive_json_from(timeout=TIMEOUT))["seq"] == 1
        with dropped_by_the_layer():  # 2 and 3 never reach the layer: they cannot arrive
            await send(group, {"n": 2})
            await send(group, {"n": 3})
        await send(group, {"n": 4})
        assert await events(comm, 3) == [
            {"type": "event", "seq": 2, "event": {"n": 2}},
            {"type": "event", "seq": 3, "event": {"n": 3}},
            {"type": "event", "seq": 4, "event": {"n": 4}},
        ]
        # The dropped ones arriving late after all (a race) are not sent again.
        await send_raw(group, 2, {"n": 2})
        await send_raw(group, 3, {"n": 3})
        await next_frame_is_the_next_event(comm, group)
        await comm.disconnect()

    run(body)


def test_a_gap_signalled_by_a_higher_seq_is_filled_from_the_buffer(owner):
    """An event arrives with seq last+3: the two before it come from the buffer first."""
    group = rt.user_group(owner.pk)

    async def body():
        comm, snapshot = await opened(owner.token)
        assert snapshot["seq"] == 0
        for n in (1, 2):
            seq = await database_sync_to_async(rt._next_seq)(group)
            await database_sync_to_async(cache.set)(rt._event_key(group, seq), {"n": n})
        seq = await database_sync_to_async(rt._next_seq)(group)
        await database_sync_to_async(cache.set)(rt._event_key(group, seq), {"n": 3})
        await send_raw(group, seq, {"n": 3})
        assert [m["seq"] for m in await events(comm, 3)] == [1, 2, 3]
        await next_frame_is_the_next_event(comm, group)
        await comm.disconnect()

    run(body)


def test_a_gap_racing_a_slower_broadcaster_waits_for_its_event(owner, monkeypatch):
    """Broadcaster A took seq 1, B took seq 2 and B's message arrives first, before A has
    stored its event: the consumer looks again shortly and sends 1 then 2, not a resync.

    A stores its event right after the consumer's first look missed it (the buffer read
    is observed, and calls through), rather than after a sleep that races the retries."""
    group = rt.user_group(owner.pk)
    lookups: list[list[int]] = []
    real_buffered_events = rt.buffered_events
    first = 1

    def buffered_events(group_name, seqs):
        found = real_buffered_events(group_name, seqs)
        lookups.append(sorted(found))
        if group_name == group and first not in found:  # the slow broadcaster, just now
            cache.set(rt._event_key(group, first), {"by": "A"})
        return found

    monkeypatch.setattr(rt, "buffered_events", buffered_events)

    async def body():
        comm, _ = await opened(owner.token)
        assert await database_sync_to_async(rt._next_seq)(group) == first
        second = await database_sync_to_async(rt._next_seq)(group)
        await database_sync_to_async(cache.set)(rt._event_key(group, second), {"by": "B"})
        await send_raw(group, second, {"by": "B"})
        received = await events(comm, 2)
        assert lookups == [[], [first]]  # missed once, then found: no resync
        assert received == [
            {"type": "event", "seq": 1, "event": {"by": "A"}},
            {"type": "event", "seq": 2, "event": {"by": "B"}},
        ]
        await send_raw(group, first, {"by": "A"})  # A's own message, late: a duplicate
        await next_frame_is_the_next_event(comm, group)
        await comm.disconnect()

    run(body)


def test_a_gap_older_than_the_buffer_gets_a_resync_then_events_go_on(owner, monkeypatch):
    monkeypatch.setattr(rt, "BUFFER_SIZE", 3)
    group = rt.user_group(owner.pk)

    async def body():
        comm, _ = await opened(owner.token)
        send = database_sync_to_async(rt.broadcast)
        with dropped_by_the_layer():
            for n in range(1, 6):
                await send(group, {"n": n})
        await send(group, {"n": 6})
        resync = await comm.receive_json_from(timeout=TIMEOUT)
        assert resync == {"type": "resync", "seq": 6, "data": {"user": str(owner.pk)}}
        await send(group, {"n": 7})  # the next frame: 6 is in the snapshot, not sent again
        assert await comm.receive_json_from(timeout=TIMEOUT) == {
            "type": "event",
            "seq": 7,
            "event": {"n": 7},
        }
        await comm.disconnect()

    run(body)


def test_a_gap_whose_event_expired_gets_a_resync(owner):
    group = rt.user_group(owner.pk)

    async def body():
        comm, _ = await opened(owner.token)
        send = database_sync_to_async(rt.broadcast)
        with dropped_by_the_layer():
            await send(group, {"n": 1})
            await send(group, {"n": 2})
        await database_sync_to_async(cache.delete)(rt._event_key(group, 1))
        await send(group, {"n": 3})
        assert (await comm.receive_json_from(timeout=TIMEOUT))["type"] == "resync"
        await next_frame_is_the_next_event(comm, group)  # 3 is in the snapshot
        await comm.disconnect()

    run(body)


def test_a_counter_reset_gets_a_resync_instead_of_silent_duplicates(owner):
    """The cache lost the counter: new events restart at 1, below what the socket saw.
    Dropping them as duplicates would lose them; the client gets a resync."""
    group = rt.user_group(owner.pk)

    async def body():
        comm, _ = await opened(owner.token)
        send = database_sync_to_async(rt.broadcast)
        for n in range(3):
            await send(group, {"n": n})
        assert [m["seq"] for m in await events(comm, 3)] == [1, 2, 3]
        await database_sync_to_async(cache.delete)(rt._seq_key(group))
        assert await send(group, {"after": "reset"}) == 1
        assert await comm.receive_json_from(timeout=TIMEOUT) == {
            "type": "resync",
            "seq": 1,
            "data": {"user": str(owner.pk)},
        }
        await send(group, {"n": "next"})
        assert (await comm.receive_json_from(timeout=TIMEOUT))["seq"] == 2
        await comm.disconnect()

    run(body)


# --- reconnects -------------------------------------------------------------------------


def test_reconnect_within_the_buffer_replays_exactly_the_missed_events(owner):
    group = rt.user_group(owner.pk)
    send = database_sync_to_async(rt.broadcast)

    async def body():
        comm, _ = await opened(owner.token)
        await send(group, {"n": 1})
        await send(group, {"n": 2})
        last_seen = (await events(comm, 2))[-1]["seq"]
        await comm.disconnect()
        for n in (3, 4, 5):
            await send(group, {"n": n})
        again, snapshot = await opened(owner.token)
        assert snapshot["seq"] == 5
        await again.send_json_to({"type": "resume", "since": last_seen})
        assert await events(again, 4) == [
            {"type": "event", "seq": 3, "event": {"n": 3}},
            {"type": "event", "seq": 4, "event": {"n": 4}},
            {"type": "event", "seq": 5, "event": {"n": 5}},
            {"type": "resumed", "seq": 5, "count": 3},
        ]
        await send(group, {"n": 6})
        assert (await again.receive_json_from(timeout=TIMEOUT))["seq"] == 6
        await next_frame_is_the_next_event(again, group)  # nothing twice
        await again.disconnect()

    run(body)


def test_reconnect_after_more_than_the_buffer_gets_a_resync_snapshot(owner):
    group = rt.user_group(owner.pk)

    async def body():
        comm, _ = await opened(owner.token)
        await database_sync_to_async(rt.broadcast)(group, {"n": 0})
        last_seen = (await comm.receive_json_from(timeout=TIMEOUT))["seq"]
        await comm.disconnect()

        def many():
            for n in range(rt.BUFFER_SIZE + 1):
                rt.broadcast(group, {"n": n + 1})

        await database_sync_to_async(many)()
        again, snapshot = await opened(owner.token)
        current = last_seen + rt.BUFFER_SIZE + 1
        assert snapshot["seq"] == current
        await again.send_json_to({"type": "resume", "since": last_seen})
        assert await again.receive_json_from(timeout=TIMEOUT) == {
            "type": "resync",
            "seq": current,
            "data": {"user": str(owner.pk)},
        }
        await next_frame_is_the_next_event(again, group)
        await again.disconnect()

    run(body)


# --- the periodic re-check ----------------------------------------------------------------


class RecordingConsumer(NotificationsConsumer):
    """The notifications consumer, remembering its instances; ``allowed`` drives
    ``authorize``."""

    instances: list = []
    allowed = True
    auth_recheck_seconds = RECHECK

    async def authorize(self) -> bool:
        type(self).instances.append(self)
        return type(self).allowed


def test_application():
    return JWTAuthMiddleware(URLRouter([path("ws/test/", RecordingConsumer.as_asgi())]))


test_application.__test__ = False  # a factory, not a test


@pytest.fixture
def recording():
    RecordingConsumer.instances = []
    RecordingConsumer.allowed = True
    yield RecordingConsumer
    RecordingConsumer.instances = []
    RecordingConsumer.allowed = True


def test_logout_closes_the_open_socket_at_a_recheck(owner, settings):
    """How soon is measured by ``benchmarks.realtime_logout_close``, not here: the
    close is waited for (bounded), with no clock read."""
    settings.REALTIME_AUTH_RECHECK_SECONDS = RECHECK

    async def body():
        comm, _ = await opened(owner.token)
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        logout = await database_sync_to_async(owner.client.delete)(f"{AUTH}/auth/session")
        assert logout.status_code == 401  # allauth: logged out
        await expect_closed(comm, 4401)

    run(body)


def test_an_open_socket_outlives_its_access_token_but_not_its_session(
    make_user, client_for, settings
):
    """The clock moves past the token's expiry (time_machine: wall clock only; the event
    loop's monotonic clock runs on). A re-check after that is shown by its catch-up: an
    event dropped by the layer after the move is sent by a re-check pass, which checks
    the session first, and would have closed the socket instead."""
    settings.REALTIME_AUTH_RECHECK_SECONDS = RECHECK
    # The token's normal lifetime: a 1 s token could expire before the socket opens.
    lifetime = settings.HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN
    user = make_user("gap-expiry@example.com")
    client = client_for(user)
    token = client.tokens["access_token"]
    group = rt.user_group(user.pk)

    async def body():
        comm, _ = await opened(token)
        later = timezone.now() + timedelta(seconds=lifetime + 5)
        with time_machine.travel(later, tick=True):
            # The token expired; the session did not.
            assert (await database_sync_to_async(authenticate_token)(token))[1] is None
            with dropped_by_the_layer():
                seq = await database_sync_to_async(rt.broadcast)(group, {"n": 1})
            assert await comm.receive_json_from(timeout=TIMEOUT) == {
                "type": "event",
                "seq": seq,
                "event": {"n": 1},
            }
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        await comm.disconnect()

    run(body)


def test_a_deactivated_user_is_closed_4401(owner, settings):
    settings.REALTIME_AUTH_RECHECK_SECONDS = RECHECK

    def deactivate():
        type(owner).objects.filter(pk=owner.pk).update(is_active=False)

    async def body():
        comm, _ = await opened(owner.token)
        await database_sync_to_async(deactivate)()
        await expect_closed(comm, 4401)

    run(body)


def test_a_connection_no_longer_authorized_is_closed_4403(owner, recording):
    async def body():
        comm, _ = await opened(owner.token, "/ws/test/")
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        recording.allowed = False  # e.g. removed from the conversation
        await expect_closed(comm, 4403)

    run(body)


def test_the_last_dropped_event_is_caught_up_without_a_successor(owner, recording):
    """The last message of a burst is dropped: no later event reveals the gap, so the
    periodic re-check sends it (once it is older than one interval)."""
    group = rt.user_group(owner.pk)

    async def body():
        comm, _ = await opened(owner.token, "/ws/test/")
        send = database_sync_to_async(rt.broadcast)
        await send(group, {"n": 1})
        assert (await comm.receive_json_from(timeout=TIMEOUT))["seq"] == 1
        with dropped_by_the_layer():
            await send(group, {"n": 2})
        assert await comm.receive_json_from(timeout=TIMEOUT) == {
            "type": "event",
            "seq": 2,
            "event": {"n": 2},
        }
        await next_frame_is_the_next_event(comm, group)
        await comm.disconnect()

    run(body)


def test_a_connection_dropped_from_its_group_rejoins_and_catches_up(owner, recording):
    """The layer forgot the member (group expiry, or the in-memory layer's expired
    message): the re-check adds it back and replays what it missed."""
    group = rt.user_group(owner.pk)

    async def body():
        comm, _ = await opened(owner.token, "/ws/test/")
        consumer = recording.instances[-1]
        layer = get_channel_layer()
        await layer.group_discard(group, consumer.channel_name)
        await database_sync_to_async(rt.broadcast)(group, {"n": 1})
        assert await comm.receive_json_from(timeout=TIMEOUT) == {
            "type": "event",
            "seq": 1,
            "event": {"n": 1},
        }
        await database_sync_to_async(rt.broadcast)(group, {"n": 2})  # live again
        assert (await comm.receive_json_from(timeout=TIMEOUT))["seq"] == 2
        await next_frame_is_the_next_event(comm, group)
        await comm.disconnect()

    run(body)


def test_the_recheck_stops_with_the_connection(owner, recording):
    async def body():
        comm, _ = await opened(owner.token, "/ws/test/")
        consumer = recording.instances[-1]
        watcher = consumer._watcher
        assert watcher is not None and not watcher.done()
        await comm.disconnect()
        assert watcher.done()

    run(body)


def test_a_failing_session_check_keeps_the_socket(owner, recording, monkeypatch):
    """A database hiccup during the re-check is not a logout: the socket stays open."""
    from django.db import OperationalError

    from teranga.platform.realtime import consumers

    calls = []
    lock = threading.Lock()  # the checks run in worker threads

    def failing(claims):
        with lock:
            calls.append(claims)
        raise OperationalError("database is restarting")

    monkeypatch.setattr(consumers, "token_session_user", failing)

    async def body():
        comm, _ = await opened(owner.token, "/ws/test/")
        await wait_until(lambda: len(calls) >= 2, TIMEOUT, "two failed re-checks")
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        await comm.disconnect()

    run(body)
    assert len(calls) >= 2
