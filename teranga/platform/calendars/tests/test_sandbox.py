"""The sandbox provider (the default, usable in the demo): the whole flow without any
account anywhere."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from rest_framework.test import APIClient

from teranga.platform.calendars import services
from teranga.platform.calendars.models import CalendarConnection
from teranga.platform.calendars.providers.sandbox import sandbox_busy_add, sandbox_events

from .conftest import API, at, book, iso, slot_starts

pytestmark = pytest.mark.django_db


def test_sandbox_connect_push_and_block(world):
    started = world.api["staff"].post(f"{API}/connections/", {"provider": "sandbox"}, format="json")
    url = urlparse(started.json()["authorization_url"])
    # The sandbox sends the browser straight back to our callback page.
    assert url.path == "/calendar/connect/sandbox/callback/"
    query = parse_qs(url.query)
    page = world.run(
        APIClient().get,
        url.path,
        {"code": query["code"][0], "state": query["state"][0]},
    )
    assert page.status_code == 200
    connection = CalendarConnection.objects.get(user=world.staff, provider="sandbox")

    assert book(world, at(3, 10)).status_code == 201
    [event] = sandbox_events(connection.account)
    assert (event.starts_at, event.ends_at) == (at(3, 10), at(3, 11))

    sandbox_busy_add(connection.account, at(4, 9), at(4, 10))
    services.connection_pull(connection=connection)
    assert iso(at(4, 9)) not in slot_starts(world, "2026-03-04", "2026-03-05")
