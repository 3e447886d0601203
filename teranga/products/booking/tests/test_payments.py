"""Paying for a reservation (a deposit) through the payments module: the hold is
confirmed by the payment's fulfilment, exactly once; a hold that ran out is refunded."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from django.test import Client

from teranga.platform.payments.models import Coupon, Payment, Refund
from teranga.platform.scheduling import services as scheduling

from .conftest import NOW
from .test_reservations_api import assert_error, at, book, status_of


def pay(client, reservation_id, **extra):
    return client.post(
        "/api/v1/payments/",
        {
            "target_type": "booking.reservation",
            "target_id": reservation_id,
            "provider": "sandbox",
            **extra,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"resa-{uuid.uuid4().hex}",
    )


def press(payment_id, outcome="succeeded"):
    browser = Client()
    page = browser.get(f"/pay/sandbox/{payment_id}/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    return browser.post(
        f"/pay/sandbox/{payment_id}/", {"outcome": outcome, "csrfmiddlewaretoken": token.decode()}
    )


def test_paying_the_hold_confirms_the_reservation(shop, django_capture_on_commit_callbacks):
    reservation_id = book(shop.api["alice"], shop.online, at(3, 10), hold=True).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = pay(shop.api["alice"], reservation_id)
    assert response.status_code == 201, response.content
    payment = response.json()
    assert payment["total"]["amount"] == 5000 and payment["currency"] == "XOF"
    assert payment["description"] == "Massage"
    with django_capture_on_commit_callbacks(execute=True):
        press(payment["id"])
    assert status_of(reservation_id) == "confirmed"
    assert Payment.objects.get(pk=payment["id"]).status == "succeeded"
    assert_error(pay(shop.api["alice"], reservation_id), 409, "not_awaiting_payment")


def test_only_the_client_pays_only_a_hold(shop):
    held = book(shop.api["alice"], shop.online, at(3, 10), hold=True).json()["id"]
    assert_error(pay(shop.api["bob"], held), 404, "reservation_not_found")
    assert_error(pay(shop.api["alice"], str(uuid.uuid4())), 404, "reservation_not_found")
    confirmed = book(shop.api["bob"], shop.service, at(3, 12)).json()["id"]
    assert_error(pay(shop.api["bob"], confirmed), 409, "not_awaiting_payment")
    assert not Payment.objects.exists()


def test_a_payment_confirmed_after_the_hold_ran_out_is_refunded(
    shop, clock, django_capture_on_commit_callbacks
):
    reservation_id = book(shop.api["alice"], shop.online, at(3, 10), hold=True).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        payment_id = pay(shop.api["alice"], reservation_id).json()["id"]
    clock.move_to(NOW + timedelta(minutes=4))
    with django_capture_on_commit_callbacks(execute=True):
        # The hold runs out while the client is still on the provider's page.
        scheduling.holds_expire(now=NOW + timedelta(minutes=6))
        press(payment_id)
    payment = Payment.objects.get(pk=payment_id)
    assert payment.status == "refunded"
    refund = Refund.objects.get(payment=payment)
    assert refund.automatic and refund.amount == 5000
    assert status_of(reservation_id) == "expired"


def test_a_coupon_for_the_service(shop, django_capture_on_commit_callbacks):
    Coupon.objects.create(
        organization=shop.business,
        code="KORITE",
        kind="percent",
        percent_off=20,
        scope_type="booking.service",
        scope_id=str(shop.online.pk),
    )
    reservation_id = book(shop.api["alice"], shop.online, at(3, 10), hold=True).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = pay(shop.api["alice"], reservation_id, coupon_codes=["korite"])
    assert response.status_code == 201, response.content
    assert response.json()["total"]["amount"] == 4000
    assert response.json()["discount"]["amount"] == 1000
