"""Visits over HTTP: slots from the scheduling engine, booking (a client, a guest through
the agency), double booking refused, transitions, feedback, isolation, permissions,
the agent's iCal feed and the languages."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from teranga.platform.notifications.models import Notification
from teranga.platform.notifications.selectors import sms_messages_to
from teranga.platform.scheduling.models import Booking, BookingStatus
from teranga.platform.scheduling.services import calendar_feed_create
from teranga.products.realestate.models import PropertyStatus, Visit, VisitStatus
from teranga.products.realestate.tests.factories import PropertyFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/realestate"


@pytest.fixture
def prop(agency):
    return PropertyFactory(organization=agency.org, agent=agency.users["agent"])


def slots_of(client, prop, **query) -> list[dict]:
    response = client.get(f"{BASE}/properties/{prop.pk}/visit-slots/", query)
    assert response.status_code == 200, response.content
    return response.json()["slots"]


def book(client, prop, starts_at, **body):
    return client.post(
        f"{BASE}/properties/{prop.pk}/visits/", {"starts_at": starts_at, **body}, format="json"
    )


def signed_in(user) -> APIClient:
    """A client for ``user`` after travelling in time, when their token has expired."""
    client = APIClient()
    client.force_authenticate(user)
    return client


def first_slot(agency, prop) -> str:
    slots = slots_of(agency.api["client"], prop)
    assert slots
    return slots[0]["starts_at"]


def test_slots_follow_the_agents_hours_and_the_property_hours(agency, prop, api):
    slots = slots_of(api, prop)  # anyone may read them
    assert slots
    starts = [parse_datetime(s["starts_at"]) for s in slots]
    # Default hours of the agent: 9:00–18:00 (Dakar is UTC), an hour per visit.
    assert all(9 <= s.hour < 18 and s.weekday() < 6 for s in starts)
    assert all(s.hour != 13 for s in starts)  # the lunch break

    hours_url = f"{BASE}/properties/{prop.pk}/visit-hours/"
    rules = [{"weekday": day, "starts_at": "15:00", "ends_at": "17:00"} for day in range(7)]
    # Only the agency sets them: a client is not told the property's internals (404),
    # another agent of the agency may not change their colleague's property (403).
    assert agency.api["client"].put(hours_url, {"rules": rules}, format="json").status_code == 404
    assert agency.api["agent2"].put(hours_url, {"rules": rules}, format="json").status_code == 403
    overlapping = [*rules, {"weekday": 0, "starts_at": "16:00", "ends_at": "18:00"}]
    refused = agency.api["agent"].put(hours_url, {"rules": overlapping}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "rule_overlap"
    response = agency.api["agent"].put(hours_url, {"rules": rules}, format="json")
    assert response.status_code == 200, response.content
    assert len(response.json()["rules"]) == 7
    assert agency.api["agent2"].get(hours_url).json()["rules"][0]["starts_at"] == "15:00:00"
    narrowed = [parse_datetime(s["starts_at"]) for s in slots_of(api, prop)]
    assert narrowed
    assert all(s.hour in (15, 16) and s.weekday() < 6 for s in narrowed)
    assert all(s + timedelta(hours=1) <= s.replace(hour=17, minute=0) for s in narrowed)
    # No hours of its own any more: the agent's again.
    cleared = agency.api["agent"].put(hours_url, {"rules": []}, format="json")
    assert cleared.json()["rules"] == []
    assert len(slots_of(api, prop)) > len(narrowed)


def test_slots_range_is_checked(agency, prop, api):
    response = api.get(
        f"{BASE}/properties/{prop.pk}/visit-slots/",
        {"from": "2030-01-01T00:00:00Z", "to": "2030-03-01T00:00:00Z"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "visit_invalid_range"


def test_client_books_agent_confirms_and_double_booking_is_refused(agency, prop):
    starts_at = first_slot(agency, prop)
    response = book(agency.api["client"], prop, starts_at, message="Je viens avec ma sœur")
    assert response.status_code == 201, response.content
    visit = response.json()
    assert visit["status"] == "requested"
    assert visit["visitor"]["id"] == str(agency.users["client"].pk)
    assert visit["agent"]["id"] == str(agency.users["agent"].pk)
    assert visit["notes"] is None  # the agency's, not the visitor's
    assert "/o/realestate.visit/" in visit["link"]
    booking = Booking.objects.get(pk=visit["id"])
    assert booking.source == "realestate.visit"
    assert booking.resource.user == agency.users["agent"]
    assert booking.status == BookingStatus.PENDING
    # The slot is no longer offered, and booking it again is 409 in the standard shape.
    assert starts_at not in [s["starts_at"] for s in slots_of(agency.api["client"], prop)]
    other = book(
        agency.api["manager"], prop, starts_at, guest={"name": "Ali", "phone": "771234567"}
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "slot_full"
    assert Visit.objects.count() == 1

    confirmed = agency.api["agent"].post(f"{BASE}/visits/{visit['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    # The engine told the visitor (under our namespace, with the visit's link).
    told = Notification.objects.filter(
        recipient=agency.users["client"], kind="realestate.visit.confirmed"
    ).get()
    assert "/o/realestate.visit/" in told.link
    # Confirming again is an illegal transition.
    again = agency.api["agent"].post(f"{BASE}/visits/{visit['id']}/confirm/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "visit_invalid_transition"


def test_another_property_visit_at_the_same_time_with_another_agent_is_refused(agency, prop):
    starts_at = first_slot(agency, prop)
    assert book(agency.api["client"], prop, starts_at).status_code == 201
    prop.agent = agency.users["agent2"]
    prop.save(update_fields=["agent"])
    response = book(
        agency.api["manager"], prop, starts_at, guest={"name": "Ali", "phone": "771234567"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_full"


def test_agency_books_a_guest_who_is_told_by_sms(agency, prop):
    starts_at = first_slot(agency, prop)
    response = agency.api["agent2"].post(
        f"{BASE}/properties/{prop.pk}/visits/",
        {"starts_at": starts_at, "guest": {"name": "Fatou Ndiaye", "phone": "77 123 45 67"}},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["visitor"] is None
    assert body["visitor_name"] == "Fatou Ndiaye"
    assert body["guest_phone"] == "+221771234567"
    visit = Visit.objects.get(pk=body["id"])
    assert visit.guest_phone_hash  # looked up by its keyed hash, stored encrypted
    (sms,) = sms_messages_to(phone="+221771234567")
    assert "is confirmed" in sms.body  # in the language the visit was booked in


def test_guest_rules(agency, prop):
    starts_at = first_slot(agency, prop)
    guest = {"name": "Ali", "phone": "771234567"}
    # Only the agency books for a guest; staff must name the visitor.
    refused = book(agency.api["client"], prop, starts_at, guest=guest)
    assert refused.status_code == 403
    missing = book(agency.api["agent"], prop, starts_at)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "visit_visitor_required"
    bad_phone = book(agency.api["agent"], prop, starts_at, guest={"name": "Ali", "phone": "12"})
    assert bad_phone.status_code == 400
    assert Visit.objects.count() == 0


def test_bad_input_changes_nothing(agency, prop):
    client = agency.api["client"]
    assert book(client, prop, "not a date").status_code == 400
    past = book(client, prop, "2020-01-06T10:00:00Z")
    assert past.status_code == 400
    assert past.json()["error"]["code"] == "booking_in_past"
    last = slots_of(client, prop)[-1]["starts_at"]
    night = parse_datetime(last).replace(hour=3).isoformat()
    outside = book(client, prop, night)
    assert outside.status_code == 400
    assert outside.json()["error"]["code"] == "outside_availability"
    assert Visit.objects.count() == 0 and Booking.objects.count() == 0


def test_property_off_the_market_cannot_be_visited(agency, prop):
    starts_at = first_slot(agency, prop)
    prop.status = PropertyStatus.UNDER_OFFER
    prop.save(update_fields=["status"])
    # Not public any more: a client does not see it at all.
    assert book(agency.api["client"], prop, starts_at).status_code == 404
    prop.status = PropertyStatus.SOLD
    prop.save(update_fields=["status"])
    response = book(agency.api["agent"], prop, starts_at, guest={"name": "A", "phone": "771234567"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "property_not_visitable"


def test_done_feedback_and_transitions(agency, prop):
    starts_at = first_slot(agency, prop)
    visit_id = book(agency.api["client"], prop, starts_at).json()["id"]
    client, agent = agency.api["client"], agency.api["agent"]
    # Not confirmed yet: done is illegal; feedback only once done.
    assert agent.post(f"{BASE}/visits/{visit_id}/done/").json()["error"]["code"] == (
        "visit_invalid_transition"
    )
    assert agent.post(f"{BASE}/visits/{visit_id}/confirm/").status_code == 200
    early = agent.post(f"{BASE}/visits/{visit_id}/done/")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "visit_not_started"
    feedback = {"interest_level": 4, "feedback": "Très lumineux"}
    assert (
        client.post(f"{BASE}/visits/{visit_id}/feedback/", feedback).json()["error"]["code"]
        == "visit_not_done"
    )
    # The visitor cannot mark it done.
    assert client.post(f"{BASE}/visits/{visit_id}/done/").status_code == 403
    notes = agent.patch(f"{BASE}/visits/{visit_id}/", {"notes": "Client sérieux"}, format="json")
    assert notes.status_code == 200 and notes.json()["notes"] == "Client sérieux"
    assert client.get(f"{BASE}/visits/{visit_id}/").json()["notes"] is None

    with time_machine.travel(parse_datetime(starts_at) + timedelta(minutes=30), tick=False):
        # Hours later: the access tokens of the morning have expired.
        agent, client = signed_in(agency.users["agent"]), signed_in(agency.users["client"])
        done = agent.post(f"{BASE}/visits/{visit_id}/done/")
        assert done.status_code == 200, done.content
        assert done.json()["status"] == "done"
        assert client.post(f"{BASE}/visits/{visit_id}/cancel/").status_code == 409
        bad = client.post(f"{BASE}/visits/{visit_id}/feedback/", {"interest_level": 9})
        assert bad.status_code == 400
        given = client.post(f"{BASE}/visits/{visit_id}/feedback/", feedback, format="json")
        assert given.status_code == 200, given.content
        assert given.json()["interest_level"] == 4
    assert Booking.objects.get(pk=visit_id).status == BookingStatus.COMPLETED


def test_no_show_and_cancel(agency, prop):
    slots = slots_of(agency.api["client"], prop)
    first, later = slots[0]["starts_at"], slots[-1]["starts_at"]
    guest = {"name": "Ali", "phone": "771234567"}
    one = book(agency.api["agent"], prop, first, guest=guest).json()["id"]
    with time_machine.travel(parse_datetime(first) + timedelta(minutes=20), tick=False):
        response = signed_in(agency.users["agent"]).post(f"{BASE}/visits/{one}/no-show/")
        assert response.status_code == 200
        assert response.json()["status"] == "no_show"
    two = book(agency.api["client"], prop, later).json()["id"]
    cancelled = agency.api["client"].post(
        f"{BASE}/visits/{two}/cancel/", {"reason": "Empêchement"}, format="json"
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == VisitStatus.CANCELLED
    assert Booking.objects.get(pk=two).status == BookingStatus.CANCELLED_BY_CLIENT
    # The slot is free again.
    assert later in [s["starts_at"] for s in slots_of(agency.api["client"], prop)]


def test_lists_isolation_and_permissions(agency, prop):
    starts_at = first_slot(agency, prop)
    visit_id = book(agency.api["client"], prop, starts_at).json()["id"]
    org = agency.org.pk
    # The client sees their own; the agency's staff see the agency's.
    mine = agency.api["client"].get(f"{BASE}/visits/")
    assert [v["id"] for v in mine.json()["results"]] == [visit_id]
    staff = agency.api["manager"].get(
        f"{BASE}/visits/", {"organization": org, "status": "requested"}
    )
    assert staff.status_code == 200
    assert [v["id"] for v in staff.json()["results"]] == [visit_id]
    assert staff.json()["results"][0]["notes"] == ""
    assert agency.api["agent"].get(f"{BASE}/visits/").json()["results"][0]["id"] == visit_id
    # Another agency: 404 everywhere.
    other = agency.api["other_manager"]
    assert other.get(f"{BASE}/visits/{visit_id}/").status_code == 404
    assert other.post(f"{BASE}/visits/{visit_id}/confirm/").status_code == 404
    assert other.post(f"{BASE}/visits/{visit_id}/cancel/").status_code == 404
    assert other.get(f"{BASE}/visits/", {"organization": org}).status_code == 404
    assert other.get(f"{BASE}/visits/").json()["results"] == []
    # A member below agent: 403; another agent of the agency may read but not act.
    plain = agency.api["plain"]
    assert plain.get(f"{BASE}/visits/{visit_id}/").status_code == 403
    assert plain.get(f"{BASE}/visits/", {"organization": org}).status_code == 403
    assert agency.api["agent2"].get(f"{BASE}/visits/{visit_id}/").status_code == 200
    assert agency.api["agent2"].post(f"{BASE}/visits/{visit_id}/confirm/").status_code == 403
    # No token.
    assert APIClient().get(f"{BASE}/visits/").status_code == 401
    assert book(APIClient(), prop, starts_at).status_code == 401
    assert Visit.objects.get(pk=visit_id).status == VisitStatus.REQUESTED


def test_agents_ical_feed_contains_the_visit(agency, prop, api):
    starts_at = first_slot(agency, prop)
    book(agency.api["agent"], prop, starts_at, guest={"name": "Ali", "phone": "771234567"})
    _feed, token = calendar_feed_create(owner=agency.users["agent"])
    response = api.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    text = response.content.decode()
    assert prop.title in text
    assert parse_datetime(starts_at).strftime("%Y%m%dT%H%M%S") in text


def test_answers_in_french_and_english(agency, prop):
    starts_at = first_slot(agency, prop)
    visit_id = book(agency.api["client"], prop, starts_at).json()["id"]
    url = f"{BASE}/visits/{visit_id}/done/"
    agency.api["agent"].post(f"{BASE}/visits/{visit_id}/confirm/")
    english = agency.api["agent"].post(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"]["message"] == (
        "A visit can only be marked like this once it has started."
    )
    french = agency.api["agent"].post(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert french.json()["error"]["code"] == "visit_not_started"
    assert french.json()["error"]["message"]


def test_gdpr_export_lists_the_visitors_visits(agency, prop):
    from teranga.products.realestate.personal_data import visits_user_export

    starts_at = first_slot(agency, prop)
    book(agency.api["client"], prop, starts_at, message="Bonjour")
    exported = visits_user_export(user=agency.users["client"])
    assert [v["message"] for v in exported["visits"]] == ["Bonjour"]
    assert "notes" not in exported["visits"][0]


def test_demo_books_a_few_guest_visits_once(agency, prop):
    from teranga.products.realestate.demo import _visits

    _visits(agency.org)
    visits = list(Visit.objects.filter(organization=agency.org))
    assert visits and all(v.status == VisitStatus.CONFIRMED and v.guest_name for v in visits)
    _visits(agency.org)
    assert Visit.objects.filter(organization=agency.org).count() == len(visits)
