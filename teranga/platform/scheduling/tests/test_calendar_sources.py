"""Calendar sources (``scheduling.extensions.calendar_sources``): products' entries in
the personal agenda (``/calendar/entries/``) and the personal iCal feed, merged with the
bookings; never in an organisation's feed; per user; a revoked feed answers 404."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured

from teranga.core.links import public_link
from teranga.core.registry import thawed
from teranga.platform.contract import Product, install, products
from teranga.platform.scheduling.extensions import CalendarEntry, EntryStatus, calendar_sources

from . import test_calendar_api as base
from .test_calendar_api import API, MONDAY_10, TUESDAY_10, assert_error, events, parse, uid

frozen = base.frozen  # the frozen clock (autouse)
world = base.world

pytestmark = pytest.mark.django_db

CALLS: list = []


def lessons(user, starts_from, ends_before):
    """A test source: two entries for ``ana`` only (one inside the range, one far out)."""
    CALLS.append((user.pk, starts_from, ends_before))
    if user.first_name != "Ana":
        return []
    candidates = [
        CalendarEntry(
            uid="test-lesson-1",
            title="Cours de wolof",
            starts_at=TUESDAY_10,
            ends_at=TUESDAY_10.replace(hour=11),
            status=EntryStatus.TENTATIVE,
            location="Salle 3",
            url=public_link("/test/lessons/1/"),
            description="Niveau 1",
        ),
        CalendarEntry(
            uid="test-lesson-2",
            title="Cours annulé",
            starts_at=MONDAY_10.replace(year=2030),
            ends_at=MONDAY_10.replace(year=2030, hour=11),
            status=EntryStatus.CANCELLED,
        ),
    ]
    return [e for e in candidates if e.starts_at < ends_before and e.ends_at > starts_from]


@pytest.fixture
def source():
    with thawed(calendar_sources):
        calendar_sources.register("test.lessons", lessons)
        CALLS.clear()
        yield


def feed_path(client, **body) -> str:
    response = client.post(f"{API}/feeds/", body, format="json")
    assert response.status_code == 201, response.content
    return urlsplit(response.json()["url"]).path


def test_personal_feed_merges_bookings_and_entries(world, source, client_for):
    _service, people, bookings = world
    client = client_for(people["ana"])
    calendar = parse(client.get(feed_path(client)))
    found = events(calendar)
    assert set(found) == {uid(bookings["ana"]), "test-lesson-1@teranga"}
    lesson = found["test-lesson-1@teranga"]
    assert str(lesson["SUMMARY"]) == "Cours de wolof"
    assert str(lesson["STATUS"]) == "TENTATIVE"
    assert str(lesson["LOCATION"]) == "Salle 3"
    assert str(lesson["URL"]).endswith("/test/lessons/1/")
    assert lesson.decoded("DTSTART") == TUESDAY_10
    # Stable UID: fetching again gives the same events.
    assert set(events(parse(client.get(feed_path(client))))) == set(found)


def test_other_users_entries_never_appear(world, source, client_for):
    _service, people, bookings = world
    client = client_for(people["bob"])
    found = events(parse(client.get(feed_path(client))))
    assert set(found) == {uid(bookings["bob"])}
    assert all(pk == people["bob"].pk for pk, *_ in CALLS)  # asked for bob only


def test_organisation_feed_has_no_product_entries(world, source, client_for):
    service, people, _bookings = world
    client = client_for(people["owner"])
    path = feed_path(client, organization=str(service.resource.organization_id))
    found = events(parse(client.get(path)))
    assert not [u for u in found if u.startswith("test-")]
    assert CALLS == []


def test_revoked_feed_is_404(world, source, client_for):
    _service, people, _bookings = world
    client = client_for(people["ana"])
    response = client.post(f"{API}/feeds/", {}, format="json")
    path = urlsplit(response.json()["url"]).path
    assert client.delete(f"{API}/feeds/{response.json()['id']}/").status_code == 204
    assert_error(client.get(path), 404, "feed_not_found")


def test_entries_endpoint(world, source, client_for):
    _service, people, bookings = world
    response = client_for(people["ana"]).get(f"{API}/entries/")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["uid"] for r in results] == ["test-lesson-1"]
    entry = results[0]
    assert entry["source"] == "test.lessons"
    assert entry["status"] == "tentative"
    assert entry["title"] == "Cours de wolof"
    assert entry["starts_at"].startswith("2026-03-03T10:00:00")
    # The bookings endpoint keeps its schema: bookings only.
    agenda = client_for(people["ana"]).get(f"{API}/").json()["results"]
    assert [r["id"] for r in agenda] == [str(bookings["ana"].pk)]
    # The range is honoured, and validated.
    far = client_for(people["ana"]).get(
        f"{API}/entries/", {"from": "2030-03-01T00:00:00Z", "to": "2030-03-10T00:00:00Z"}
    )
    assert [r["status"] for r in far.json()["results"]] == ["cancelled"]
    bad = client_for(people["ana"]).get(
        f"{API}/entries/", {"from": "2026-03-05T00:00:00Z", "to": "2026-03-01T00:00:00Z"}
    )
    assert_error(bad, 400)
    assert client_for(people["bob"]).get(f"{API}/entries/").json()["results"] == []


def test_entries_need_login(world, source, api):
    assert_error(api.get(f"{API}/entries/"), 401)


def test_contract_keeps_sources_in_the_product_namespace():
    with thawed(products, calendar_sources), pytest.raises(ImproperlyConfigured):
        install(Product(label="zzcal", name="Z", calendar_sources={"other.x": lessons}))
    assert "zzcal" not in products
