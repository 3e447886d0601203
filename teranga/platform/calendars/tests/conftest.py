"""A business whose staff member Awa is a bookable resource (Mon–Sat 9–18, lunch
13–14) of a free 1-hour service made through the Booking API, a client (Alice), and the
providers' side mocked at the transport. The clock is Monday 2 March 2026, 08:00 UTC
(Dakar: UTC+0)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import httpx2
import pytest
import time_machine
from rest_framework.test import APIClient

from conftest import authed_client, create_user
from teranga.core.http import use_transport
from teranga.platform.calendars.providers.sandbox import STORE
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import member
from teranga.platform.scheduling.tests.factories import (
    BusinessFactory,
    ResourceFactory,
    weekly_rules,
)

from .fakes import FakeGoogle, FakeGraph

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
BOOKING_API = "/api/v1/booking"
API = "/api/v1/calendar"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def providers(settings):
    settings.GOOGLE_CALENDAR_CLIENT_ID = "google-client-id"
    settings.GOOGLE_CALENDAR_CLIENT_SECRET = "google-secret"
    settings.MICROSOFT_CLIENT_ID = "ms-client-id"
    settings.MICROSOFT_CLIENT_SECRET = "ms-secret"
    settings.MICROSOFT_TENANT = "common"
    google, graph = FakeGoogle(), FakeGraph()

    def route(request):
        if request.url.host in ("oauth2.googleapis.com", "www.googleapis.com"):
            return google(request)
        return graph(request)

    STORE.clear()
    with use_transport(httpx2.MockTransport(route)):
        yield SimpleNamespace(google=google, graph=graph)


@pytest.fixture
def world(db, clock, providers, django_capture_on_commit_callbacks):
    business = BusinessFactory(name="Salon Awa")
    owner = member(business, Role.OWNER)
    staff = member(business, Role.AGENT, first_name="Awa", last_name="Ndiaye")
    resource = ResourceFactory(organization=business, name="Awa", user=staff)
    weekly_rules(resource)
    alice = create_user("alice@example.test", first_name="Alice", last_name="Diop")
    other = create_user("other@example.test")
    api = {
        name: authed_client(user)
        for name, user in {"owner": owner, "staff": staff, "alice": alice, "other": other}.items()
    }
    created = api["owner"].post(
        f"{BOOKING_API}/services/",
        {
            "organization": str(business.pk),
            "name": "Coupe",
            "price_amount": 0,
            "duration_minutes": 60,
            "capacity": 1,
            "resource": str(resource.pk),
        },
        format="json",
    )
    assert created.status_code == 201, created.content

    def run(method, *args, **kwargs):
        """A request with its on-commit work (the sync tasks) run as after its commit."""
        with django_capture_on_commit_callbacks(execute=True):
            return method(*args, **kwargs)

    return SimpleNamespace(
        business=business,
        staff=staff,
        alice=alice,
        other=other,
        resource=resource,
        service_id=created.json()["id"],
        api=api,
        run=run,
        google=providers.google,
        graph=providers.graph,
    )


def connect(world, provider: str, code: str, *, user="staff"):
    """The whole OAuth flow through HTTP: ask for the consent address, then come back to
    Teranga's callback page as the provider would send the browser."""
    started = world.api[user].post(f"{API}/connections/", {"provider": provider}, format="json")
    assert started.status_code == 200, started.content
    url = urlparse(started.json()["authorization_url"])
    state = parse_qs(url.query)["state"][0]
    page = world.run(
        APIClient().get,  # a browser: no API token, the signed state names the user
        f"/calendar/connect/{provider}/callback/",
        {"code": code, "state": state},
    )
    return started, state, page


def book(world, starts_at: datetime):
    return world.run(
        world.api["alice"].post,
        f"{BOOKING_API}/reservations/",
        {"service": world.service_id, "starts_at": iso(starts_at)},
        format="json",
    )


def slot_starts(world, day: str, next_day: str) -> list[str]:
    response = world.api["alice"].get(
        f"{BOOKING_API}/services/{world.service_id}/slots/", {"from": day, "to": next_day}
    )
    assert response.status_code == 200, response.content
    return [slot["starts_at"] for slot in response.json()["slots"]]


def expire_access_token(connection) -> None:
    """As an hour later, for the stored access token only (the API logins stay valid)."""
    type(connection).objects.filter(pk=connection.pk).update(access_expires_at=NOW)
