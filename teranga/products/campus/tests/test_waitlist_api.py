"""The waiting list over HTTP: joining only a sold-out type, once; my entries with my
position; leaving; the organiser's list; isolation and permissions."""

from __future__ import annotations

import pytest

from conftest import authed_client, create_user
from teranga.platform.organizations.models import Membership, Role
from teranga.products.campus.models import (
    EventVisibility,
    SharedQuota,
    WaitingListEntry,
    WaitingStatus,
)

from .factories import EventFactory, TicketTypeFactory, issued_ticket

pytestmark = pytest.mark.django_db


def sold_out_type(campus, *, quota=1, **event_fields):
    event = EventFactory(organization=campus.university, **event_fields)
    ticket_type = TicketTypeFactory(event=event, quota=quota)
    buyer = create_user(f"buyer-{event.pk.hex[:8]}@ucad.test")
    for _ in range(quota):
        issued_ticket(ticket_type, buyer)
    ticket_type.refresh_from_db()
    return ticket_type


def join(client, ticket_type, event=None):
    event_id = (event or ticket_type.event).pk
    return client.post(
        f"/api/v1/campus/events/{event_id}/waiting-list/",
        {"ticket_type": str(ticket_type.pk)},
        format="json",
    )


def test_join_a_sold_out_type_and_see_my_position(campus):
    ticket_type = sold_out_type(campus)
    first = join(campus.clients["student"], ticket_type)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "waiting"
    assert body["position"] == 1
    assert body["event"]["id"] == str(ticket_type.event_id)
    assert body["ticket_type"] == {"id": str(ticket_type.pk), "name": ticket_type.name}
    second = join(campus.clients["student2"], ticket_type)
    assert second.status_code == 201
    assert second.json()["position"] == 2

    mine = campus.clients["student2"].get("/api/v1/campus/me/waiting-list/")
    assert mine.status_code == 200
    assert [(e["id"], e["position"]) for e in mine.json()["results"]] == [(second.json()["id"], 2)]
    # When the first leaves, the second moves up.
    left = campus.clients["student"].delete(f"/api/v1/campus/waiting-list/{body['id']}/")
    assert left.status_code == 204
    mine = campus.clients["student2"].get("/api/v1/campus/me/waiting-list/").json()
    assert mine["results"][0]["position"] == 1
    entry = WaitingListEntry.objects.get(pk=body["id"])
    assert entry.status == WaitingStatus.LEFT and entry.closed_at is not None
    # Left entries are listed on request only.
    everything = campus.clients["student"].get(
        "/api/v1/campus/me/waiting-list/?status=left&status=waiting"
    )
    assert [e["status"] for e in everything.json()["results"]] == ["left"]


def test_join_refused_when_seats_are_left(campus):
    event = EventFactory(organization=campus.university)
    ticket_type = TicketTypeFactory(event=event, quota=5)
    response = join(campus.clients["student"], ticket_type)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_sold_out"
    assert not WaitingListEntry.objects.exists()


def test_sold_out_by_capacity_or_shared_quota(campus):
    # The type has seats, but the event is full.
    event = EventFactory(organization=campus.university, capacity=1)
    full = TicketTypeFactory(event=event, quota=1)
    other = TicketTypeFactory(event=event, quota=10)
    issued_ticket(full, create_user("b1@ucad.test"))
    assert join(campus.clients["student"], other).status_code == 201
    # A shared quota is full.
    event2 = EventFactory(organization=campus.university)
    a = TicketTypeFactory(event=event2, quota=10)
    b = TicketTypeFactory(event=event2, quota=10)
    shared = SharedQuota.objects.create(event=event2, name="Amphi", size=1, taken=1)
    shared.ticket_types.set([a, b])
    assert join(campus.clients["student"], b).status_code == 201


def test_join_twice_is_a_conflict(campus):
    ticket_type = sold_out_type(campus)
    assert join(campus.clients["student"], ticket_type).status_code == 201
    again = join(campus.clients["student"], ticket_type)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_waiting"
    assert WaitingListEntry.objects.count() == 1


def test_join_bad_input_changes_nothing(campus):
    ticket_type = sold_out_type(campus)
    client = campus.clients["student"]
    url = f"/api/v1/campus/events/{ticket_type.event_id}/waiting-list/"
    for body in ({}, {"ticket_type": "nope"}, {"ticket_type": str(ticket_type.pk), "x": 1}):
        response = client.post(url, body, format="json")
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "invalid"
    # A type of another event: 404.
    other = sold_out_type(campus)
    response = join(client, other, event=ticket_type.event)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ticket_type_not_found"
    assert not WaitingListEntry.objects.exists()


def test_join_an_event_i_may_not_see_is_404(campus):
    ticket_type = sold_out_type(campus, visibility=EventVisibility.UNIVERSITY)
    response = join(campus.clients["outsider"], ticket_type)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "event_not_found"
    assert join(campus.clients["student"], ticket_type).status_code == 201
    missing = campus.clients["student"].post(
        "/api/v1/campus/events/00000000-0000-4000-8000-000000000000/waiting-list/",
        {"ticket_type": str(ticket_type.pk)},
        format="json",
    )
    assert missing.status_code == 404


def test_join_needs_a_signed_in_user(campus):
    from rest_framework.test import APIClient

    ticket_type = sold_out_type(campus)
    assert join(APIClient(), ticket_type).status_code == 401


def test_join_a_cancelled_or_started_event_is_a_conflict(campus):
    from datetime import timedelta

    from django.utils import timezone

    ticket_type = sold_out_type(campus, status="cancelled")
    response = join(campus.clients["student"], ticket_type)
    assert response.status_code == 409 and response.json()["error"]["code"] == "event_cancelled"
    started = sold_out_type(campus, starts_at=timezone.now() - timedelta(minutes=5))
    response = join(campus.clients["student"], started)
    assert response.status_code == 409 and response.json()["error"]["code"] == "event_started"


def test_leave_someone_elses_entry_is_404_and_twice_is_409(campus):
    ticket_type = sold_out_type(campus)
    entry_id = join(campus.clients["student"], ticket_type).json()["id"]
    url = f"/api/v1/campus/waiting-list/{entry_id}/"
    response = campus.clients["student2"].delete(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "waiting_entry_not_found"
    assert WaitingListEntry.objects.get(pk=entry_id).status == WaitingStatus.WAITING
    assert campus.clients["student"].delete(url).status_code == 204
    again = campus.clients["student"].delete(url)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "waiting_entry_closed"
    assert campus.clients["student"].delete("/api/v1/campus/waiting-list/x/").status_code == 404


def test_staff_list_of_an_event(campus):
    ticket_type = sold_out_type(campus)
    join(campus.clients["student"], ticket_type)
    join(campus.clients["student2"], ticket_type)
    url = f"/api/v1/campus/events/{ticket_type.event_id}/waiting-list/"
    for name in ("manager", "agent"):
        response = campus.clients[name].get(url)
        assert response.status_code == 200, name
        rows = response.json()["results"]
        assert [r["user"]["email"] for r in rows] == ["student@ucad.test", "student2@ucad.test"]
        assert [r["position"] for r in rows] == [1, 2]
    # Another organisation's staff, a student: 404; a plain member: 403.
    assert campus.clients["other_manager"].get(url).status_code == 404
    assert campus.clients["student"].get(url).status_code == 404
    member = create_user("member@ucad.test")
    Membership.objects.create(organization=campus.university, user=member, role=Role.MEMBER)
    assert authed_client(member).get(url).status_code == 403
    filtered = campus.clients["manager"].get(url + "?status=offered")
    assert filtered.json()["count"] == 0
    assert campus.clients["manager"].get(url + "?status=bogus").status_code == 400


def test_lists_have_a_fixed_number_of_queries(campus, django_assert_max_num_queries):
    types = [sold_out_type(campus) for _ in range(2)]
    students = [create_user(f"s{i}@ucad.test") for i in range(12)]
    for ticket_type in types:
        for student in students:
            WaitingListEntry.objects.create(
                event=ticket_type.event, ticket_type=ticket_type, user=student
            )
    client = authed_client(students[5])
    manager = campus.clients["manager"]
    url = f"/api/v1/campus/events/{types[0].event_id}/waiting-list/"
    client.get("/api/v1/campus/me/waiting-list/")
    manager.get(url)
    with django_assert_max_num_queries(8):
        mine = client.get("/api/v1/campus/me/waiting-list/")
    assert [e["position"] for e in mine.json()["results"]] == [6, 6]
    with django_assert_max_num_queries(12):
        response = manager.get(url)
    assert response.json()["count"] == 12
    assert [r["position"] for r in response.json()["results"]] == list(range(1, 13))


def test_the_entry_link_opens_a_page_that_shows_it_to_its_user(campus):
    from django.test import Client

    ticket_type = sold_out_type(campus)
    entry_id = join(campus.clients["student"], ticket_type).json()["id"]
    url = f"/o/campus.waitlist_entry/{entry_id}/"
    mine = Client()
    mine.force_login(campus.student)
    page = mine.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert ticket_type.event.title in page.content.decode()
    assert "teranga://campus/waiting-list/" in page.content.decode()
    theirs = Client()
    theirs.force_login(campus.student2)
    assert ticket_type.event.title not in theirs.get(url).content.decode()
