"""A paid service is never confirmed without its payment (issue 15, defect 12).

It used to be: a client booked a paid service with ``POST /api/v1/booking/reservations/``
without asking for a hold, and the reservation was confirmed at once, with nothing paid.
Now a service states how it is paid (``payment_mode``): ``online_full`` and ``deposit``
reservations are held whatever the client sends, quoted the price or the deposit, and
confirmed only by the fulfilment of a succeeded payment (the sandbox provider's signed
webhook here); nobody confirms them by hand meanwhile, and an unpaid hold expires and
frees the slot. ``on_site`` reservations are confirmed at once, as before.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from conftest import authed_client, create_user
from teranga.platform.payments.models import Payment
from teranga.platform.scheduling import services as scheduling
from teranga.products.booking.models import Reservation
from teranga.products.booking.tests.factories import ServiceFactory, business_with_owner

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, 08:00 in Dakar
SERVICES = "/api/v1/booking/services/"
RESERVATIONS = "/api/v1/booking/reservations/"
PAYMENTS = "/api/v1/payments/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def salon(clock):
    """A verified salon whose owner publishes services through the API on one resource
    open Monday to Saturday, and two clients."""
    business, owner = business_with_owner(name="Salon Awa", slug="salon-awa")
    resource = ServiceFactory(organization=business, name="Fauteuil", price_amount=0).resource
    people = {"owner": owner, "alice": create_user("alice@example.test")}
    people["bob"] = create_user("bob@example.test")
    api = {name: authed_client(user) for name, user in people.items()}

    def publish(**fields) -> dict:
        response = api["owner"].post(
            SERVICES,
            {
                "organization": str(business.pk),
                "resource": str(resource.pk),
                "duration_minutes": 60,
                **fields,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        return response.json()

    return business, api, publish


def slot(day: int, hour: int) -> str:
    return datetime(2026, 3, day, hour, tzinfo=UTC).isoformat().replace("+00:00", "Z")


def book(client, service: dict, starts_at: str, **extra):
    return client.post(
        RESERVATIONS, {"service": service["id"], "starts_at": starts_at, **extra}, format="json"
    )


def pay(client, reservation_id: str):
    return client.post(
        PAYMENTS,
        {"target_type": "booking.reservation", "target_id": reservation_id, "provider": "sandbox"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"resa-{uuid.uuid4().hex}",
    )


def press(payment_id: str, outcome: str = "succeeded"):
    """The payer's choice on the sandbox's hosted page, answered by its signed webhook."""
    browser = Client()
    page = browser.get(f"/pay/sandbox/{payment_id}/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    return browser.post(
        f"/pay/sandbox/{payment_id}/", {"outcome": outcome, "csrfmiddlewaretoken": token.decode()}
    )


def status_of(reservation_id: str) -> str:
    return Reservation.objects.select_related("booking").get(pk=reservation_id).booking.status


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body


def test_an_online_service_booked_without_a_hold_waits_for_its_payment(
    salon, django_capture_on_commit_callbacks
):
    business, api, publish = salon
    massage = publish(name="Massage", price_amount=20000)  # priced: online_full by default
    assert massage["payment_mode"] == "online_full"
    assert massage["amount_due_online"]["amount"] == 20000
    assert massage["amount_due_on_site"]["amount"] == 0

    response = book(api["alice"], massage, slot(3, 10))  # no hold asked for
    assert response.status_code == 201, response.content
    reservation = response.json()
    assert reservation["status"] == "pending"
    assert reservation["hold_expires_at"] == "2026-03-02T08:05:00Z"
    assert reservation["payment_mode"] == "online_full"
    assert reservation["amount_due_online"]["amount"] == 20000
    # Nobody confirms it by hand: not the client, not the business.
    assert_error(
        api["alice"].post(f"{RESERVATIONS}{reservation['id']}/confirm/"), 409, "payment_required"
    )
    assert_error(
        api["owner"].post(f"{RESERVATIONS}{reservation['id']}/confirm/"), 409, "payment_required"
    )
    # Asking for no hold explicitly changes nothing either.
    explicit = book(api["bob"], massage, slot(3, 14), hold=False).json()
    assert explicit["status"] == "pending" and explicit["hold_expires_at"]
    assert status_of(reservation["id"]) == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(api["alice"], reservation["id"])
    assert payment.status_code == 201, payment.content
    assert payment.json()["total"]["amount"] == 20000
    assert status_of(reservation["id"]) == "pending"  # started, not paid
    with django_capture_on_commit_callbacks(execute=True):
        press(payment.json()["id"])
    assert Payment.objects.get(pk=payment.json()["id"]).status == "succeeded"
    assert status_of(reservation["id"]) == "confirmed"


def test_a_failed_payment_confirms_nothing_and_the_unpaid_hold_frees_the_slot(
    salon, clock, django_capture_on_commit_callbacks
):
    business, api, publish = salon
    massage = publish(name="Massage", price_amount=20000, payment_mode="online_full")
    reservation_id = book(api["alice"], massage, slot(3, 10)).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        press(pay(api["alice"], reservation_id).json()["id"], "failed")
    assert status_of(reservation_id) == "pending"
    assert_error(book(api["bob"], massage, slot(3, 10)), 409, "slot_full")

    clock.move_to(NOW + timedelta(minutes=6))
    scheduling.holds_expire()
    assert status_of(reservation_id) == "expired"
    carol = authed_client(create_user("carol@example.test"))  # tokens live 5 minutes
    retaken = book(carol, massage, slot(3, 10))
    assert retaken.status_code == 201, retaken.content


def test_a_deposit_service_quotes_the_deposit(salon, django_capture_on_commit_callbacks):
    business, api, publish = salon
    braids = publish(name="Tresses", price_amount=15000, payment_mode="deposit", deposit_percent=30)
    assert (braids["deposit_percent"], braids["deposit_amount"]) == (30, None)
    assert braids["amount_due_online"]["amount"] == 4500
    assert braids["amount_due_on_site"]["amount"] == 10500

    reservation = book(api["alice"], braids, slot(3, 10)).json()
    assert reservation["status"] == "pending" and reservation["hold_expires_at"]
    assert reservation["payment_mode"] == "deposit"
    assert reservation["amount_due_online"]["amount"] == 4500
    assert reservation["amount_due_on_site"]["amount"] == 10500
    assert reservation["price"]["amount"] == 15000
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(api["alice"], reservation["id"])
    assert payment.status_code == 201, payment.content
    assert payment.json()["total"]["amount"] == 4500
    with django_capture_on_commit_callbacks(execute=True):
        press(payment.json()["id"])
    assert status_of(reservation["id"]) == "confirmed"


def test_an_on_site_service_is_confirmed_at_once(salon, django_capture_on_commit_callbacks):
    business, api, publish = salon
    cut = publish(name="Coupe", price_amount=5000, payment_mode="on_site")
    assert cut["amount_due_online"]["amount"] == 0
    assert cut["amount_due_on_site"]["amount"] == 5000
    reservation = book(api["alice"], cut, slot(3, 10)).json()
    assert reservation["status"] == "confirmed"
    assert reservation["payment_mode"] == "on_site"
    assert reservation["amount_due_online"]["amount"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert_error(pay(api["alice"], reservation["id"]), 409, "not_awaiting_payment")
    assert not Payment.objects.exists()


def test_a_paid_service_requiring_confirmation_then_waits_for_the_business(
    salon, django_capture_on_commit_callbacks
):
    business, api, publish = salon
    massage = publish(name="Massage", price_amount=20000, requires_confirmation=True)
    reservation_id = book(api["alice"], massage, slot(3, 10)).json()["id"]
    assert_error(
        api["owner"].post(f"{RESERVATIONS}{reservation_id}/confirm/"), 409, "payment_required"
    )
    with django_capture_on_commit_callbacks(execute=True):
        press(pay(api["alice"], reservation_id).json()["id"])
    detail = api["alice"].get(f"{RESERVATIONS}{reservation_id}/").json()
    assert (detail["status"], detail["hold_expires_at"]) == ("pending", None)
    # The business hears of the paid booking it now has to accept (a hold never was).
    owner_inbox = api["owner"].get("/api/v1/notifications/").json()["results"]
    assert [n["kind"] for n in owner_inbox if n["kind"].endswith(".created")], owner_inbox
    scheduling.holds_expire(now=NOW + timedelta(hours=1))  # no longer a hold: it stays
    assert status_of(reservation_id) == "pending"
    response = api["owner"].post(f"{RESERVATIONS}{reservation_id}/confirm/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"


def test_payment_terms_are_checked_against_the_price(salon):
    business, api, publish = salon
    owner = api["owner"]
    base = {"organization": str(business.pk), "duration_minutes": 60, "name": "Soin"}
    cases = [
        ({"price_amount": 0, "payment_mode": "online_full"}, "payment_mode_requires_price"),
        ({"price_amount": 5000, "payment_mode": "deposit"}, "invalid_deposit"),
        (
            {"price_amount": 5000, "payment_mode": "deposit", "deposit_amount": 5000},
            "invalid_deposit",
        ),
        (
            {"price_amount": 5000, "payment_mode": "deposit", "deposit_amount": 50},
            "invalid_deposit",
        ),
        (
            {"price_amount": 5000, "payment_mode": "on_site", "deposit_amount": 1000},
            "invalid_deposit",
        ),
        ({"price_amount": 5000, "payment_mode": "deposit", "deposit_percent": 100}, "invalid"),
    ]
    for fields, code in cases:
        assert_error(owner.post(SERVICES, base | fields, format="json"), 400, code)
    free = publish(name="Gratuit", price_amount=0)
    assert free["payment_mode"] == "on_site"
    priced = publish(name="Acompte", price_amount=5000, payment_mode="deposit", deposit_amount=1000)
    assert priced["amount_due_online"]["amount"] == 1000
    # Made free: paid on site, the deposit dropped.
    response = owner.patch(f"{SERVICES}{priced['id']}/", {"price_amount": 0}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["payment_mode"], response.json()["deposit_amount"]) == ("on_site", None)
