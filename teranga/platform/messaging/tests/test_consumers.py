"""``/ws/chat/{id}/`` with real WebSocket connections (an ASGI communicator over the
whole WebSocket stack: origin check, JWT authentication, the registered routes) on the
configured channel layer: participant-only access, live messages, typing, read receipts,
presence, catch-up after a reconnection, removal, support agents."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.db import database_sync_to_async
from channels.layers import channel_layers

from teranga.platform.messaging import presence
from teranga.platform.messaging.models import Message, Participant
from teranga.platform.messaging.services import (
    conversation_create,
    message_send,
    participant_remove,
    support_conversation_open,
)
from teranga.platform.realtime.auth import JWTAuthMiddleware, TokenOriginValidator
from teranga.platform.realtime.routing import websocket_application
from teranga.platform.realtime.tests.communicator import WebsocketCommunicator

from .conftest import person

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 3


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """A new channel layer per test: each test runs its own event loop, and the Redis
    layer keeps per-loop state (receive buffers of this test's channels) that must not
    leak into the next test's loop."""
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
    yield
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)


def run(body):
    return async_to_sync(body)()


def token(user) -> str:
    return user.api.tokens["access_token"]


def socket(conversation_id, user=None, *, raw_token: str | None = None) -> WebsocketCommunicator:
    path = f"/ws/chat/{conversation_id}/"
    value = raw_token if raw_token is not None else (token(user) if user else None)
    if value:
        path += f"?token={value}"
    application = TokenOriginValidator(JWTAuthMiddleware(websocket_application()))
    return WebsocketCommunicator(application, path)


async def opened(conversation_id, user) -> tuple[WebsocketCommunicator, dict]:
    comm = socket(conversation_id, user)
    connected, detail = await comm.connect(timeout=TIMEOUT)
    assert connected, detail
    snapshot = await comm.receive_json_from(timeout=TIMEOUT)
    assert snapshot["type"] == "snapshot", snapshot
    return comm, snapshot


async def closed_with(comm) -> int:
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected  # accepted, then closed: the client sees the code
    message = await comm.receive_output(timeout=TIMEOUT)
    assert message["type"] == "websocket.close"
    await comm.disconnect(code=message["code"], timeout=TIMEOUT)
    return message["code"]


async def until(comm, predicate, limit: int = 20) -> dict:
    """The first frame matching ``predicate`` (others are skipped), within ``limit``."""
    for _ in range(limit):
        frame = await comm.receive_json_from(timeout=TIMEOUT)
        if predicate(frame):
            return frame
    raise AssertionError("expected frame not received")


def event_of(kind: str):
    return lambda frame: frame.get("type") == "event" and frame["event"]["type"] == kind


# --- access -------------------------------------------------------------------------------


def test_only_participants_connect(people, private):
    async def body():
        assert await closed_with(socket(private.pk, people.dave)) == 4403
        assert await closed_with(socket(private.pk)) == 4401
        assert await closed_with(socket(private.pk, raw_token="not-a-jwt")) == 4401
        import uuid

        assert await closed_with(socket(uuid.uuid4(), people.alice)) == 4403
        comm, _ = await opened(private.pk, people.alice)
        await comm.disconnect(timeout=TIMEOUT)

    run(body)


def test_snapshot_has_participants_presence_and_recent_messages(people, private):
    message_send(sender=people.bob, conversation_id=private.pk, body="first")
    message_send(sender=people.bob, conversation_id=private.pk, body="second")
    Participant.objects.filter(conversation=private, user=people.alice).update(last_read_seq=1)

    async def body():
        comm, snapshot = await opened(private.pk, people.alice)
        data = snapshot["data"]
        assert data["conversation"]["id"] == str(private.pk)
        assert data["last_seq"] == 2
        assert [m["body"] for m in data["messages"]] == ["first", "second"]
        by_user = {p["user"]["id"]: p for p in data["participants"]}
        assert by_user[str(people.alice.pk)]["last_read_seq"] == 1
        assert by_user[str(people.alice.pk)]["online"] is True
        assert by_user[str(people.bob.pk)]["online"] is False
        assert data["me"] == {"id": str(people.alice.pk), "role": "member"}
        await comm.disconnect(timeout=TIMEOUT)

    run(body)


# --- live messages, typing, read receipts, presence ----------------------------------------


def test_live_message_between_two_clients(people, private):
    async def body():
        alice, _ = await opened(private.pk, people.alice)
        bob, _ = await opened(private.pk, people.bob)
        await until(alice, event_of("presence"))  # bob came online
        await alice.send_json_to({"type": "message", "body": "Salut Bob", "client_id": "a-1"})
        ack = await until(alice, lambda f: f["type"] == "ack")
        assert ack["for"] == "message" and ack["client_id"] == "a-1" and ack["created"] is True
        assert ack["message"]["seq"] == 1
        received = await until(bob, event_of("message.created"))
        message = received["event"]["message"]
        assert message["body"] == "Salut Bob"
        assert message["seq"] == 1
        assert message["sender"]["id"] == str(people.alice.pk)
        assert received["seq"] >= 1  # the group's event number
        own = await until(alice, event_of("message.created"))
        assert own["event"]["message"]["id"] == message["id"]
        # A retry with the same client_id is acknowledged, not sent again.
        await alice.send_json_to({"type": "message", "body": "Salut Bob", "client_id": "a-1"})
        again = await until(alice, lambda f: f["type"] == "ack")
        assert again["created"] is False and again["message"]["id"] == message["id"]
        # Bob's next frame is the next message: the retry was not sent to him before it.
        await alice.send_json_to({"type": "message", "body": "Ça va ?", "client_id": "a-2"})
        following = await bob.receive_json_from(timeout=TIMEOUT)
        assert following["type"] == "event"
        assert following["event"]["type"] == "message.created"
        assert following["event"]["message"]["body"] == "Ça va ?"
        assert following["event"]["message"]["seq"] == 2
        await alice.disconnect(timeout=TIMEOUT)
        await bob.disconnect(timeout=TIMEOUT)

    run(body)
    assert Message.objects.filter(conversation=private).count() == 2


def test_message_errors_come_back_on_the_socket(people, private):
    async def body():
        alice, _ = await opened(private.pk, people.alice)
        await alice.send_json_to({"type": "message", "body": "CONNARD", "client_id": "x"})
        error = await alice.receive_json_from(timeout=TIMEOUT)
        assert error["type"] == "error" and error["code"] == "message_blocked"
        assert error["client_id"] == "x"
        await alice.send_json_to({"type": "message", "body": "   "})
        assert (await alice.receive_json_from(timeout=TIMEOUT))["code"] == "empty_message"
        await alice.send_json_to({"type": "message", "body": 42})
        assert (await alice.receive_json_from(timeout=TIMEOUT))["code"] == "invalid"
        await alice.send_json_to({"type": "read", "seq": "all"})
        assert (await alice.receive_json_from(timeout=TIMEOUT))["code"] == "invalid"
        await alice.send_json_to({"type": "catch_up", "since_seq": -1})
        assert (await alice.receive_json_from(timeout=TIMEOUT))["code"] == "invalid"
        await alice.send_json_to({"type": "dance"})
        assert (await alice.receive_json_from(timeout=TIMEOUT))["code"] == "unknown_type"
        await alice.disconnect(timeout=TIMEOUT)

    run(body)
    assert not Message.objects.exists()


def test_socket_sends_share_the_rate_limit(people, private, settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], chat_messages="1/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    async def body():
        alice, _ = await opened(private.pk, people.alice)
        await alice.send_json_to({"type": "message", "body": "one", "client_id": "1"})
        assert (await until(alice, lambda f: f["type"] in ("ack", "error")))["type"] == "ack"
        await alice.send_json_to({"type": "message", "body": "two", "client_id": "2"})
        error = await until(alice, lambda f: f["type"] == "error")
        assert error["code"] == "throttled"
        await alice.disconnect(timeout=TIMEOUT)

    run(body)
    assert Message.objects.count() == 1


def test_typing_is_relayed_to_others_and_rate_limited(people, private):
    async def body():
        alice, _ = await opened(private.pk, people.alice)
        bob, _ = await opened(private.pk, people.bob)
        await until(alice, event_of("presence"))
        await alice.send_json_to({"type": "typing"})
        typing = await bob.receive_json_from(timeout=TIMEOUT)
        assert typing == {
            "type": "typing",
            "user": {"id": str(people.alice.pk), "name": people.alice.full_name, "avatar": None},
        }
        await alice.send_json_to({"type": "typing"})  # too soon: dropped
        # Bob types on a second device: the next frame of both first sockets is his
        # typing. Alice's dropped one would have reached Bob before it, and her own
        # typing would have been echoed to her before it.
        bob2, _ = await opened(private.pk, people.bob)
        await bob2.send_json_to({"type": "typing"})
        bob_typing = {
            "type": "typing",
            "user": {"id": str(people.bob.pk), "name": people.bob.full_name, "avatar": None},
        }
        assert await bob.receive_json_from(timeout=TIMEOUT) == bob_typing
        assert await alice.receive_json_from(timeout=TIMEOUT) == bob_typing
        await bob2.disconnect(timeout=TIMEOUT)
        await alice.disconnect(timeout=TIMEOUT)
        await bob.disconnect(timeout=TIMEOUT)

    run(body)
    assert not Message.objects.exists()  # typing is not stored


def test_read_receipts(people, private):
    message_send(sender=people.alice, conversation_id=private.pk, body="one")
    message_send(sender=people.alice, conversation_id=private.pk, body="two")

    async def body():
        alice, _ = await opened(private.pk, people.alice)
        bob, _ = await opened(private.pk, people.bob)
        await until(alice, event_of("presence"))
        await bob.send_json_to({"type": "read", "seq": 1})
        assert await until(bob, lambda f: f["type"] == "ack") == {
            "type": "ack",
            "for": "read",
            "seq": 1,
        }
        receipt = await until(alice, event_of("read"))
        assert receipt["event"] == {"type": "read", "user": str(people.bob.pk), "seq": 1}
        await bob.send_json_to({"type": "read"})  # everything
        receipt = await until(alice, event_of("read"))
        assert receipt["event"]["seq"] == 2
        await bob.send_json_to({"type": "read", "seq": 5})
        assert (await until(bob, lambda f: f["type"] == "error"))["code"] == "invalid_seq"
        await alice.disconnect(timeout=TIMEOUT)
        await bob.disconnect(timeout=TIMEOUT)

    run(body)
    assert Participant.objects.get(conversation=private, user=people.bob).last_read_seq == 2


def test_presence_online_and_offline(people, private):
    async def body():
        alice, _ = await opened(private.pk, people.alice)
        bob, snapshot = await opened(private.pk, people.bob)
        online = {p["user"]["id"]: p["online"] for p in snapshot["data"]["participants"]}
        assert online == {str(people.alice.pk): True, str(people.bob.pk): True}
        came = await until(alice, event_of("presence"))
        assert came["event"] == {"type": "presence", "user": str(people.bob.pk), "online": True}
        # A second connection of bob: no new presence event; closing one keeps him online.
        bob2, _ = await opened(private.pk, people.bob)
        await bob2.disconnect(timeout=TIMEOUT)
        await bob.disconnect(timeout=TIMEOUT)
        # Alice's next frame is Bob leaving: nothing came for his second connection.
        left = await alice.receive_json_from(timeout=TIMEOUT)
        assert left["type"] == "event"
        assert left["event"] == {"type": "presence", "user": str(people.bob.pk), "online": False}
        await alice.disconnect(timeout=TIMEOUT)

    run(body)
    assert presence.online_user_ids(private.pk, [people.alice.pk, people.bob.pk]) == set()


# --- catch-up -----------------------------------------------------------------------------


def test_catch_up_after_a_reconnection_comes_from_the_database(people, group):
    message_send(sender=people.alice, conversation_id=group.pk, body="before")

    async def body():
        bob, snapshot = await opened(group.pk, people.bob)
        seen = snapshot["data"]["last_seq"]
        assert seen == 1
        await bob.disconnect(timeout=TIMEOUT)
        # While bob is away: three messages, one edited and one deleted afterwards.
        for text in ("m2", "m3", "m4"):
            await database_sync_to_async(message_send)(
                sender=people.carol, conversation_id=group.pk, body=text
            )
        bob, _ = await opened(group.pk, people.bob)
        await bob.send_json_to({"type": "catch_up", "since_seq": seen})
        answer = await until(bob, lambda f: f["type"] == "catch_up")
        assert [m["seq"] for m in answer["messages"]] == [2, 3, 4]
        assert [m["body"] for m in answer["messages"]] == ["m2", "m3", "m4"]
        assert answer["last_seq"] == 4 and answer["has_more"] is False
        await bob.send_json_to({"type": "catch_up", "since_seq": 4})
        empty = await until(bob, lambda f: f["type"] == "catch_up")
        assert empty["messages"] == [] and empty["has_more"] is False
        await bob.disconnect(timeout=TIMEOUT)

    run(body)


def test_catch_up_pages_with_has_more(people, group, monkeypatch):
    from teranga.platform.messaging import selectors

    monkeypatch.setattr(selectors, "CATCH_UP_LIMIT", 2)
    for n in range(5):
        message_send(sender=people.alice, conversation_id=group.pk, body=f"m{n}")

    async def body():
        bob, _ = await opened(group.pk, people.bob)
        got = []
        since = 0
        for _ in range(5):
            await bob.send_json_to({"type": "catch_up", "since_seq": since})
            answer = await until(bob, lambda f: f["type"] == "catch_up")
            got += [m["seq"] for m in answer["messages"]]
            since = got[-1]
            if not answer["has_more"]:
                break
        assert got == [1, 2, 3, 4, 5]
        await bob.disconnect(timeout=TIMEOUT)

    run(body)


# --- removal, support ---------------------------------------------------------------------


def test_a_removed_participant_is_disconnected(people, group):
    async def body():
        carol, _ = await opened(group.pk, people.carol)
        await database_sync_to_async(participant_remove)(
            actor=people.alice, conversation_id=group.pk, user_id=people.carol.pk
        )
        removed = await until(carol, event_of("participant.removed"))
        assert removed["event"]["user"] == str(people.carol.pk)
        message = await carol.receive_output(timeout=TIMEOUT)
        assert message["type"] == "websocket.close" and message["code"] == 4403
        await carol.disconnect(code=4403, timeout=TIMEOUT)

    run(body)


def test_support_agents_connect_without_being_participants(desk):
    conversation, _message, _ = support_conversation_open(
        user=desk.client, organization=desk.organization.pk, body="Bonjour"
    )

    async def body():
        agent, snapshot = await opened(conversation.pk, desk.agent)
        assert snapshot["data"]["me"]["role"] == "agent"
        assert [m["body"] for m in snapshot["data"]["messages"]][:1] == ["Bonjour"]
        client, _ = await opened(conversation.pk, desk.client)
        await agent.send_json_to({"type": "message", "body": "Je vous écoute", "client_id": "r1"})
        answer = await until(client, event_of("message.created"))
        assert answer["event"]["message"]["body"] == "Je vous écoute"
        assert await closed_with(socket(conversation.pk, desk.plain)) == 4403
        assert await closed_with(socket(conversation.pk, desk.outsider)) == 4403
        await agent.disconnect(timeout=TIMEOUT)
        await client.disconnect(timeout=TIMEOUT)

    run(body)
    assert Participant.objects.filter(
        conversation=conversation, user=desk.agent, role="agent"
    ).exists()


def test_an_outsider_in_the_group_never_gets_events(people, group):
    outsider = person("outsider")

    async def body():
        bob, _ = await opened(group.pk, people.bob)
        assert await closed_with(socket(group.pk, outsider)) == 4403
        await database_sync_to_async(message_send)(
            sender=people.alice, conversation_id=group.pk, body="members only"
        )
        got = await until(bob, event_of("message.created"))
        assert got["event"]["message"]["body"] == "members only"
        await bob.disconnect(timeout=TIMEOUT)

    run(body)


def test_the_periodic_recheck_closes_a_socket_that_lost_access(people, group, monkeypatch):
    """Access lost without an event (a row changed elsewhere): the base's periodic
    re-check asks ``still_authorized`` and closes with 4403."""
    from teranga.platform.messaging.consumers import ChatConsumer

    monkeypatch.setattr(ChatConsumer, "auth_recheck_seconds", 0.2)

    async def body():
        carol, _ = await opened(group.pk, people.carol)
        bob, _ = await opened(group.pk, people.bob)
        await database_sync_to_async(
            lambda: Participant.objects.filter(conversation=group, user=people.carol).update(
                left_at="2026-01-01T00:00:00Z"
            )
        )()
        message = await until_closed(carol)
        assert message["code"] == 4403
        await carol.disconnect(code=4403, timeout=TIMEOUT)
        # bob, still a participant, stays connected.
        await bob.send_json_to({"type": "ping"})
        assert (await until(bob, lambda f: f["type"] == "pong"))["type"] == "pong"
        await bob.disconnect(timeout=TIMEOUT)

    run(body)


async def until_closed(comm, limit: int = 20) -> dict:
    for _ in range(limit):
        message = await comm.receive_output(timeout=TIMEOUT)
        if message["type"] == "websocket.close":
            return message
    raise AssertionError("the socket was not closed")


# --- consent: leaving, invitations ----------------------------------------------------------


def test_leaving_closes_the_socket_and_tells_the_others(people, group):
    async def body():
        bob, _ = await opened(group.pk, people.bob)
        carol, _ = await opened(group.pk, people.carol)
        response = await database_sync_to_async(people.carol.api.post)(
            f"/api/v1/conversations/{group.pk}/leave/"
        )
        assert response.status_code == 204
        left = await until(bob, event_of("participant.removed"))
        assert left["event"] == {
            "type": "participant.removed",
            "user": str(people.carol.pk),
            "reason": "left",
        }
        closed = await until_closed(carol)
        assert closed["code"] == 4403
        await carol.disconnect(code=4403, timeout=TIMEOUT)
        # Carol's socket is gone; a new one is refused.
        assert await closed_with(socket(group.pk, people.carol)) == 4403
        await bob.disconnect(timeout=TIMEOUT)

    run(body)


def test_an_invitee_connects_only_once_they_accept(people):
    stranger = person("stranger")
    conversation, _ = conversation_create(
        creator=stranger, kind="group", title="Invite", participant_ids=[people.alice.pk]
    )

    async def body():
        assert await closed_with(socket(conversation.pk, people.alice)) == 4403
        owner, _ = await opened(conversation.pk, stranger)
        invitations = await database_sync_to_async(people.alice.api.get)(
            "/api/v1/conversations/invitations/"
        )
        invitation = invitations.json()["results"][0]["id"]
        accepted = await database_sync_to_async(people.alice.api.post)(
            f"/api/v1/conversations/invitations/{invitation}/accept/"
        )
        assert accepted.status_code == 200
        added = await until(owner, event_of("participant.added"))
        assert added["event"]["participant"]["user"]["id"] == str(people.alice.pk)
        alice, snapshot = await opened(conversation.pk, people.alice)
        assert snapshot["data"]["me"]["role"] == "member"
        await alice.disconnect(timeout=TIMEOUT)
        await owner.disconnect(timeout=TIMEOUT)

    run(body)
