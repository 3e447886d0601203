"""Paid tickets and paid appointments through the payments module, end to end over HTTP
with the sandbox provider: the ticket is issued (the appointment booked) when the
payment succeeds; a fulfilment that can no longer be delivered is refunded; an unpaid
payment releases the order or the slot."""

# ruff: noqa: F811

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from django.test import Client

from teranga.platform.payments.models import Payment, Refund
from teranga.platform.scheduling.models import Booking
from teranga.products.smartqueue.models import Appointment, Ticket, TicketOrder

# The shared fixtures (pytest finds them by name in this module).
from .test_appointments_api import NOW, URL, appt, assert_error, at, book, clock  # noqa: F401


def pay(client, target_type, target_id):
    return client.post(
        "/api/v1/payments/",
        {"target_type": target_type, "target_id": target_id, "provider": "sandbox"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"sq-{uuid.uuid4().hex}",
    )


def press(payment_id, outcome="succeeded"):
    browser = Client()
    page = browser.get(f"/pay/sandbox/{payment_id}/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    return browser.post(
        f"/pay/sandbox/{payment_id}/", {"outcome": outcome, "csrfmiddlewaretoken": token.decode()}
    )


def take(client, queue):
    return client.post(f"/api/v1/smartqueue/queues/{queue.pk}/tickets/", {}, format="json")


def paid(bank, amount=1000):
    bank.service.price_amount = amount
    bank.service.save(update_fields=["price_amount"])
    return bank


# --- Paid tickets ----------------------------------------------------------------------------


def test_a_paid_ticket_is_issued_when_the_payment_succeeds(
    appt, django_capture_on_commit_callbacks
):
    paid(appt)
    response = take(appt.api["alice"], appt.normal)
    assert response.status_code == 202, response.content
    order = response.json()
    assert order["payable_type"] == "smartqueue.ticket_order"
    assert order["price_amount"] == 1000 and order["currency"] == "XOF"
    assert not Ticket.objects.exists()
    again = take(appt.api["alice"], appt.normal)  # resumes the same pending order
    assert again.status_code == 202 and again.json()["id"] == order["id"]
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(appt.api["alice"], "smartqueue.ticket_order", order["target_id"])
    assert payment.status_code == 201, payment.content
    assert payment.json()["total"]["amount"] == 1000
    assert payment.json()["description"] == "Opérations courantes"
    with django_capture_on_commit_callbacks(execute=True):
        press(payment.json()["id"])
    ticket = Ticket.objects.get()
    assert ticket.display_number == "A001" and ticket.user == appt.users["alice"]
    stored = TicketOrder.objects.get(pk=order["id"])
    assert stored.status == "fulfilled" and stored.ticket == ticket
    assert Payment.objects.get(pk=payment.json()["id"]).status == "succeeded"
    assert_error(
        pay(appt.api["alice"], "smartqueue.ticket_order", order["id"]), 409, "not_awaiting_payment"
    )


def test_only_the_client_pays_their_order(appt):
    paid(appt)
    order_id = take(appt.api["alice"], appt.normal).json()["id"]
    assert_error(pay(appt.api["bob"], "smartqueue.ticket_order", order_id), 404, "order_not_found")
    assert_error(
        pay(appt.api["alice"], "smartqueue.ticket_order", str(uuid.uuid4())), 404, "order_not_found"
    )
    appt.clock.move_to(NOW + timedelta(minutes=16))
    from conftest import authed_client

    alice = authed_client(appt.users["alice"])
    assert_error(pay(alice, "smartqueue.ticket_order", order_id), 410, "order_expired")
    assert not Payment.objects.exists()


def test_a_ticket_paid_after_the_queue_closed_is_refunded(appt, django_capture_on_commit_callbacks):
    paid(appt)
    order_id = take(appt.api["alice"], appt.normal).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        payment_id = pay(appt.api["alice"], "smartqueue.ticket_order", order_id).json()["id"]
    appt.normal.is_open = False  # closed while the client was paying
    appt.normal.save(update_fields=["is_open"])
    with django_capture_on_commit_callbacks(execute=True):
        press(payment_id)
    assert not Ticket.objects.exists()
    payment = Payment.objects.get(pk=payment_id)
    assert payment.status == "refunded"
    refund = Refund.objects.get(payment=payment)
    assert refund.automatic and refund.amount == 1000
    assert TicketOrder.objects.get(pk=order_id).status == "refused"


def test_a_failed_payment_releases_the_order(appt, django_capture_on_commit_callbacks):
    paid(appt)
    order_id = take(appt.api["alice"], appt.normal).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        payment_id = pay(appt.api["alice"], "smartqueue.ticket_order", order_id).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        press(payment_id, "failed")
    assert TicketOrder.objects.get(pk=order_id).status == "released"
    assert not Ticket.objects.exists()
    fresh = take(appt.api["alice"], appt.normal)
    assert fresh.status_code == 202 and fresh.json()["id"] != order_id


# --- Paid appointments -----------------------------------------------------------------------


def test_a_paid_appointment_is_booked_when_the_payment_succeeds(
    appt, django_capture_on_commit_callbacks
):
    paid(appt, 2000)
    response = book(appt.api["alice"], appt, at(10))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "pending_payment"
    assert data["payment"]["target_type"] == "smartqueue.appointment"
    assert data["payment"]["target_id"] == data["id"]
    assert data["payment"]["amount"] == 2000
    assert data["payment"]["expires_at"] == "2026-03-02T08:05:00Z"
    assert Booking.objects.get(pk=data["id"]).status == "pending"
    assert_error(
        pay(appt.api["bob"], "smartqueue.appointment", data["id"]), 404, "appointment_not_found"
    )
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(appt.api["alice"], "smartqueue.appointment", data["id"])
    assert payment.status_code == 201, payment.content
    with django_capture_on_commit_callbacks(execute=True):
        press(payment.json()["id"])
    assert Appointment.objects.get(pk=data["id"]).status == "booked"
    assert Booking.objects.get(pk=data["id"]).status == "confirmed"
    assert_error(
        pay(appt.api["alice"], "smartqueue.appointment", data["id"]), 409, "not_awaiting_payment"
    )


def test_an_appointment_paid_after_its_hold_ran_out_is_refunded(
    appt, django_capture_on_commit_callbacks
):
    paid(appt, 2000)
    appointment_id = book(appt.api["alice"], appt, at(10)).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        payment_id = pay(appt.api["alice"], "smartqueue.appointment", appointment_id).json()["id"]
    appt.clock.move_to(NOW + timedelta(minutes=4))
    from teranga.platform.scheduling import services as scheduling

    with django_capture_on_commit_callbacks(execute=True):
        scheduling.holds_expire(now=NOW + timedelta(minutes=6))
        press(payment_id)
    payment = Payment.objects.get(pk=payment_id)
    assert payment.status == "refunded"
    assert Refund.objects.get(payment=payment).automatic
    assert Appointment.objects.get(pk=appointment_id).status == "pending_payment"


def test_an_unpaid_appointment_gives_its_slot_back(appt, django_capture_on_commit_callbacks):
    paid(appt, 2000)
    appointment_id = book(appt.api["alice"], appt, at(10)).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        payment_id = pay(appt.api["alice"], "smartqueue.appointment", appointment_id).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        press(payment_id, "cancelled")
    assert Appointment.objects.get(pk=appointment_id).status == "expired"
    assert Booking.objects.get(pk=appointment_id).status == "cancelled_by_client"
    assert book(appt.api["bob"], appt, at(10)).status_code == 201


def test_the_organisation_cancelling_a_paid_appointment_refunds_it(
    appt, django_capture_on_commit_callbacks
):
    paid(appt, 2000)
    appointment_id = book(appt.api["alice"], appt, at(10)).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        payment_id = pay(appt.api["alice"], "smartqueue.appointment", appointment_id).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        press(payment_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = appt.api["agent1"].post(f"{URL}{appointment_id}/cancel/", {}, format="json")
    assert response.status_code == 200, response.content
    refund = Refund.objects.get(payment_id=payment_id)
    assert refund.automatic and refund.amount == 2000
    assert Payment.objects.get(pk=payment_id).status == "refunded"


# --- Ticket orders are held orders (teranga.core.holds) ---------------------------------------


def test_an_unpaid_order_past_its_hold_is_expired_by_the_job(appt):
    from teranga.core.tasks import holds_expire_periodic

    paid(appt)
    order_id = take(appt.api["alice"], appt.normal).json()["id"]
    order = TicketOrder.objects.get(pk=order_id)
    assert order.hold_expires_at == NOW + timedelta(minutes=15)
    appt.clock.move_to(NOW + timedelta(minutes=14))
    assert holds_expire_periodic.call_local()["smartqueue.ticket_order"] == 0  # still held
    appt.clock.move_to(NOW + timedelta(minutes=16))
    assert holds_expire_periodic.call_local()["smartqueue.ticket_order"] == 1
    assert TicketOrder.objects.get(pk=order_id).status == "expired"
    assert holds_expire_periodic.call_local()["smartqueue.ticket_order"] == 0  # once
    from conftest import authed_client

    alice = authed_client(appt.users["alice"])
    assert_error(pay(alice, "smartqueue.ticket_order", order_id), 410, "order_expired")
    assert not Payment.objects.exists()
    fresh = take(alice, appt.normal)  # a new order, a new hold
    assert fresh.status_code == 202 and fresh.json()["id"] != order_id
    assert fresh.json()["expires_at"] == "2026-03-02T08:31:00Z"


def test_a_payment_that_succeeds_after_the_orders_hold_is_refunded(
    appt, django_capture_on_commit_callbacks
):
    from teranga.core.holds import holds_expire

    paid(appt)
    order_id = take(appt.api["alice"], appt.normal).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(appt.api["alice"], "smartqueue.ticket_order", order_id)
    assert payment.status_code == 201, payment.content
    assert payment.json()["expires_at"] == "2026-03-02T08:15:00Z"  # the order's hold
    appt.clock.move_to(NOW + timedelta(minutes=14))
    with django_capture_on_commit_callbacks(execute=True):
        holds_expire(now=NOW + timedelta(minutes=16))  # the job ran: the order expired
        press(payment.json()["id"])  # the provider's late success
    assert not Ticket.objects.exists()
    stored = Payment.objects.get(pk=payment.json()["id"])
    assert stored.status == "refunded"
    refund = Refund.objects.get(payment=stored)
    assert refund.automatic and refund.amount == 1000
    assert TicketOrder.objects.get(pk=order_id).status == "expired"


def test_a_payment_that_succeeds_after_the_hold_but_before_the_job_is_refunded(
    appt, django_capture_on_commit_callbacks
):
    paid(appt)
    order_id = take(appt.api["alice"], appt.normal).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        payment_id = pay(appt.api["alice"], "smartqueue.ticket_order", order_id).json()["id"]
    appt.clock.move_to(NOW + timedelta(minutes=14))
    browser = Client()
    page = browser.get(f"/pay/sandbox/{payment_id}/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    appt.clock.move_to(NOW + timedelta(minutes=15, seconds=30))  # the hold ran out
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(
            f"/pay/sandbox/{payment_id}/",
            {"outcome": "succeeded", "csrfmiddlewaretoken": token.decode()},
        )
    assert not Ticket.objects.exists()
    assert Payment.objects.get(pk=payment_id).status == "refunded"
    assert TicketOrder.objects.get(pk=order_id).status == "refused"  # refunded before the job
