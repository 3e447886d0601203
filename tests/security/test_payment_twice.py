"""A Booking hold cannot be paid twice.

It used to be: two ``POST /api/v1/payments/`` with two different Idempotency-Keys both
started a checkout for the same reservation, the payer could pay both, and the second
charge was refunded afterwards (its fulfilment found the booking confirmed). Now a
payment for a target (``target_type``, ``target_id``) that already has one open
(created, pending) or succeeded is refused, 409 ``payment_in_progress`` /
``target_already_paid``, also when the requests race; a payment that ended unpaid
(failed, cancelled, expired) does not block a new attempt, and the same key with the
same body still returns the same payment.
"""

from __future__ import annotations

import re
import threading
import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import close_old_connections, connection
from django.test import Client

from conftest import authed_client, create_user
from teranga.platform.payments.models import Payment, Refund
from teranga.products.booking.models import Reservation
from teranga.products.booking.tests.factories import ServiceFactory, business_with_owner

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SLOT = "2026-03-03T10:00:00Z"
PAYMENTS = "/api/v1/payments/"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def salon():
    business, _owner = business_with_owner(name="Salon Awa", slug=f"salon-{uuid.uuid4().hex[:6]}")
    return ServiceFactory(organization=business, name="Coupe", price_amount=5000)


def held_reservation(client, service) -> str:
    response = client.post(
        "/api/v1/booking/reservations/",
        {"service": str(service.pk), "starts_at": SLOT, "hold": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def pay(client, reservation_id, *, key=None, provider="sandbox", **extra):
    return client.post(
        PAYMENTS,
        {
            "target_type": "booking.reservation",
            "target_id": reservation_id,
            "provider": provider,
            **extra,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or f"resa-{uuid.uuid4().hex}",
    )


def press(payment_id, outcome="succeeded"):
    """The payer's choice on the sandbox's hosted page (answered by a signed webhook)."""
    browser = Client()
    page = browser.get(f"/pay/sandbox/{payment_id}/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    return browser.post(
        f"/pay/sandbox/{payment_id}/", {"outcome": outcome, "csrfmiddlewaretoken": token.decode()}
    )


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]


def status_of(reservation_id) -> str:
    return Reservation.objects.select_related("booking").get(pk=reservation_id).booking.status


@pytest.mark.django_db
def test_a_second_key_cannot_start_a_second_payment_of_the_hold(
    clock, django_capture_on_commit_callbacks
):
    service = salon()
    alice = authed_client(create_user("alice@example.test"))
    reservation_id = held_reservation(alice, service)
    with django_capture_on_commit_callbacks(execute=True):
        first = pay(alice, reservation_id, key="first-key-0001")
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        second = pay(alice, reservation_id, key="second-key-0002")
    assert_error(second, 409, "payment_in_progress")
    # Nor can a bank transfer be declared for it meanwhile.
    with django_capture_on_commit_callbacks(execute=True):
        transfer = pay(alice, reservation_id, method="bank_transfer", transaction_number="VIR-1")
    assert_error(transfer, 409, "payment_in_progress")
    assert Payment.objects.filter(target_id=reservation_id).count() == 1

    # The same key and body is still the same payment (200), not a conflict.
    with django_capture_on_commit_callbacks(execute=True):
        again = pay(alice, reservation_id, key="first-key-0001")
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]

    # Paid: nothing more can be paid for it, and nothing is refunded.
    with django_capture_on_commit_callbacks(execute=True):
        press(first.json()["id"])
    assert status_of(reservation_id) == "confirmed"
    with django_capture_on_commit_callbacks(execute=True):
        late = pay(alice, reservation_id, key="third-key-0003")
    assert late.status_code == 409, late.content
    assert Payment.objects.filter(target_id=reservation_id).count() == 1
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_a_payment_that_ended_unpaid_does_not_block_a_new_attempt(
    clock, django_capture_on_commit_callbacks
):
    service = salon()
    alice = authed_client(create_user("alice@example.test"))
    reservation_id = held_reservation(alice, service)

    with django_capture_on_commit_callbacks(execute=True):
        failed = pay(alice, reservation_id).json()["id"]
        press(failed, "failed")
    assert Payment.objects.get(pk=failed).status == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = pay(alice, reservation_id)
    assert cancelled.status_code == 201, cancelled.content
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.post(f"{PAYMENTS}{cancelled.json()['id']}/cancel/", format="json")
    assert response.status_code == 200, response.content
    assert Payment.objects.get(pk=cancelled.json()["id"]).status == "cancelled"

    with django_capture_on_commit_callbacks(execute=True):
        third = pay(alice, reservation_id)
    assert third.status_code == 201, third.content
    with django_capture_on_commit_callbacks(execute=True):
        press(third.json()["id"])
    assert status_of(reservation_id) == "confirmed"
    assert Payment.objects.get(pk=third.json()["id"]).status == "succeeded"
    assert not Refund.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_racing_payments_of_one_hold_start_one_checkout(clock):
    """Real threads, each with its own database connection (the file-backed SQLite test
    database with IMMEDIATE transactions, or PostgreSQL), pay the same hold at once with
    different keys: exactly one payment is created, every other request is 409."""
    service = salon()
    alice = create_user("alice@example.test")
    reservation_id = held_reservation(authed_client(alice), service)
    workers = 6
    clients = [authed_client(alice) for _ in range(workers)]
    barrier = threading.Barrier(workers, timeout=30)
    answers: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait()
            response = pay(clients[index], reservation_id, key=f"race-key-{index:04d}")
            with lock:
                answers.append(response)
        except BaseException as exc:  # noqa: BLE001 — reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    close_old_connections()
    assert errors == []
    statuses = sorted(response.status_code for response in answers)
    assert statuses == [201] + [409] * (workers - 1), [r.content for r in answers]
    for response in answers:
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "payment_in_progress"
    assert Payment.objects.filter(target_id=reservation_id).count() == 1


@pytest.mark.django_db
def test_a_one_off_purchase_that_succeeded_is_not_paid_again(django_capture_on_commit_callbacks):
    """The platform's own rule, whatever the product's quote says: once a payment for a
    one-off target succeeded (``Quote.paid_once``, the default), 409
    ``target_already_paid``; what is bought again and again (a subscription's periods)
    only waits for the open payment to end."""
    from teranga.platform.organizations.tests.factories import OrganizationFactory
    from teranga.platform.payments.tests.payables import ITEMS, TARGET_TYPE

    organization = OrganizationFactory(verification_status="verified")
    buyer = authed_client(create_user("buyer@example.test"))

    def buy(item_id):
        with django_capture_on_commit_callbacks(execute=True):
            return buyer.post(
                PAYMENTS,
                {"target_type": TARGET_TYPE, "target_id": item_id, "provider": "sandbox"},
                format="json",
                HTTP_IDEMPOTENCY_KEY=f"buy-{uuid.uuid4().hex}",
            )

    once = ITEMS.add(organization, 3000, paid_once=True)
    first = buy(once)
    assert first.status_code == 201, first.content
    with django_capture_on_commit_callbacks(execute=True):
        press(first.json()["id"])
    assert Payment.objects.get(pk=first.json()["id"]).status == "succeeded"
    assert_error(buy(once), 409, "target_already_paid")

    again = ITEMS.add(organization, 3000)  # paid_once=False
    first = buy(again)
    assert first.status_code == 201, first.content
    assert_error(buy(again), 409, "payment_in_progress")
    with django_capture_on_commit_callbacks(execute=True):
        press(first.json()["id"])
    assert buy(again).status_code == 201
    assert Payment.objects.filter(target_id__in=[once, again]).count() == 3
