"""The two bounds of visit slots over HTTP: an agent's own visiting hours (across their
properties) and a property's blocked dates — slots are the intersection of the agent's
hours and the property's hours, minus the blocked dates, and bookings outside them are
refused; who may read and change them; another agency's objects are 404."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from teranga.products.realestate.models import Visit, VisitBlock
from teranga.products.realestate.tests.factories import PropertyFactory
from teranga.products.realestate.tests.test_visits_api import BASE, book, slots_of

pytestmark = pytest.mark.django_db

GUEST = {"name": "Ali", "phone": "771234567"}


@pytest.fixture
def prop(agency):
    return PropertyFactory(organization=agency.org, agent=agency.users["agent"])


def hours_url(agency, user) -> str:
    return f"{BASE}/organizations/{agency.org.pk}/agents/{user.pk}/visit-hours/"


def every_day(starts: str, ends: str) -> list[dict]:
    return [{"weekday": day, "starts_at": starts, "ends_at": ends} for day in range(7)]


def test_agent_hours_and_property_hours_both_bound_the_slots(agency, prop):
    agent = agency.users["agent"]
    url = hours_url(agency, agent)
    # The defaults until changed, readable by the agency's agents and above.
    shown = agency.api["agent2"].get(url)
    assert shown.status_code == 200, shown.content
    body = shown.json()
    assert body["agent"]["id"] == str(agent.pk) and body["time_zone"] == "Africa/Dakar"
    assert [r["weekday"] for r in body["rules"]] == [0, 1, 2, 3, 4, 5]
    assert body["rules"][0]["break_start"] == "13:00:00"

    # Only the agent or a manager changes them; another agency and the public see nothing.
    mornings = every_day("10:00", "12:00")
    assert agency.api["agent2"].put(url, {"rules": mornings}, format="json").status_code == 403
    assert agency.api["plain"].get(url).status_code == 403
    assert agency.api["other_manager"].get(url).status_code == 404
    assert (
        agency.api["other_manager"].put(url, {"rules": mornings}, format="json").status_code == 404
    )
    assert agency.api["client"].get(url).status_code == 404
    assert APIClient().get(url).status_code == 401
    # Someone who is not an agent of the agency: 404.
    not_agent = agency.api["manager"].get(hours_url(agency, agency.users["plain"]))
    assert not_agent.status_code == 404
    assert not_agent.json()["error"]["code"] == "agent_not_found"
    other_agent = agency.api["manager"].get(hours_url(agency, agency.users["other_manager"]))
    assert other_agent.status_code == 404
    # Bad input changes nothing.
    overlapping = [*mornings, {"weekday": 0, "starts_at": "11:00", "ends_at": "13:00"}]
    refused = agency.api["agent"].put(url, {"rules": overlapping}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "rule_overlap"
    bad = agency.api["agent"].put(
        url, {"rules": [{"weekday": 9, "starts_at": "10:00", "ends_at": "12:00"}]}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    assert len(agency.api["agent"].get(url).json()["rules"]) == 6

    # The agent sets their own: 10:00–12:00 every day.
    changed = agency.api["agent"].put(url, {"rules": mornings}, format="json")
    assert changed.status_code == 200, changed.content
    assert len(changed.json()["rules"]) == 7
    starts = [parse_datetime(s["starts_at"]) for s in slots_of(APIClient(), prop)]
    assert starts and {(s.hour, s.minute) for s in starts} <= {(10, 0), (10, 30), (11, 0)}
    # The property's own hours 11:00–17:00: the intersection is 11:00–12:00.
    prop_hours = f"{BASE}/properties/{prop.pk}/visit-hours/"
    assert (
        agency.api["agent"]
        .put(prop_hours, {"rules": every_day("11:00", "17:00")}, format="json")
        .status_code
        == 200
    )
    slots = slots_of(APIClient(), prop)
    assert slots and all(parse_datetime(s["starts_at"]).hour == 11 for s in slots)
    day = parse_datetime(slots[-1]["starts_at"])
    # Booking outside either bound is refused.
    for hour in (10, 14):
        outside = book(agency.api["manager"], prop, day.replace(hour=hour).isoformat(), guest=GUEST)
        assert outside.status_code == 400, hour
        assert outside.json()["error"]["code"] == "outside_availability"
    inside = book(agency.api["manager"], prop, slots[-1]["starts_at"], guest=GUEST)
    assert inside.status_code == 201, inside.content
    # The agent's hours hold across their properties; a manager may change them too.
    other = PropertyFactory(organization=agency.org, agent=agent)
    assert all(
        parse_datetime(s["starts_at"]).hour in (10, 11) for s in slots_of(APIClient(), other)
    )
    afternoons = agency.api["manager"].put(
        url, {"rules": every_day("14:00", "16:00")}, format="json"
    )
    assert afternoons.status_code == 200
    assert all(
        parse_datetime(s["starts_at"]).hour in (14, 15) for s in slots_of(APIClient(), other)
    )
    # Both bounds again: the property's 11:00–17:00 and the agent's 14:00–16:00.
    assert all(parse_datetime(s["starts_at"]).hour in (14, 15) for s in slots_of(APIClient(), prop))
    # No hours at all: the agent takes no visits.
    assert agency.api["agent"].put(url, {"rules": []}, format="json").json()["rules"] == []
    assert slots_of(APIClient(), other) == []


def test_blocked_dates_offer_no_slot_and_refuse_bookings(agency, prop):
    blocks = f"{BASE}/properties/{prop.pk}/visit-blocks/"
    slots = slots_of(APIClient(), prop)
    first = parse_datetime(slots[0]["starts_at"])
    day = first.date()
    blocked = {"starts_on": day.isoformat(), "ends_on": day.isoformat(), "reason": "Owner away"}

    # Who may: the property's agent and managers; other agents read; others 404.
    assert agency.api["agent2"].post(blocks, blocked, format="json").status_code == 403
    assert agency.api["client"].post(blocks, blocked, format="json").status_code == 404
    assert agency.api["client"].get(blocks).status_code == 404
    assert agency.api["other_manager"].post(blocks, blocked, format="json").status_code == 404
    assert agency.api["other_manager"].get(blocks).status_code == 404
    assert APIClient().get(blocks).status_code == 401
    # Bad input changes nothing.
    today = timezone.now().date()
    for body in (
        {"starts_on": day.isoformat(), "ends_on": (day - timedelta(days=1)).isoformat()},
        {"starts_on": "2020-01-01", "ends_on": "2020-01-02"},
        {"starts_on": today.isoformat(), "ends_on": (today + timedelta(days=400)).isoformat()},
        {"starts_on": "soon", "ends_on": day.isoformat()},
        {**blocked, "reason": "x" * 201},
    ):
        response = agency.api["agent"].post(blocks, body, format="json")
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "invalid"
    assert not VisitBlock.objects.exists()

    created = agency.api["agent"].post(blocks, blocked, format="json")
    assert created.status_code == 201, created.content
    block_id = created.json()["id"]
    assert created.json()["reason"] == "Owner away"
    listed = agency.api["agent2"].get(blocks)
    assert listed.status_code == 200
    assert [b["id"] for b in listed.json()["results"]] == [block_id]
    # No slot that day, and booking on it is refused; other days are still offered.
    remaining = slots_of(APIClient(), prop)
    assert remaining and all(parse_datetime(s["starts_at"]).date() != day for s in remaining)
    refused = book(agency.api["client"], prop, slots[0]["starts_at"])
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "visit_date_blocked"
    assert Visit.objects.count() == 0
    # Another property of the agency is not blocked.
    other = PropertyFactory(organization=agency.org, agent=agency.users["agent"])
    assert slots_of(APIClient(), other)[0]["starts_at"] == slots[0]["starts_at"]

    # Removing: not by another agency (404), then by a manager; the slots are back.
    one = f"{blocks}{block_id}/"
    assert agency.api["other_manager"].delete(one).status_code == 404
    assert agency.api["agent2"].delete(one).status_code == 403
    other_blocks = f"{BASE}/properties/{other.pk}/visit-blocks/{block_id}/"
    missing = agency.api["manager"].delete(other_blocks)  # the block of another property
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "visit_block_not_found"
    assert agency.api["manager"].delete(one).status_code == 204
    assert slots_of(APIClient(), prop)[0]["starts_at"] == slots[0]["starts_at"]
    assert book(agency.api["client"], prop, slots[0]["starts_at"]).status_code == 201


def test_a_block_over_several_days(agency, prop):
    slots = slots_of(APIClient(), prop)
    days = sorted({parse_datetime(s["starts_at"]).date() for s in slots})
    assert len(days) >= 3
    response = agency.api["manager"].post(
        f"{BASE}/properties/{prop.pk}/visit-blocks/",
        {"starts_on": days[0].isoformat(), "ends_on": days[1].isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.content
    left = {parse_datetime(s["starts_at"]).date() for s in slots_of(APIClient(), prop)}
    assert days[0] not in left and days[1] not in left and days[2] in left
    assert isinstance(days[0], date)


def test_blocks_list_queries_do_not_grow_with_the_page(agency, prop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"{BASE}/properties/{prop.pk}/visit-blocks/"
    today = timezone.now().date()

    def add(offset: int) -> None:
        day = (today + timedelta(days=offset)).isoformat()
        body = {"starts_on": day, "ends_on": day}
        assert agency.api["agent"].post(url, body, format="json").status_code == 201

    reader = agency.api["agent2"]  # signed in before counting

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = reader.get(url)
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    add(10)
    one, rows = count()
    assert rows == 1
    for offset in range(11, 16):
        add(offset)
    six, rows = count()
    assert rows == 6 and six == one
