"""Appointments: free slots, booking, my appointments and the organisation's, detail,
cancel, and the periodic "missed" sweep — through the HTTP API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from rest_framework.test import APIClient

from conftest import authed_client
from teranga.core.links import object_link
from teranga.platform.organizations.models import VerificationStatus
from teranga.platform.scheduling.models import Booking, Resource
from teranga.platform.scheduling.tests.factories import weekly_rules
from teranga.products.smartqueue.models import Appointment, QueueKind, Strategy
from teranga.products.smartqueue.services.appointments import appointments_mark_missed
from teranga.products.smartqueue.tests.factories import QueueFactory, QueueServiceFactory

#: Monday 2 March 2026, 8:00 in Dakar (UTC all year).
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
URL = "/api/v1/smartqueue/appointments/"
SLOTS = URL + "available-slots/"


def at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def appt(clock, bank):
    """``bank`` with an appointment queue ``R`` for its service at the branch (15-minute
    appointments on a resource open Mon–Sat 9–18, 13–14 break; 30 minutes' notice;
    check-in from 30 minutes before to 15 after), served by counter 1."""
    service = bank.service
    service.appointment_minutes = 15
    service.appointment_min_notice_minutes = 30
    service.checkin_opens_minutes = 30
    service.checkin_closes_minutes = 15
    service.save()
    resource = Resource.objects.create(
        organization=bank.org, branch=bank.branch, name="Rendez-vous Plateau"
    )
    weekly_rules(resource)
    queue = QueueFactory(
        organization=bank.org,
        branch=bank.branch,
        service=service,
        name="Rendez-vous",
        prefix="R",
        kind=QueueKind.APPOINTMENT,
        strategy=Strategy.FIFO,
        is_open=False,
        appointment_resource=resource,
    )
    bank.counter1.queues.add(queue)
    bank.appointment_queue = queue
    bank.resource = resource
    bank.clock = clock
    return bank


def book(client, bank, starts_at, **extra):
    body = {
        "service": str(bank.service.pk),
        "branch": str(bank.branch.pk),
        "starts_at": starts_at.isoformat(),
        **extra,
    }
    return client.post(URL, body, format="json")


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code


def move_to(bank, moment: datetime) -> SimpleNamespace:
    """Move the clock and log everyone in again (access tokens live 5 minutes)."""
    bank.clock.move_to(moment)
    return SimpleNamespace(**{name: authed_client(user) for name, user in bank.users.items()})


# --- Slots -----------------------------------------------------------------------------------


def test_slots_are_public_per_branch_within_notice(appt):
    response = APIClient().get(SLOTS, {"service": str(appt.service.pk), "date": "2026-03-02"})
    assert response.status_code == 200, response.content
    slots = response.json()
    # 9–13 and 14–18 in 15-minute slots; 8:00 + 30 minutes' notice leaves 9:00 first.
    assert len(slots) == 32
    assert slots[0]["starts_at"] == "2026-03-02T09:00:00Z"
    assert slots[0]["ends_at"] == "2026-03-02T09:15:00Z"
    assert slots[0]["branch"] == {"id": str(appt.branch.pk), "name": "Agence Plateau"}
    assert slots[0]["queue"] == str(appt.appointment_queue.pk)
    assert slots[0]["remaining"] == 1
    assert not any(s["starts_at"].startswith("2026-03-02T13") for s in slots)
    sunday = APIClient().get(SLOTS, {"service": str(appt.service.pk), "date": "2026-03-08"})
    assert sunday.json() == []
    other_branch = APIClient().get(
        SLOTS,
        {
            "service": str(appt.service.pk),
            "date": "2026-03-02",
            "branch": str(appt.other_branch.pk),
        },
    )
    assert other_branch.json() == []


def test_slots_bad_input(appt):
    api = APIClient()
    assert_error(api.get(SLOTS, {"service": str(appt.service.pk)}), 400, "invalid")
    assert_error(api.get(SLOTS, {"service": "nope", "date": "2026-03-02"}), 400, "invalid")
    assert_error(
        api.get(SLOTS, {"service": str(appt.service.pk), "date": "2026-02-30"}), 400, "invalid"
    )
    assert_error(
        api.get(SLOTS, {"service": str(uuid.uuid4()), "date": "2026-03-02"}),
        404,
        "service_not_found",
    )
    inactive = QueueServiceFactory(organization=appt.org, is_active=False)
    assert_error(
        api.get(SLOTS, {"service": str(inactive.pk), "date": "2026-03-02"}),
        404,
        "service_not_found",
    )
    appt.org.verification_status = VerificationStatus.PENDING
    appt.org.save(update_fields=["verification_status"])
    assert_error(
        api.get(SLOTS, {"service": str(appt.service.pk), "date": "2026-03-02"}),
        404,
        "service_not_found",
    )


# --- Booking ---------------------------------------------------------------------------------


def test_booking_a_free_service_is_booked_and_takes_the_slot(appt):
    response = book(appt.api["alice"], appt, at(10), note="Ouverture de compte")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "booked"
    assert data["starts_at"] == "2026-03-02T10:00:00Z"
    assert data["ends_at"] == "2026-03-02T10:15:00Z"
    assert data["payment"] is None and data["ticket"] is None
    assert data["note"] == "Ouverture de compte"
    appointment = Appointment.objects.get(pk=data["id"])
    assert appointment.booking_id == appointment.pk
    assert appointment.booking.status == "confirmed"
    assert appointment.booking.source == "smartqueue"
    assert appointment.booking.offering == f"smartqueue.service:{appt.service.pk}"
    slots = APIClient().get(SLOTS, {"service": str(appt.service.pk), "date": "2026-03-02"})
    assert "2026-03-02T10:00:00Z" not in [s["starts_at"] for s in slots.json()]
    # The scheduling engine told the client, with a link to the appointment.
    from teranga.platform.notifications.models import Notification

    notice = Notification.objects.get(recipient=appt.users["alice"], kind="scheduling.created")
    assert notice.link == object_link("smartqueue.appointment", appointment.pk)


def test_booking_bad_input_changes_nothing(appt):
    alice = appt.api["alice"]
    assert_error(book(alice, appt, at(10), colour="blue"), 400, "invalid")
    naive = alice.post(
        URL,
        {
            "service": str(appt.service.pk),
            "branch": str(appt.branch.pk),
            "starts_at": "2026-03-02T10:00:00",
        },
        format="json",
    )
    assert_error(naive, 400, "invalid")
    assert_error(book(alice, appt, at(8, 15)), 400, "notice_too_short")
    assert_error(book(alice, appt, at(13, 15)), 400, "outside_availability")
    assert_error(book(alice, appt, at(10, 0, day=1)), 400, "booking_in_past")
    assert_error(
        book(alice, appt, at(10), branch=str(appt.other_branch.pk)),
        404,
        "appointment_queue_not_found",
    )
    assert_error(book(alice, appt, at(10), service=str(uuid.uuid4())), 404, "service_not_found")
    assert book(APIClient(), appt, at(10)).status_code == 401
    assert not Appointment.objects.exists() and not Booking.objects.exists()


def test_a_slot_is_never_booked_twice(appt):
    assert book(appt.api["alice"], appt, at(10)).status_code == 201
    assert_error(book(appt.api["bob"], appt, at(10)), 409, "slot_full")
    assert Appointment.objects.count() == 1


# --- Lists and detail ------------------------------------------------------------------------


def test_my_appointments_and_the_organisations(appt, django_assert_max_num_queries):
    for hour in (10, 11, 12):
        assert book(appt.api["alice"], appt, at(hour)).status_code == 201
    bob_id = book(appt.api["bob"], appt, at(15)).json()["id"]
    mine = appt.api["alice"].get(URL)
    assert mine.status_code == 200
    assert [a["starts_at"][11:16] for a in mine.json()["results"]] == ["10:00", "11:00", "12:00"]
    assert bob_id not in [a["id"] for a in mine.json()["results"]]
    assert appt.api["bob"].get(URL, {"status": "cancelled"}).json()["count"] == 0
    with django_assert_max_num_queries(12):
        org = appt.api["agent1"].get(URL, {"organization": str(appt.org.pk)})
    assert org.status_code == 200 and org.json()["count"] == 4
    assert org.json()["results"][0]["service"]["name"] == "Opérations courantes"
    upcoming = appt.api["manager"].get(URL, {"organization": str(appt.org.pk), "upcoming": "true"})
    assert upcoming.json()["count"] == 4
    assert appt.api["staff"].get(URL, {"organization": str(appt.org.pk)}).status_code == 200
    assert_error(
        appt.api["plain"].get(URL, {"organization": str(appt.org.pk)}), 403, "permission_denied"
    )
    assert_error(
        appt.api["other_owner"].get(URL, {"organization": str(appt.org.pk)}),
        404,
        "organization_not_found",
    )
    assert_error(appt.api["alice"].get(URL, {"branch": str(appt.branch.pk)}), 400, "invalid")
    assert_error(appt.api["alice"].get(URL, {"status": "lost"}), 400, "invalid")
    assert APIClient().get(URL).status_code == 401


def test_one_appointment_for_its_client_and_the_organisation(appt):
    appointment_id = book(appt.api["alice"], appt, at(10)).json()["id"]
    path = f"{URL}{appointment_id}/"
    assert appt.api["alice"].get(path).json()["id"] == appointment_id
    assert appt.api["agent1"].get(path).status_code == 200
    assert appt.api["staff"].get(path).status_code == 200
    assert_error(appt.api["plain"].get(path), 403, "permission_denied")
    assert_error(appt.api["bob"].get(path), 404, "appointment_not_found")
    assert_error(appt.api["other_owner"].get(path), 404, "appointment_not_found")
    assert_error(appt.api["alice"].get(f"{URL}{uuid.uuid4()}/"), 404, "appointment_not_found")
    assert APIClient().get(path).status_code == 401


# --- Cancel ----------------------------------------------------------------------------------


def test_the_client_cancels_and_the_slot_is_free_again(appt):
    appointment_id = book(appt.api["alice"], appt, at(10)).json()["id"]
    path = f"{URL}{appointment_id}/cancel/"
    assert_error(appt.api["bob"].post(path, {}, format="json"), 404, "appointment_not_found")
    assert_error(appt.api["alice"].post(path, {"why": "x"}, format="json"), 400, "invalid")
    response = appt.api["alice"].post(path, {"reason": "Empêchement"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert Booking.objects.get(pk=appointment_id).status == "cancelled_by_client"
    assert_error(appt.api["alice"].post(path, {}, format="json"), 409, "not_cancellable")
    assert book(appt.api["bob"], appt, at(10)).status_code == 201


def test_agents_cancel_members_below_may_not(appt):
    appointment_id = book(appt.api["alice"], appt, at(10)).json()["id"]
    path = f"{URL}{appointment_id}/cancel/"
    assert_error(appt.api["plain"].post(path, {}, format="json"), 403, "permission_denied")
    assert_error(
        appt.api["other_owner"].post(path, {}, format="json"), 404, "appointment_not_found"
    )
    assert APIClient().post(path, {}, format="json").status_code == 401
    assert Appointment.objects.get(pk=appointment_id).status == "booked"
    response = appt.api["agent1"].post(path, {"reason": "Agence fermée"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert Booking.objects.get(pk=appointment_id).status == "cancelled_by_business"


# --- Missed ----------------------------------------------------------------------------------


def test_appointments_nobody_checked_in_become_missed(appt):
    early = book(appt.api["alice"], appt, at(9)).json()["id"]
    later = book(appt.api["bob"], appt, at(10)).json()["id"]
    appt.clock.move_to(at(9, 15))
    assert appointments_mark_missed() == 0  # the window closes at 9:15, inclusive
    appt.clock.move_to(at(9, 16))
    assert appointments_mark_missed() == 1
    assert appointments_mark_missed() == 0  # idempotent
    assert Appointment.objects.get(pk=early).status == "missed"
    assert Booking.objects.get(pk=early).status == "no_show"
    assert Appointment.objects.get(pk=later).status == "booked"
    appt.clock.move_to(NOW + timedelta(hours=3))
    assert appointments_mark_missed() == 1
