"""Sharing a position: ``POST``/``DELETE /api/v1/smartqueue/location/`` and the
``/ws/smartqueue/location/`` socket; kept only while needed; a ticket's origin."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from teranga.platform.accounts.models import ClientProfile
from teranga.platform.geo.models import Region
from teranga.platform.realtime.tests.communicator import WebsocketCommunicator
from teranga.platform.realtime.tests.test_consumers import application
from teranga.products.smartqueue.models import TicketStatus, UserLocation
from teranga.products.smartqueue.origin import nearest_place
from teranga.products.smartqueue.services import locations, tickets
from teranga.products.smartqueue.tests.travel_world import build_world, make_client, take

URL = "/api/v1/smartqueue/location/"
MEDINA = {"latitude": 14.681, "longitude": -17.446}


@pytest.fixture
def world(db):
    return build_world()


@pytest.mark.django_db
def test_share_then_replace_then_forget(world, client_for):
    alice = make_client()
    mine = take(world, alice)
    api = client_for(alice)
    response = api.post(URL, {**MEDINA, "accuracy_m": 25, "mode": "walk"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["mode"] == "walk" and body["accuracy_m"] == 25
    (entry,) = body["tickets"]
    assert entry["ticket"] == str(mine.pk) and entry["position"] == 1
    assert 1.0 < entry["distance_km"] < 1.8 and entry["travel_minutes"] > 0
    row = UserLocation.objects.get(user=alice)
    assert row.latitude == Decimal("14.681000")
    assert timedelta(minutes=119) < row.expires_at - timezone.now() <= timedelta(hours=2)
    response = api.post(URL, {"latitude": 14.7, "longitude": -17.45}, format="json")
    assert response.status_code == 200
    assert UserLocation.objects.filter(user=alice).count() == 1
    assert UserLocation.objects.get(user=alice).mode == "walk"  # kept from before
    assert api.delete(URL).status_code == 204
    assert not UserLocation.objects.filter(user=alice).exists()
    assert api.delete(URL).status_code == 204


@pytest.mark.django_db
def test_refused_without_a_live_ticket(world, client_for):
    alice = make_client()
    api = client_for(alice)
    response = api.post(URL, MEDINA, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_active_ticket"
    mine = take(world, alice)
    tickets.ticket_cancel(ticket_id=mine.pk, user=alice)
    assert api.post(URL, MEDINA, format="json").status_code == 409
    assert not UserLocation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"latitude": 14.68},
        {"latitude": 91, "longitude": -17.4},
        {"latitude": 14.68, "longitude": -190},
        {"latitude": "north", "longitude": -17.4},
        {**MEDINA, "mode": "horse"},
        {**MEDINA, "accuracy_m": -1},
        {**MEDINA, "user": "someone-else"},
    ],
)
def test_bad_input_changes_nothing(world, client_for, body):
    alice = make_client()
    take(world, alice)
    response = client_for(alice).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"]
    assert not UserLocation.objects.exists()


@pytest.mark.django_db
def test_anonymous_is_401(api, world):
    assert api.post(URL, MEDINA, format="json").status_code == 401
    assert api.delete(URL).status_code == 401


@pytest.mark.django_db
def test_purge_keeps_only_what_is_needed(world):
    alice, bob, carol = make_client(), make_client(), make_client()
    take(world, alice)
    bob_ticket = take(world, bob)
    take(world, carol)
    for user in (alice, bob, carol):
        locations.location_update(user=user, **MEDINA)
    tickets.ticket_cancel(ticket_id=bob_ticket.pk, user=bob)  # bob has nothing live now
    UserLocation.objects.filter(user=carol).update(expires_at=timezone.now())  # expired
    assert locations.locations_purge() == 2
    assert list(UserLocation.objects.values_list("user", flat=True)) == [alice.pk]


@pytest.mark.django_db
def test_origin_from_the_position_else_the_profile():
    assert nearest_place(14.681, -17.446).commune == "Médina"
    assert nearest_place(14.79, -16.93).region_code == "TH"
    assert nearest_place(15.0, -14.0) is None  # far from every reference place


@pytest.mark.django_db
def test_ticket_origin(world):
    dakar, _ = Region.objects.get_or_create(code="DK", defaults={"name": "Dakar", "slug": "dakar"})
    thies, _ = Region.objects.get_or_create(code="TH", defaults={"name": "Thiès", "slug": "thies"})
    alice, bob, carol = make_client(), make_client(), make_client()
    first = take(world, alice)
    locations.location_update(user=alice, **MEDINA)
    tickets.ticket_cancel(ticket_id=first.pk, user=alice)
    # The position is still live for a moment: the next ticket takes its origin from it.
    UserLocation.objects.filter(user=alice).update(expires_at=timezone.now() + timedelta(hours=1))
    second = tickets.ticket_issue(queue=world.queue, channel="mobile", user=alice)
    second.refresh_from_db()
    assert (second.origin_region, second.origin_commune) == (dakar, "Médina")
    ClientProfile.objects.create(user=bob, region=thies)
    from_profile = take(world, bob)
    from_profile.refresh_from_db()
    assert (from_profile.origin_region, from_profile.origin_commune) == (thies, "")
    unknown = take(world, carol)
    unknown.refresh_from_db()
    assert (unknown.origin_region, unknown.origin_commune) == (None, "")
    assert unknown.status == TicketStatus.WAITING


# --- The socket ---------------------------------------------------------------------------


async def answer(comm) -> dict:
    """The next answer, past the notifications that arrive on the user's group."""
    while True:
        message = await comm.receive_json_from(timeout=5)
        if message["type"] != "event":
            return message


@pytest.mark.django_db(transaction=True)
def test_location_socket(world, client_for):
    alice = make_client()
    mine = take(world, alice)
    token = client_for(alice).tokens["access_token"]

    async def body():
        comm = WebsocketCommunicator(application(), f"/ws/smartqueue/location/?token={token}")
        connected, _ = await comm.connect(timeout=3)
        assert connected
        snapshot = await comm.receive_json_from(timeout=3)
        assert snapshot["type"] == "snapshot" and snapshot["data"] == {"location": None}
        await comm.send_json_to({"type": "location", **MEDINA, "mode": "taxi"})
        travel = await answer(comm)
        assert travel["type"] == "travel", travel
        (entry,) = travel["data"]["tickets"]
        assert entry["number"] == mine.display_number and entry["travel_minutes"] >= 5
        await comm.send_json_to({"type": "location", "latitude": 123, "longitude": 0})
        error = await answer(comm)
        assert error["type"] == "error" and error["code"] == "invalid"
        await comm.send_json_to({"type": "forget"})
        assert (await answer(comm))["type"] == "forgotten"
        await comm.disconnect()

    async_to_sync(body)()
    assert not UserLocation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_location_socket_refuses_without_a_ticket(world, client_for):
    bob = make_client()
    token = client_for(bob).tokens["access_token"]

    async def body():
        comm = WebsocketCommunicator(application(), f"/ws/smartqueue/location/?token={token}")
        await comm.connect(timeout=3)
        await comm.receive_json_from(timeout=3)
        await comm.send_json_to({"type": "location", **MEDINA})
        error = await comm.receive_json_from(timeout=5)
        assert error == {
            "type": "error",
            "code": "no_active_ticket",
            "detail": error["detail"],
        }
        await comm.disconnect()

    async_to_sync(body)()
    assert not UserLocation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_location_socket_needs_a_token(world):
    async def body():
        comm = WebsocketCommunicator(application(), "/ws/smartqueue/location/")
        await comm.connect(timeout=3)
        message = await comm.receive_output(timeout=3)
        assert message["type"] == "websocket.close" and message["code"] == 4401

    async_to_sync(body)()
