"""Appointment check-in: the window, once, by the client or an agent for a walk-up; the
ticket is of class appointment, ordered by the appointment's time, and a counter calls
it ahead of walk-ins."""

# ruff: noqa: F811

from __future__ import annotations

import uuid

from rest_framework.test import APIClient

from teranga.products.smartqueue.models import Appointment, Ticket

# The shared fixtures (pytest finds them by name in this module).
from .test_appointments_api import URL, appt, assert_error, at, book, clock, move_to  # noqa: F401


def check_in(client, appointment_id):
    return client.post(f"{URL}{appointment_id}/check-in/", format="json")


def test_check_in_window_and_once(appt):
    appointment_id = book(appt.api["alice"], appt, at(9)).json()["id"]
    assert_error(check_in(appt.api["alice"], appointment_id), 409, "checkin_not_open")
    people = move_to(appt, at(8, 35))
    response = check_in(people.alice, appointment_id)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "checked_in"
    assert data["ticket"]["number"] == "R001" and data["ticket"]["status"] == "waiting"
    assert data["position"] == 1 and data["estimated_wait_seconds"] == 0
    ticket = Ticket.objects.get(pk=data["ticket"]["id"])
    assert ticket.ticket_class == "appointment" and ticket.channel == "mobile"
    assert ticket.sort_at == at(9) and ticket.user == appt.users["alice"]
    assert Appointment.objects.get(pk=appointment_id).ticket_id == ticket.pk
    assert_error(check_in(people.alice, appointment_id), 409, "already_checked_in")
    assert Ticket.objects.count() == 1
    detail = people.alice.get(f"{URL}{appointment_id}/").json()
    assert detail["ticket"]["number"] == "R001" and detail["position"] == 1


def test_check_in_closes_after_the_start(appt):
    appointment_id = book(appt.api["alice"], appt, at(9)).json()["id"]
    people = move_to(appt, at(9, 16))
    assert_error(check_in(people.alice, appointment_id), 409, "checkin_closed")
    assert not Ticket.objects.exists()
    assert Appointment.objects.get(pk=appointment_id).status == "booked"


def test_an_agent_checks_a_walk_up_in_others_may_not(appt):
    appointment_id = book(appt.api["bob"], appt, at(9)).json()["id"]
    people = move_to(appt, at(8, 50))
    assert_error(check_in(people.plain, appointment_id), 403, "permission_denied")
    assert_error(check_in(people.alice, appointment_id), 404, "appointment_not_found")
    assert_error(check_in(people.other_owner, appointment_id), 404, "appointment_not_found")
    assert_error(check_in(people.agent1, uuid.uuid4()), 404, "appointment_not_found")
    assert check_in(APIClient(), appointment_id).status_code == 401
    assert not Ticket.objects.exists()
    response = check_in(people.agent1, appointment_id)
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get()
    assert ticket.channel == "agent" and ticket.user == appt.users["bob"]


def test_a_cancelled_appointment_cannot_check_in(appt):
    appointment_id = book(appt.api["alice"], appt, at(9)).json()["id"]
    appt.api["alice"].post(f"{URL}{appointment_id}/cancel/", {}, format="json")
    people = move_to(appt, at(8, 40))
    assert_error(check_in(people.alice, appointment_id), 409, "appointment_not_booked")


def test_checked_in_appointments_are_called_ahead_of_walk_ins(appt):
    early = book(appt.api["alice"], appt, at(9)).json()["id"]
    people = move_to(appt, at(8, 31))
    # A walk-in took a ticket before the appointment client arrived.
    walk_in = people.bob.post(
        f"/api/v1/smartqueue/queues/{appt.normal.pk}/tickets/", {}, format="json"
    )
    assert walk_in.status_code == 201, walk_in.content
    assert check_in(people.alice, early).status_code == 200
    # Counter 1 calls by strict priority across A, P and R: the appointment first.
    called = people.agent1.post(
        f"/api/v1/smartqueue/counters/{appt.counter1.pk}/call-next/", {}, format="json"
    )
    assert called.status_code == 200, called.content
    assert Ticket.objects.get(status="called").display_number == "R001"
    called = people.agent2.post(
        f"/api/v1/smartqueue/counters/{appt.counter2.pk}/call-next/", {}, format="json"
    )
    assert called.status_code == 200, called.content
    assert Ticket.objects.get(status="called", counter=appt.counter2).display_number == "A001"
