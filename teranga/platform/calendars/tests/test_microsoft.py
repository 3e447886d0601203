"""Two-way sync with Microsoft 365 / Outlook through Graph, end to end through HTTP,
Graph and the identity platform mocked at the transport: connect, a booking pushed and
removed, a busy event delivered by a subscription notification (after the validation
handshake) and read through the delta link removes the slot; clientState verified."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from teranga.platform.calendars import services
from teranga.platform.calendars.models import (
    BusyInterval,
    CalendarConnection,
    ConnectionStatus,
    SyncRequest,
)
from teranga.platform.notifications.models import Notification

from .conftest import API, at, book, connect, expire_access_token, iso, slot_starts

pytestmark = pytest.mark.django_db


def connected(world) -> CalendarConnection:
    started, _state, page = connect(world, "microsoft", "M.C507_good")
    url = started.json()["authorization_url"]
    assert url.startswith("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?")
    assert "offline_access" in url.replace("+", " ").replace("%20", " ")
    assert page.status_code == 200, page.content
    return CalendarConnection.objects.get(user=world.staff, provider="microsoft")


def test_booking_pushed_cancelled_and_busy_time_blocks(world):
    connection = connected(world)
    assert connection.account == "awa@contoso.onmicrosoft.com"
    [subscription] = world.graph.subscriptions.values()
    assert subscription["resource"] == "/me/calendars/AAMkAGI2-default/events"
    assert subscription["notificationUrl"].endswith("/api/v1/calendar/webhooks/microsoft/")

    response = book(world, at(3, 10))
    assert response.status_code == 201, response.content
    [event] = world.graph.live_events()
    assert event["start"] == {"dateTime": "2026-03-03T10:00:00", "timeZone": "UTC"}
    assert event["end"] == {"dateTime": "2026-03-03T11:00:00", "timeZone": "UTC"}
    assert event["subject"].startswith("Coupe") and event["transactionId"]

    # Twice: still one event.
    services.connection_push(connection=connection)
    assert len(world.graph.live_events()) == 1

    cancelled = world.run(
        world.api["alice"].post,
        f"/api/v1/booking/reservations/{response.json()['id']}/cancel/",
        {},
        format="json",
    )
    assert cancelled.status_code == 200
    assert world.graph.live_events() == []

    # Graph's validation handshake: the token echoed as text/plain.
    handshake = APIClient().post(f"{API}/webhooks/microsoft/?validationToken=Validation%3A+abc")
    assert handshake.status_code == 200
    assert handshake["Content-Type"].startswith("text/plain")
    assert handshake.content.decode() == "Validation: abc"

    assert iso(at(4, 15)) in slot_starts(world, "2026-03-04", "2026-03-05")
    world.graph.add_busy(at(4, 15), at(4, 16, 30))
    notified = world.run(
        APIClient().post,
        f"{API}/webhooks/microsoft/",
        world.graph.notification_body(),
        format="json",
    )
    assert notified.status_code == 202, notified.content
    starts = slot_starts(world, "2026-03-04", "2026-03-05")
    assert iso(at(4, 15)) not in starts and iso(at(4, 16)) not in starts
    assert iso(at(4, 17)) in starts
    # Read through the delta link (incremental), not a new full listing.
    last = [r for r in world.graph.requests if "delta" in r.url.path][-1]
    assert last.url.path.startswith("/v1.0/delta/")

    # Removed there: free again.
    [busy_id] = [e["id"] for e in world.graph.live_events()]
    world.graph.calendars["AAMkAGI2-default"].pop(busy_id)
    world.graph.version += 1
    world.graph.removed["AAMkAGI2-default"].append((world.graph.version, busy_id))
    world.run(
        APIClient().post,
        f"{API}/webhooks/microsoft/",
        world.graph.notification_body(),
        format="json",
    )
    assert not BusyInterval.objects.exists()
    assert iso(at(4, 15)) in slot_starts(world, "2026-03-04", "2026-03-05")


def test_client_state_is_verified(world):
    connected(world)
    body = world.graph.notification_body()
    body["value"][0]["clientState"] = "forged"
    before = SyncRequest.objects.count()
    response = APIClient().post(f"{API}/webhooks/microsoft/", body, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "calendar_webhook_rejected"
    malformed = APIClient().post(
        f"{API}/webhooks/microsoft/", json.dumps({"value": "x"}), content_type="application/json"
    )
    assert malformed.status_code == 400
    assert SyncRequest.objects.count() == before


def test_an_expired_refresh_token_is_reported(world, clock):
    connection = connected(world)
    world.graph.revoked = True
    expire_access_token(connection)
    book(world, at(3, 10))
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED
    notice = Notification.objects.get(recipient=world.staff, kind="calendars.connection_revoked")
    assert "Outlook" in notice.title


def test_disconnect_deletes_the_subscription(world):
    connection = connected(world)
    [subscription_id] = list(world.graph.subscriptions)
    assert world.api["staff"].delete(f"{API}/connections/{connection.pk}/").status_code == 204
    assert world.graph.deleted_subscriptions == [subscription_id]
    assert not CalendarConnection.objects.exists()
