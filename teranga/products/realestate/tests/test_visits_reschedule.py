"""Rescheduling visits over HTTP: the visitor or the agency moves a visit to another free
slot, checked again under the locks (hours, blocked dates, other visits, the agent's
availability); the history keeps the previous time, the other side is told (a guest by
SMS) and the reminders follow; isolation and permissions; two reschedules racing for one
slot → exactly one wins (real threads)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from teranga.platform.notifications.models import Notification
from teranga.platform.notifications.selectors import sms_messages_to
from teranga.platform.scheduling.models import Booking, BookingEvent
from teranga.products.realestate.models import Visit, VisitStatus
from teranga.products.realestate.tests.factories import PropertyFactory
from teranga.products.realestate.tests.test_visits_api import BASE, book, signed_in, slots_of
from teranga.products.realestate.tests.test_visits_guest import (
    night_after,
    outcome,
    race,
    require_shareable_database,
    spaced,
)
from teranga.products.realestate.visit_notices import guest_reminders_send

pytestmark = pytest.mark.django_db

GUEST = {"name": "Ali Ba", "phone": "771234567"}


@pytest.fixture
def prop(agency):
    return PropertyFactory(organization=agency.org, agent=agency.users["agent"])


def reschedule(client, visit_id, starts_at, **body):
    return client.post(
        f"{BASE}/visits/{visit_id}/reschedule/", {"starts_at": starts_at, **body}, format="json"
    )


def test_visitor_reschedules_and_the_agent_is_told(agency, prop):
    first, second, third = spaced(slots_of(APIClient(), prop))[:3]
    visit_id = book(agency.api["client"], prop, first).json()["id"]
    assert agency.api["agent"].post(f"{BASE}/visits/{visit_id}/confirm/").status_code == 200

    # Not for another agency (404), a member below agent (403), another agent (403).
    assert reschedule(agency.api["other_manager"], visit_id, second).status_code == 404
    assert reschedule(agency.api["plain"], visit_id, second).status_code == 403
    assert reschedule(agency.api["agent2"], visit_id, second).status_code == 403
    assert reschedule(APIClient(), visit_id, second).status_code == 401
    # Bad input changes nothing.
    client = agency.api["client"]
    assert reschedule(client, visit_id, "later").status_code == 400
    same = reschedule(client, visit_id, first)
    assert same.status_code == 400 and same.json()["error"]["code"] == "same_time"
    night = reschedule(client, visit_id, night_after(second))
    assert night.status_code == 400
    assert night.json()["error"]["code"] == "outside_availability"
    assert reschedule(client, visit_id, second, reason="x" * 2001).status_code == 400
    # A slot another visit took: 409.
    taken = book(agency.api["manager"], prop, third, guest=GUEST).json()["id"]
    full = reschedule(client, visit_id, third)
    assert full.status_code == 409 and full.json()["error"]["code"] == "slot_full"
    assert parse_datetime(Visit.objects.get(pk=visit_id).starts_at.isoformat()) == parse_datetime(
        first
    )

    moved = reschedule(client, visit_id, second, reason="Un imprévu")
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert parse_datetime(body["starts_at"]) == parse_datetime(second)
    assert body["status"] == "confirmed"
    booking = Booking.objects.get(pk=visit_id)
    assert booking.starts_at == parse_datetime(second)
    # The history keeps the previous time; the agent is told.
    event = BookingEvent.objects.get(booking=booking, action="rescheduled")
    assert event.previous_starts_at == parse_datetime(first) and event.reason == "Un imprévu"
    assert Notification.objects.filter(
        recipient=agency.users["agent"], kind="realestate.visit.rescheduled"
    ).exists()
    # The old slot is free again, the new one taken.
    offered = [s["starts_at"] for s in slots_of(APIClient(), prop)]
    assert first in offered and second not in offered
    assert Visit.objects.get(pk=taken).starts_at == parse_datetime(third)


def test_agency_reschedules_a_guest_who_is_told_and_reminded_at_the_new_time(agency, prop):
    first, second = spaced(slots_of(APIClient(), prop))[:2]
    visit_id = (
        agency.api["agent"]
        .post(
            f"{BASE}/properties/{prop.pk}/visits/",
            {"starts_at": first, "guest": GUEST},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",  # the guest is told in English
        )
        .json()["id"]
    )
    before = len(sms_messages_to(phone="+221771234567"))
    moved = reschedule(agency.api["manager"], visit_id, second)
    assert moved.status_code == 200, moved.content
    texts = [m.body for m in sms_messages_to(phone="+221771234567")]
    assert len(texts) == before + 1
    assert any("is moved to" in text for text in texts)
    # The guest's reminder is due before the new time, not the old one.
    new_start = parse_datetime(second)
    assert guest_reminders_send(now=new_start - timedelta(minutes=50)) == 1
    assert any(m.body.startswith("Reminder") for m in sms_messages_to(phone="+221771234567"))


def test_closed_and_blocked(agency, prop):
    starts = [s["starts_at"] for s in slots_of(APIClient(), prop)]
    first = starts[0]
    second = next(s for s in starts if parse_datetime(s).date() != parse_datetime(first).date())
    visit_id = book(agency.api["client"], prop, first).json()["id"]
    # A blocked date refuses the move.
    day = parse_datetime(second).date().isoformat()
    agency.api["agent"].post(
        f"{BASE}/properties/{prop.pk}/visit-blocks/",
        {"starts_on": day, "ends_on": day},
        format="json",
    )
    blocked = reschedule(agency.api["agent"], visit_id, second)
    assert blocked.status_code == 400
    assert blocked.json()["error"]["code"] == "visit_date_blocked"
    # A cancelled visit cannot be moved.
    agency.api["client"].post(f"{BASE}/visits/{visit_id}/cancel/", {}, format="json")
    closed = reschedule(agency.api["agent"], visit_id, first)
    assert closed.status_code == 409
    assert closed.json()["error"]["code"] == "visit_invalid_transition"
    assert Visit.objects.get(pk=visit_id).status == VisitStatus.CANCELLED
    # Nor a done one (after its start).
    later = book(agency.api["client"], prop, first).json()["id"]
    agency.api["agent"].post(f"{BASE}/visits/{later}/confirm/")
    with time_machine.travel(parse_datetime(first) + timedelta(minutes=30), tick=False):
        agent = signed_in(agency.users["agent"])
        assert agent.post(f"{BASE}/visits/{later}/done/").status_code == 200
        done = reschedule(agent, later, (parse_datetime(first) + timedelta(days=1)).isoformat())
        assert done.status_code == 409


@pytest.mark.django_db(transaction=True)
def test_reschedules_racing_for_one_slot_exactly_one_wins(agency, prop):
    """Three visits — two of one property, one of another property of the same agent —
    moved at once to the same free time: one move succeeds, the others are 409."""
    require_shareable_database()
    other = PropertyFactory(organization=agency.org, agent=agency.users["agent"])
    starts = spaced(slots_of(APIClient(), prop))
    assert len(starts) >= 4
    visits = [
        book(agency.api["manager"], prop, starts[0], guest=GUEST).json()["id"],
        book(agency.api["manager"], prop, starts[1], guest=GUEST).json()["id"],
        book(agency.api["manager"], other, starts[2], guest=GUEST).json()["id"],
    ]
    target = starts[3]
    managers = [signed_in(agency.users["manager"]) for _ in visits]
    calls = [
        (lambda c=c, v=v: reschedule(c, v, target)) for c, v in zip(managers, visits, strict=True)
    ]
    outcomes = [outcome(r) for r in race(calls)]
    assert sum(1 for status, _ in outcomes if status == 200) == 1, outcomes
    assert all(o == (409, "slot_full") for o in outcomes if o[0] != 200), outcomes
    assert Visit.objects.filter(starts_at=parse_datetime(target)).count() == 1
    assert Booking.objects.filter(starts_at=parse_datetime(target)).count() == 1
