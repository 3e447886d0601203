"""Real WebSocket connections (an ASGI communicator) against the WebSocket stack.

pytest-asyncio is not used: each async body runs through ``async_to_sync``. The
consumers reach the database through ``database_sync_to_async``, which closes stale
connections; that only works outside the per-test transaction, hence ``transactional_db``.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction

from conftest import AUTH
from teranga.platform.realtime import broadcast as rt
from teranga.platform.realtime.auth import JWTAuthMiddleware, TokenOriginValidator
from teranga.platform.realtime.routing import websocket_application
from teranga.platform.realtime.tasks import deliver_broadcast
from teranga.platform.realtime.tests.communicator import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 3


def application():
    """The WebSocket stack exactly as ``config.asgi`` mounts it (the platform does not
    import config): origin check, JWT authentication, the registered routes."""
    return TokenOriginValidator(JWTAuthMiddleware(websocket_application()))


def run(body):
    return async_to_sync(body)()


@pytest.fixture
def owner(make_user, client_for):
    user = make_user("ws-owner@example.com")
    user.token = client_for(user).tokens["access_token"]
    return user


def communicator(path="/ws/notifications/", *, token=None, subprotocols=None, headers=None):
    if token is not None:
        path = f"{path}?token={token}"
    return WebsocketCommunicator(
        application(), path, subprotocols=subprotocols, headers=headers or []
    )


async def connect(comm):
    connected, subprotocol = await comm.connect(timeout=TIMEOUT)
    assert connected, subprotocol
    return subprotocol


async def expect_closed(comm, code):
    message = await comm.receive_output(timeout=TIMEOUT)
    assert message["type"] == "websocket.close"
    assert message["code"] == code


# --- authentication -----------------------------------------------------------------------


def test_token_in_query_gets_snapshot(owner):
    async def body():
        comm = communicator(token=owner.token)
        assert await connect(comm) is None
        snapshot = await comm.receive_json_from(timeout=TIMEOUT)
        assert snapshot == {"type": "snapshot", "seq": 0, "data": {"user": str(owner.pk)}}
        await comm.disconnect()

    run(body)


def test_token_as_subprotocol_is_accepted_with_bearer(owner):
    async def body():
        comm = communicator(subprotocols=["bearer", owner.token])
        assert await connect(comm) == "bearer"
        snapshot = await comm.receive_json_from(timeout=TIMEOUT)
        assert snapshot["type"] == "snapshot"
        assert snapshot["data"] == {"user": str(owner.pk)}
        await comm.disconnect()

    run(body)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"token": "not-a-jwt"},
        {"token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"},
        {"subprotocols": ["bearer", "forged.token.value"]},
        {"subprotocols": ["bearer"]},
    ],
    ids=["none", "garbage", "bad-signature", "bad-subprotocol", "bearer-without-token"],
)
def test_missing_or_invalid_token_closes_4401(db, kwargs):
    async def body():
        comm = communicator(**kwargs)
        await connect(comm)
        await expect_closed(comm, 4401)

    run(body)


def test_token_of_a_logged_out_session_closes_4401(make_user, client_for):
    user = make_user("ws-logout@example.com")
    client = client_for(user)
    token = client.tokens["access_token"]
    assert client.delete(f"{AUTH}/auth/session").status_code == 401  # logged out

    async def body():
        comm = communicator(token=token)
        await connect(comm)
        await expect_closed(comm, 4401)

    run(body)


def test_foreign_browser_origin_is_refused_and_allowed_origin_accepted(owner):
    async def body():
        foreign = communicator(token=owner.token, headers=[(b"origin", b"https://evil.example")])
        connected, _ = await foreign.connect(timeout=TIMEOUT)
        assert not connected
        local = communicator(token=owner.token, headers=[(b"origin", b"http://127.0.0.1:8000")])
        await connect(local)
        assert (await local.receive_json_from(timeout=TIMEOUT))["type"] == "snapshot"
        await local.disconnect()

    run(body)


# --- events -------------------------------------------------------------------------------


def test_events_carry_increasing_seq_and_reach_only_their_user(owner, make_user, client_for):
    other = make_user("ws-other@example.com")
    other_token = client_for(other).tokens["access_token"]
    group = rt.user_group(owner.pk)
    other_group = rt.user_group(other.pk)

    async def body():
        mine = communicator(token=owner.token)
        theirs = communicator(token=other_token)
        await connect(mine)
        await connect(theirs)
        await mine.receive_json_from(timeout=TIMEOUT)
        await theirs.receive_json_from(timeout=TIMEOUT)

        send = database_sync_to_async(rt.broadcast)
        assert await send(group, {"type": "demo", "n": 1}) == 1
        assert await send(group, {"type": "demo", "n": 2}) == 2
        first = await mine.receive_json_from(timeout=TIMEOUT)
        second = await mine.receive_json_from(timeout=TIMEOUT)
        assert first == {"type": "event", "seq": 1, "event": {"type": "demo", "n": 1}}
        assert second == {"type": "event", "seq": 2, "event": {"type": "demo", "n": 2}}
        # Their socket does get its own events; the owner's would have come first.
        assert await send(other_group, {"type": "theirs"}) == 1
        assert await theirs.receive_json_from(timeout=TIMEOUT) == {
            "type": "event",
            "seq": 1,
            "event": {"type": "theirs"},
        }
        await mine.disconnect()
        await theirs.disconnect()

    run(body)
    assert rt.current_seq(group) == 2


def test_broadcast_on_commit_sends_after_commit_and_not_on_rollback(owner):
    group = rt.user_group(owner.pk)

    def committed():
        with transaction.atomic():
            rt.broadcast_on_commit(group, {"type": "kept"})
            assert rt.current_seq(group) == 0  # nothing sent inside the transaction

    def rolled_back():
        try:
            with transaction.atomic():
                rt.broadcast_on_commit(group, {"type": "lost"})
                raise RuntimeError("roll back")
        except RuntimeError:
            pass

    async def body():
        comm = communicator(token=owner.token)
        await connect(comm)
        await comm.receive_json_from(timeout=TIMEOUT)
        await database_sync_to_async(rolled_back)()
        await database_sync_to_async(committed)()
        # The next frame is the committed event, numbered 1: the rolled-back one was
        # neither sent nor numbered.
        event = await comm.receive_json_from(timeout=TIMEOUT)
        assert event == {"type": "event", "seq": 1, "event": {"type": "kept"}}
        await database_sync_to_async(rt.broadcast)(group, {"type": "next"})
        assert await comm.receive_json_from(timeout=TIMEOUT) == {  # "kept" was sent once
            "type": "event",
            "seq": 2,
            "event": {"type": "next"},
        }
        await comm.disconnect()

    run(body)


def test_broadcast_from_a_plain_thread_goes_through_the_server_loop(owner):
    group = rt.user_group(owner.pk)

    async def body():
        comm = communicator(token=owner.token)
        await connect(comm)
        await comm.receive_json_from(timeout=TIMEOUT)
        rt.set_server_loop(asyncio.get_running_loop())
        try:
            result = {}

            def worker():  # like a huey consumer thread: no loop, not asgiref's
                result["seq"] = rt.broadcast(group, {"type": "from.thread"})

            thread = threading.Thread(target=worker)
            thread.start()
            await asyncio.get_running_loop().run_in_executor(None, thread.join, TIMEOUT)
            assert result == {"seq": 1}
        finally:
            rt.set_server_loop(None)
        event = await comm.receive_json_from(timeout=TIMEOUT)
        assert event == {"type": "event", "seq": 1, "event": {"type": "from.thread"}}
        await comm.disconnect()

    run(body)


def test_broadcast_called_on_the_event_loop_is_scheduled_there(owner):
    group = rt.user_group(owner.pk)

    async def body():
        comm = communicator(token=owner.token)
        await connect(comm)
        await comm.receive_json_from(timeout=TIMEOUT)
        assert rt.broadcast(group, {"type": "from.loop"}) == 1  # sync call, loop thread
        event = await comm.receive_json_from(timeout=TIMEOUT)
        assert event == {"type": "event", "seq": 1, "event": {"type": "from.loop"}}
        await comm.disconnect()

    run(body)


def test_deliver_broadcast_task_runs_after_commit(owner):
    group = rt.user_group(owner.pk)

    def enqueue():
        with transaction.atomic():
            deliver_broadcast.enqueue(group=group, event={"type": "from.task", "id": 7})

    async def body():
        comm = communicator(token=owner.token)
        await connect(comm)
        await comm.receive_json_from(timeout=TIMEOUT)
        await database_sync_to_async(enqueue)()
        event = await comm.receive_json_from(timeout=TIMEOUT)
        assert event == {"type": "event", "seq": 1, "event": {"type": "from.task", "id": 7}}
        await comm.disconnect()

    run(body)


def test_events_are_json_normalised(owner):
    group = rt.user_group(owner.pk)

    async def body():
        comm = communicator(token=owner.token)
        await connect(comm)
        await comm.receive_json_from(timeout=TIMEOUT)
        await database_sync_to_async(rt.broadcast)(group, {"user": owner.pk})
        event = await comm.receive_json_from(timeout=TIMEOUT)
        assert event["event"] == {"user": str(owner.pk)}
        await comm.disconnect()

    run(body)


# --- resume, ping -------------------------------------------------------------------------


def test_resume_replays_missed_events(owner):
    group = rt.user_group(owner.pk)
    for n in range(1, 4):
        rt.broadcast(group, {"type": "missed", "n": n})

    async def body():
        comm = communicator(token=owner.token)
        await connect(comm)
        snapshot = await comm.receive_json_from(timeout=TIMEOUT)
        assert snapshot["seq"] == 3
        await comm.send_json_to({"type": "resume", "since": 1})
        replayed = [await comm.receive_json_from(timeout=TIMEOUT) for _ in range(2)]
        assert replayed == [
            {"type": "event", "seq": 2, "event": {"type": "missed", "n": 2}},
            {"type": "event", "seq": 3, "event": {"type": "missed", "n": 3}},
        ]
        done = await comm.receive_json_from(timeout=TIMEOUT)
        assert done == {"type": "resumed", "seq": 3, "count": 2}
        # Live events continue from there, without repeats.
        await database_sync_to_async(rt.broadcast)(group, {"type": "live"})
        assert (await comm.receive_json_from(timeout=TIMEOUT))["seq"] == 4
        await comm.send_json_to({"type": "resume", "since": 4})
        assert await comm.receive_json_from(timeout=TIMEOUT) == {
            "type": "resumed",
            "seq": 4,
            "count": 0,
        }
        await comm.disconnect()

    run(body)


@pytest.mark.parametrize("since", [0, 99], ids=["too-old", "in-the-future"])
def test_resume_with_an_unusable_gap_gets_a_resync(owner, monkeypatch, since):
    monkeypatch.setattr(rt, "BUFFER_SIZE", 2)
    group = rt.user_group(owner.pk)
    for n in range(5):
        rt.broadcast(group, {"n": n})

    async def body():
        comm = communicator(token=owner.token)
        await connect(comm)
        await comm.receive_json_from(timeout=TIMEOUT)
        await comm.send_json_to({"type": "resume", "since": since})
        message = await comm.receive_json_from(timeout=TIMEOUT)
        assert message == {"type": "resync", "seq": 5, "data": {"user": str(owner.pk)}}
        await comm.disconnect()

    run(body)


def test_resume_after_expired_events_gets_a_resync(owner):
    group = rt.user_group(owner.pk)
    for n in range(3):
        rt.broadcast(group, {"n": n})
    from django.core.cache import cache

    cache.delete(rt._event_key(group, 2))

    async def body():
        comm = communicator(token=owner.token)
        await connect(comm)
        await comm.receive_json_from(timeout=TIMEOUT)
        await comm.send_json_to({"type": "resume", "since": 0})
        assert (await comm.receive_json_from(timeout=TIMEOUT))["type"] == "resync"
        await comm.disconnect()

    run(body)


def test_ping_pong_and_bad_messages(owner):
    async def body():
        comm = communicator(token=owner.token)
        await connect(comm)
        await comm.receive_json_from(timeout=TIMEOUT)
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        await comm.send_to(text_data="{not json")
        assert (await comm.receive_json_from(timeout=TIMEOUT))["code"] == "invalid_json"
        # Nested past Python's recursion limit: refused like any bad JSON, socket kept.
        await comm.send_to(text_data="[" * 100_000)
        assert (await comm.receive_json_from(timeout=TIMEOUT))["code"] == "invalid_json"
        await comm.send_json_to({"type": "dance"})
        assert (await comm.receive_json_from(timeout=TIMEOUT))["code"] == "unknown_type"
        await comm.send_json_to({"type": "resume", "since": "yesterday"})
        assert (await comm.receive_json_from(timeout=TIMEOUT))["code"] == "invalid"
        await comm.disconnect()

    run(body)


def test_user_group_is_stable():
    import uuid

    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert rt.user_group(value) == "user.12345678123456781234567812345678"
    assert rt.user_group(str(value)) == rt.user_group(value)
