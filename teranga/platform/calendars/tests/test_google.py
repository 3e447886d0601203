"""Two-way sync with Google Calendar, end to end through HTTP, Google mocked at the
transport: connect (OAuth), a booking appears in the calendar with its times and goes
when cancelled, a busy event there (delivered by a watch notification and read
incrementally) removes the slot; idempotency, backoff, a revoked grant, webhooks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import TextField
from django.db.models.functions import Cast
from rest_framework.test import APIClient

from teranga.platform.calendars import services
from teranga.platform.calendars.models import (
    BusyInterval,
    CalendarConnection,
    ConnectionStatus,
    PushedEvent,
    SyncRequest,
    SyncStatus,
)
from teranga.platform.calendars.providers.google import event_id_for
from teranga.platform.calendars.tasks import sync_requests_retry_periodic
from teranga.platform.notifications.models import Notification

from .conftest import API, at, book, connect, expire_access_token, iso, slot_starts

pytestmark = pytest.mark.django_db(transaction=False)


def connected(world) -> CalendarConnection:
    _started, _state, page = connect(world, "google", "4/good-code")
    assert page.status_code == 200, page.content
    return CalendarConnection.objects.get(user=world.staff, provider="google")


def test_connect_then_book_cancel_and_busy_time(world):
    started, _state, page = connect(world, "google", "4/good-code")
    url = started.json()["authorization_url"]
    assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    assert "access_type=offline" in url and "client_id=google-client-id" in url
    assert page.status_code == 200
    assert "awa.staff@gmail.com" in page.content.decode()
    assert "teranga://calendar/connections/" in page.content.decode()  # hands over to the app

    connection = CalendarConnection.objects.get(user=world.staff)
    assert connection.account == "awa.staff@gmail.com"
    assert connection.status == ConnectionStatus.ACTIVE
    # Tokens are stored encrypted, never as they are.
    raw = (
        CalendarConnection.objects.filter(pk=connection.pk)
        .annotate(
            raw_refresh=Cast("refresh_token", TextField()),
            raw_access=Cast("access_token", TextField()),
        )
        .values_list("raw_refresh", "raw_access")
        .get()
    )
    assert raw[0] and "1//refresh-first" not in raw[0] and "ya29" not in raw[1]
    primary = connection.calendars.get(is_primary=True)
    assert primary.blocks_slots and primary.receives_events
    assert len(world.google.channels) == 1  # the watch channel on the primary calendar

    # A booking made through the Booking API appears in Google, at its times.
    response = book(world, at(3, 10))
    assert response.status_code == 201, response.content
    [event] = world.google.live_events()
    assert event["start"]["dateTime"] == "2026-03-03T10:00:00Z"
    assert event["end"]["dateTime"] == "2026-03-03T11:00:00Z"
    assert event["summary"].startswith("Coupe")
    assert event["id"] == event_id_for(str(PushedEvent.objects.get().uid))

    # Cancelling it deletes it there.
    reservation_id = response.json()["id"]
    cancelled = world.run(
        world.api["alice"].post,
        f"/api/v1/booking/reservations/{reservation_id}/cancel/",
        {},
        format="json",
    )
    assert cancelled.status_code == 200, cancelled.content
    assert world.google.live_events() == []
    assert not PushedEvent.objects.exists()

    # A busy event in Google, notified through the watch channel, removes the slot.
    assert iso(at(4, 10)) in slot_starts(world, "2026-03-04", "2026-03-05")
    world.google.add_busy(at(4, 10), at(4, 11))
    notified = world.run(
        APIClient().post, f"{API}/webhooks/google/", **world.google.notification_headers()
    )
    assert notified.status_code == 202, notified.content
    assert notified.json() == {"recorded": 1}
    starts = slot_starts(world, "2026-03-04", "2026-03-05")
    assert iso(at(4, 10)) not in starts
    assert iso(at(4, 11)) in starts and iso(at(4, 9)) in starts
    # Incremental: the call carried the sync token.
    listing = [
        r for r in world.google.requests if r.method == "GET" and r.url.path.endswith("/events")
    ]
    assert "syncToken" in dict(listing[-1].url.params)
    # And the slot cannot be booked either.
    refused = book(world, at(4, 10))
    assert refused.status_code == 409, refused.content


def test_our_own_events_and_free_time_never_block(world):
    connected(world)
    assert book(world, at(3, 10)).status_code == 201
    world.google.add_busy(at(3, 15), at(3, 16), transparent=True)  # "free" in Google
    world.run(APIClient().post, f"{API}/webhooks/google/", **world.google.notification_headers())
    assert not BusyInterval.objects.exists()  # neither the pushed booking nor the free time


def test_two_syncs_make_one_event(world):
    connection = connected(world)
    book(world, at(3, 10))

    def inserts():
        return [
            r
            for r in world.google.requests
            if r.method == "POST" and r.url.path.endswith("/events")
        ]

    assert len(inserts()) == 1
    assert services.connection_push(connection=connection) == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
    }
    assert len(inserts()) == 1
    # Our mapping lost (a crash after Google stored it): the insert answers 409 and
    # becomes a patch of the same event, never a second one.
    PushedEvent.objects.all().delete()
    assert services.connection_push(connection=connection)["created"] == 1
    assert len(world.google.live_events()) == 1
    assert PushedEvent.objects.count() == 1


def test_a_failure_backs_off_exponentially_then_recovers(world, clock):
    connection = connected(world)
    world.google.down = True  # every event insert answers 503 (after the bounded retries)
    book(world, at(3, 10))
    request = SyncRequest.objects.get(kind="push", reason="booking_created")
    connection.refresh_from_db()
    assert request.status == SyncStatus.PENDING and request.attempts == 1
    assert request.next_attempt_at == at(2, 8, 1)
    assert connection.status == ConnectionStatus.ERROR and connection.failures == 1
    assert "http_503" in connection.last_error

    clock.move_to(at(2, 8, 2))
    sync_requests_retry_periodic.call_local()
    request.refresh_from_db()
    assert request.attempts == 2 and request.next_attempt_at == at(2, 8, 4)  # doubled

    world.google.down = False
    clock.move_to(at(2, 8, 5))
    sync_requests_retry_periodic.call_local()
    request.refresh_from_db()
    connection.refresh_from_db()
    assert request.status == SyncStatus.DONE
    assert connection.status == ConnectionStatus.ACTIVE and connection.failures == 0
    assert len(world.google.live_events()) == 1


def test_a_revoked_grant_is_reported_to_the_user(world, clock):
    connection = connected(world)
    world.google.revoked = True
    expire_access_token(connection)  # a refresh is needed
    book(world, at(3, 10))
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED
    assert connection.refresh_token == "" and connection.access_token == ""
    assert not BusyInterval.objects.filter(calendar__connection=connection).exists()
    notice = Notification.objects.get(recipient=world.staff, kind="calendars.connection_revoked")
    # In the staff member's language (French by default), naming the provider.
    assert notice.title == "Synchronisation d'agenda arrêtée : Google Agenda"
    listed = world.api["staff"].get(f"{API}/connections/{connection.pk}/")
    assert listed.status_code == 200 and listed.json()["status"] == "revoked"


def test_a_401_after_refresh_means_revoked(world, clock):
    connection = connected(world)
    expire_access_token(connection)
    # Google accepts the refresh but every call is refused: the grant is gone.
    world.google.access_token = "never-this"
    original = world.google._oauth

    def refresh_without_effect(request, path):
        response = original(request, path)
        world.google.access_token = "never-this"
        return response

    world.google._oauth = refresh_without_effect
    book(world, at(3, 10))
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED
    assert Notification.objects.filter(kind="calendars.connection_revoked").count() == 1


def test_webhook_verification(world):
    connected(world)
    headers = world.google.notification_headers()
    client = APIClient()
    before = SyncRequest.objects.count()
    wrong = client.post(
        f"{API}/webhooks/google/", **{**headers, "HTTP_X_GOOG_CHANNEL_TOKEN": "guess"}
    )
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "calendar_webhook_rejected"
    unknown = client.post(
        f"{API}/webhooks/google/", **{**headers, "HTTP_X_GOOG_CHANNEL_ID": "nope"}
    )
    assert unknown.status_code == 403
    malformed = client.post(f"{API}/webhooks/google/")
    assert malformed.status_code == 400
    assert client.post(f"{API}/webhooks/nowhere/", **headers).status_code == 404
    assert SyncRequest.objects.count() == before
    # The channel's first message ("sync") records nothing.
    first = client.post(
        f"{API}/webhooks/google/", **{**headers, "HTTP_X_GOOG_RESOURCE_STATE": "sync"}
    )
    assert first.status_code == 202 and first.json() == {"recorded": 0}


def test_oauth_state_tampering_is_rejected(world):
    started, state, page = connect(world, "google", "4/good-code")
    assert page.status_code == 200
    CalendarConnection.objects.all().delete()
    again = APIClient().get(
        "/calendar/connect/google/callback/", {"code": "4/good-code", "state": state}
    )
    assert again.status_code == 400  # used once already
    started = world.api["staff"].post(f"{API}/connections/", {"provider": "google"}, format="json")
    state = started.json()["authorization_url"].split("state=")[1]
    from urllib.parse import unquote

    state = unquote(state)
    forged = state.replace(state[5], "A" if state[5] != "A" else "B", 1)
    tampered = APIClient().get(
        "/calendar/connect/google/callback/", {"code": "4/good-code", "state": forged}
    )
    assert tampered.status_code == 400
    other_provider = APIClient().get(
        "/calendar/connect/microsoft/callback/", {"code": "M.C507_good", "state": state}
    )
    assert other_provider.status_code == 400
    denied = APIClient().get(
        "/calendar/connect/google/callback/", {"error": "access_denied", "state": state}
    )
    assert denied.status_code == 400
    assert not CalendarConnection.objects.exists()


def test_disconnect_removes_events_channels_and_grant(world):
    connection = connected(world)
    book(world, at(3, 10))
    assert len(world.google.live_events()) == 1
    response = world.api["staff"].delete(f"{API}/connections/{connection.pk}/")
    assert response.status_code == 204
    assert world.google.live_events() == []
    assert len(world.google.stopped) == 1
    assert world.google.revoked_tokens == ["1//refresh-first"]
    assert not CalendarConnection.objects.exists() and not PushedEvent.objects.exists()


def test_the_periodic_reconcile_pushes_what_changed_elsewhere(world, clock):
    connection = connected(world)
    book(world, at(3, 10))
    PushedEvent.objects.update(content_hash="stale")
    recorded = services.connections_reconcile_record()
    assert recorded == 1
    for request in SyncRequest.objects.filter(status=SyncStatus.PENDING):
        services.sync_request_process(request_id=request.pk)
    patches = [r for r in world.google.requests if r.method == "PATCH"]
    assert len(patches) == 1
    assert len(world.google.live_events()) == 1
    connection.refresh_from_db()
    assert connection.last_synced_at is not None


def test_endpoints_permissions_and_bad_input(world):
    connection = connected(world)
    staff, other = world.api["staff"], world.api["other"]
    # Anonymous: 401.
    assert APIClient().get(f"{API}/connections/").status_code == 401
    # Mine, listed with calendars, never tokens.
    listed = staff.get(f"{API}/connections/")
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert row["provider"] == "google" and "refresh_token" not in row and "access_token" not in row
    assert {c["name"] for c in row["calendars"]} == {"awa.staff@gmail.com", "Team"}
    assert other.get(f"{API}/connections/").json()["results"] == []
    # Another user's connection: 404 on every verb.
    team = connection.calendars.get(is_primary=False)
    assert other.get(f"{API}/connections/{connection.pk}/").status_code == 404
    assert other.delete(f"{API}/connections/{connection.pk}/").status_code == 404
    patch_url = f"{API}/connections/{connection.pk}/calendars/{team.pk}/"
    assert other.patch(patch_url, {"blocks_slots": True}, format="json").status_code == 404
    assert CalendarConnection.objects.filter(pk=connection.pk).exists()
    # Bad input: a read-only calendar cannot receive events; nothing changes.
    refused = staff.patch(patch_url, {"receives_events": True}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "calendar_not_writable"
    team.refresh_from_db()
    assert not team.receives_events
    assert staff.patch(patch_url, {"blocks_slots": "maybe"}, format="json").status_code == 400
    # Choosing the team calendar to block slots reads it.
    chosen = world.run(staff.patch, patch_url, {"blocks_slots": True}, format="json")
    assert chosen.status_code == 200 and chosen.json()["blocks_slots"] is True
    # Providers: unknown 404, not configured 409, bad body 400.
    assert (
        staff.post(f"{API}/connections/", {"provider": "yahoo"}, format="json").status_code == 404
    )
    assert staff.post(f"{API}/connections/", {}, format="json").status_code == 400
    names = {p["name"] for p in staff.get(f"{API}/providers/").json()}
    assert names == {"sandbox", "google", "microsoft"}


def test_provider_not_configured(world, settings):
    settings.MICROSOFT_CLIENT_ID = ""
    response = world.api["staff"].post(
        f"{API}/connections/", {"provider": "microsoft"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "calendar_provider_not_configured"


def test_sync_window_bounds_busy_times(world, clock):
    connected(world)
    world.google.add_busy(at(2, 8) + timedelta(days=400), at(2, 9) + timedelta(days=400))
    world.run(APIClient().post, f"{API}/webhooks/google/", **world.google.notification_headers())
    assert not BusyInterval.objects.exists()
