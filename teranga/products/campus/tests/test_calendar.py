"""The student's campus calendar: ``GET /api/v1/campus/me/calendar/`` (tickets and
favourites, cancelled events shown cancelled, drafts and others' tickets never), and the
same entries in the personal iCal feed of the platform's calendar, merged with the
bookings — with query counts that do not grow with the number of entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
import time_machine

from teranga.platform.scheduling import services as scheduling
from teranga.platform.scheduling.tests.factories import BusinessFactory, offering
from teranga.products.campus.models import (
    EventFavourite,
    EventStatus,
    Ticket,
    TicketStatus,
)

from .factories import issued_ticket
from .ticket_support import assert_error, event_of, paid_type

ME = "/api/v1/campus/me/calendar/"
FEEDS = "/api/v1/calendar/feeds/"
NOW = datetime(2026, 3, 1, 8, tzinfo=UTC)  # Sunday 1 March 2026
MONDAY_10 = datetime(2026, 3, 2, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(days: int, **fields):
    starts_at = NOW + timedelta(days=days)
    return {"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=2), **fields}


@pytest.fixture
def agenda(campus):
    """For ``student``: a ticketed event (day 2), a favourite (day 3), one both (day 4),
    a cancelled event whose ticket was cancelled with it (day 5), a favourited draft, a
    favourite far ahead (day 100); ``student2`` holds a ticket of another event (day 6)."""
    student, other = campus.student, campus.student2
    events = {
        "ticket": event_of(campus, title="Conférence IA", **at(2)),
        "favourite": event_of(campus, title="Hackathon", **at(3)),
        "both": event_of(campus, title="Gala", **at(4)),
        "cancelled": event_of(campus, title="Concert", **at(5)),
        "theirs": event_of(campus, title="Atelier privé", **at(6)),
        "draft": event_of(campus, title="Brouillon", status=EventStatus.DRAFT, **at(7)),
        "far": event_of(campus, title="Lointain", **at(100)),
    }
    for name in ("ticket", "both", "cancelled"):
        issued_ticket(paid_type(events[name]), student)
    issued_ticket(paid_type(events["theirs"]), other)
    for name in ("favourite", "both", "draft", "far"):
        EventFavourite.objects.create(event=events[name], user=student)
    events["cancelled"].status = EventStatus.CANCELLED
    events["cancelled"].cancelled_at = NOW
    events["cancelled"].save(update_fields=["status", "cancelled_at"])
    Ticket.objects.filter(event=events["cancelled"]).update(status=TicketStatus.CANCELLED)
    return events


def test_my_campus_calendar(campus, agenda):
    response = campus.clients["student"].get(ME)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [(r["title"], r["kind"], r["status"]) for r in results] == [
        ("Conférence IA", "ticket", "confirmed"),
        ("Hackathon", "favourite", "tentative"),
        ("Gala", "ticket", "confirmed"),
        ("Concert", "ticket", "cancelled"),
    ]
    first = results[0]
    assert first["event"] == str(agenda["ticket"].pk)
    assert first["starts_at"].startswith("2026-03-03T08:00:00")
    assert first["organizer"] == campus.university.name
    assert first["location"] == "Université Cheikh Anta Diop, Dakar"
    assert first["url"].endswith(f"/o/campus.event/{agenda['ticket'].pk}/")


def test_range_and_validation(campus, agenda):
    client = campus.clients["student"]
    far = client.get(ME, {"from": "2026-06-01T00:00:00Z", "to": "2026-06-30T00:00:00Z"})
    assert [r["title"] for r in far.json()["results"]] == ["Lointain"]
    assert_error(
        client.get(ME, {"from": "2026-03-05T00:00:00Z", "to": "2026-03-01T00:00:00Z"}), 400
    )
    assert_error(
        client.get(ME, {"from": "2026-01-01T00:00:00Z", "to": "2027-06-01T00:00:00Z"}), 400
    )
    assert_error(client.get(ME, {"from": "tomorrow"}), 400)


def test_others_see_only_their_own(campus, agenda):
    results = campus.clients["student2"].get(ME).json()["results"]
    assert [(r["title"], r["kind"]) for r in results] == [("Atelier privé", "ticket")]
    assert campus.clients["outsider"].get(ME).json()["results"] == []


def test_needs_login(campus, api):
    assert_error(api.get(ME), 401)


def test_query_count_does_not_grow(campus, agenda, django_assert_max_num_queries):
    client = campus.clients["student"]
    client.get(ME)  # warm the session
    with django_assert_max_num_queries(8) as few:
        client.get(ME)
    for day in range(10, 40):
        EventFavourite.objects.create(event=event_of(campus, **at(day)), user=campus.student)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(ME).json()["count"] == 34


# --- The personal iCal feed ----------------------------------------------------------------


def feed(client) -> str:
    response = client.post(FEEDS, {}, format="json")
    assert response.status_code == 201, response.content
    return urlsplit(response.json()["url"]).path


def vevents(client, path) -> dict[str, icalendar.Event]:
    response = client.get(path)
    assert response.status_code == 200, response.content
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}


@pytest.fixture
def booking(campus):
    service = offering(organization=BusinessFactory(name="Salon Awa"), name="Tresses")
    return scheduling.booking_create(
        resource=service.resource,
        client=campus.student,
        source="test.product",
        offering=service.offering_key,
        title=service.name,
        starts_at=MONDAY_10,
        policy=service.slot_policy(),
    )


def test_feed_holds_campus_entries_and_bookings(campus, agenda, booking):
    client = campus.clients["student"]
    found = vevents(client, feed(client))
    uid = {name: f"campus-event-{event.pk}@teranga" for name, event in agenda.items()}
    assert set(found) == {
        f"{booking.pk}@teranga",
        uid["ticket"],
        uid["favourite"],
        uid["both"],
        uid["cancelled"],
        uid["far"],  # the feed covers a year ahead
    }
    assert str(found[uid["ticket"]]["STATUS"]) == "CONFIRMED"
    assert str(found[uid["favourite"]]["STATUS"]) == "TENTATIVE"
    assert str(found[uid["cancelled"]]["STATUS"]) == "CANCELLED"
    assert str(found[uid["ticket"]]["SUMMARY"]) == "Conférence IA"
    assert str(found[uid["ticket"]]["URL"]).endswith(f"/o/campus.event/{agenda['ticket'].pk}/")
    assert found[uid["ticket"]].decoded("DTSTART") == agenda["ticket"].starts_at


def test_feed_never_shows_another_users_tickets(campus, agenda, booking):
    client = campus.clients["student2"]
    found = vevents(client, feed(client))
    assert set(found) == {f"campus-event-{agenda['theirs'].pk}@teranga"}


def test_revoked_feed_is_404(campus, agenda):
    client = campus.clients["student"]
    response = client.post(FEEDS, {}, format="json")
    path = urlsplit(response.json()["url"]).path
    assert client.delete(f"{FEEDS}{response.json()['id']}/").status_code == 204
    assert_error(client.get(path), 404, "feed_not_found")


def test_feed_query_count_does_not_grow(campus, agenda, booking, django_assert_max_num_queries):
    client = campus.clients["student"]
    path = feed(client)
    with django_assert_max_num_queries(12) as few:
        vevents(client, path)
    for day in range(10, 40):
        issued_ticket(paid_type(event_of(campus, **at(day))), campus.student)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(vevents(client, path)) == 6 + 30
