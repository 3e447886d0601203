"""``allow_anonymous``: a public socket (a waiting-room board) lets unauthenticated
connections in, ``authorize()`` decides, and the periodic re-check keeps them open
without a session while still asking ``still_authorized()``."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from django.urls import path

from teranga.platform.realtime import broadcast as rt
from teranga.platform.realtime.auth import JWTAuthMiddleware
from teranga.platform.realtime.consumers import RealtimeConsumer
from teranga.platform.realtime.tests.communicator import WebsocketCommunicator, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 3
RECHECK = 0.1


class PublicConsumer(RealtimeConsumer):
    allow_anonymous = True
    auth_recheck_seconds = RECHECK
    allowed = True
    checks = 0  # calls of authorize(): one at connect, then one per re-check

    async def authorize(self) -> bool:
        type(self).checks += 1
        return type(self).allowed

    async def get_groups(self) -> list[str]:
        return ["public.board"]

    async def get_snapshot(self) -> dict:
        return {"anonymous": not self.authenticated}


class PrivateConsumer(PublicConsumer):
    allow_anonymous = False


def application():
    return JWTAuthMiddleware(
        URLRouter(
            [
                path("ws/public/", PublicConsumer.as_asgi()),
                path("ws/private/", PrivateConsumer.as_asgi()),
            ]
        )
    )


@pytest.fixture(autouse=True)
def _allowed():
    PublicConsumer.allowed = True
    PublicConsumer.checks = 0
    yield
    PublicConsumer.allowed = True


def run(body):
    return async_to_sync(body)()


def test_anonymous_socket_gets_snapshot_events_and_survives_rechecks():
    async def body():
        comm = WebsocketCommunicator(application(), "/ws/public/")
        connected, _ = await comm.connect(timeout=TIMEOUT)
        assert connected
        snapshot = await comm.receive_json_from(timeout=TIMEOUT)
        assert snapshot["type"] == "snapshot"
        assert snapshot["data"] == {"anonymous": True}
        # Several re-checks pass with no session: a check at connect, three re-checks
        # that passed, and a fourth one begun (they run one after the other).
        await wait_until(lambda: PublicConsumer.checks >= 5, TIMEOUT, "three re-checks")
        seq = await asyncio.to_thread(rt.broadcast, "public.board", {"type": "call"})
        message = await comm.receive_json_from(timeout=TIMEOUT)
        assert message == {"type": "event", "seq": seq, "event": {"type": "call"}}
        await comm.disconnect()

    run(body)


def test_anonymous_socket_refused_by_authorize_gets_4403():
    PublicConsumer.allowed = False

    async def body():
        comm = WebsocketCommunicator(application(), "/ws/public/")
        connected, _ = await comm.connect(timeout=TIMEOUT)
        assert connected  # accepted, then closed: the client sees the code
        closing = await comm.receive_output(timeout=TIMEOUT)
        assert closing == {"type": "websocket.close", "code": 4403}

    run(body)


def test_anonymous_socket_closed_when_no_longer_authorized():
    async def body():
        comm = WebsocketCommunicator(application(), "/ws/public/")
        await comm.connect(timeout=TIMEOUT)
        await comm.receive_json_from(timeout=TIMEOUT)
        PublicConsumer.allowed = False
        closing = await comm.receive_output(timeout=TIMEOUT)
        assert closing == {"type": "websocket.close", "code": 4403}

    run(body)


def test_default_consumers_still_close_anonymous_sockets_with_4401():
    async def body():
        comm = WebsocketCommunicator(application(), "/ws/private/?token=not-a-token")
        connected, _ = await comm.connect(timeout=TIMEOUT)
        assert connected
        closing = await comm.receive_output(timeout=TIMEOUT)
        assert closing == {"type": "websocket.close", "code": 4401}

    run(body)
