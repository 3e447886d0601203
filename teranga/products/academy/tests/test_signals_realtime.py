"""Signals in real time, over the real ASGI application (``config.asgi``): a subscriber's
socket gets the running signals as its snapshot, then a signal published over HTTP and its
update, in order; push notifications are recorded for subscribers and for nobody else;
who may connect (4401, 4403, 4404)."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from config.asgi import application
from teranga.platform.notifications.models import NotificationDelivery
from teranga.platform.realtime import broadcast
from teranga.platform.realtime.tests.communicator import WebsocketCommunicator

from .factories import subscribed

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 3
BASE = "/api/v1/academy/signals"


def run(body):
    async def served():
        broadcast.set_server_loop(asyncio.get_running_loop())
        try:
            return await body()
        finally:
            broadcast.set_server_loop(None)

    return async_to_sync(served)()


def path(organization) -> str:
    return f"/ws/academy/organizations/{organization.pk}/signals/"


def socket(academy, who: str | None, organization=None) -> WebsocketCommunicator:
    url = path(organization or academy.org)
    if who is not None:
        url += f"?token={academy.clients[who].tokens['access_token']}"
    return WebsocketCommunicator(application, url)


async def closed_with(comm, code: int) -> None:
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected  # accepted, then closed with the code
    assert await comm.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": code}


def test_a_subscriber_receives_the_signal_and_its_update(academy):
    subscribed(academy.member, academy.org)
    staff = academy.clients["instructor"]
    for name in ("member", "member2", "instructor", "other_manager"):
        assert academy.clients[name].tokens["access_token"]  # log in before the loop runs
    running = staff.post(
        f"{BASE}/",
        {
            "organization": str(academy.org.pk),
            "instrument": "GBPUSD",
            "direction": "sell",
            "entry": "1.27000",
            "stop_loss": "1.27500",
        },
        format="json",
    )
    assert running.status_code == 201, running.content

    def post(url, body):
        response = staff.post(url, body, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    apost = database_sync_to_async(post)

    async def body():
        comm = socket(academy, "member")
        connected, detail = await comm.connect(timeout=TIMEOUT)
        assert connected, detail
        snapshot = await comm.receive_json_from(timeout=TIMEOUT)
        assert snapshot["type"] == "snapshot"
        assert [row["instrument"] for row in snapshot["data"]["signals"]] == ["GBPUSD"]

        signal = await apost(
            f"{BASE}/",
            {
                "organization": str(academy.org.pk),
                "instrument": "XAUUSD",
                "direction": "buy",
                "entry": "2000",
                "stop_loss": "1990",
                "tp1": "2020",
            },
        )
        published = await comm.receive_json_from(timeout=TIMEOUT)
        assert published["type"] == "event" and published["seq"] == snapshot["seq"] + 1
        assert published["event"]["type"] == "signal.published"
        assert published["event"]["signal"]["id"] == signal["id"]
        assert published["event"]["signal"]["entry"] == "2000.000000"

        await apost(f"{BASE}/{signal['id']}/updates/", {"kind": "tp1_hit"})
        updated = await comm.receive_json_from(timeout=TIMEOUT)
        assert updated["event"]["type"] == "signal.updated"
        assert updated["event"]["update"]["kind"] == "tp1_hit"
        assert updated["event"]["signal"]["status"] == "tp1_hit"
        await comm.disconnect()

        # Who may not connect: no token, not a subscriber, no such academy.
        await closed_with(socket(academy, None), 4401)
        await closed_with(socket(academy, "member2"), 4403)
        await closed_with(socket(academy, "member", organization=academy.formation), 4404)
        # The staff of another academy are not its subscribers either.
        await closed_with(socket(academy, "other_manager"), 4403)

    run(body)

    # Push: one per event for the subscriber, none for anyone else.
    pushes = NotificationDelivery.objects.filter(
        channel="push", notification__kind__startswith="academy.signal_"
    )
    assert set(pushes.values_list("notification__recipient", flat=True)) == {academy.member.pk}
    assert sorted(pushes.values_list("notification__kind", flat=True)) == [
        "academy.signal_published",
        "academy.signal_published",
        "academy.signal_updated",
    ]
