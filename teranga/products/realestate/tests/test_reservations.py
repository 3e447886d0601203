"""Reservations over HTTP: a client reserves with a deposit paid through the sandbox
provider (its hosted page and signed webhook, as in production) → confirmed, the property
reserved and its history recorded; two clients at once → exactly one wins (real threads);
an unpaid reservation expires and frees the property; the agency's cancellation refunds
the deposit; a late payment is refunded; isolation, permissions and the notices."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client as BrowserClient
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import create_user
from teranga.core.holds import holds_expire
from teranga.platform.notifications.models import Notification
from teranga.platform.payments.models import Payment, Refund
from teranga.products.realestate.models import (
    Client,
    Property,
    PropertyChange,
    PropertyStatus,
    Reservation,
)
from teranga.products.realestate.tests.factories import (
    AgencyFactory,
    PropertyFactory,
    agency_with_team,
)
from tests.writes import unchanged

pytestmark = pytest.mark.django_db

BASE = "/api/v1/realestate"


@pytest.fixture
def prop(agency):
    return PropertyFactory(organization=agency.org, agent=agency.users["agent"], price=60_000_000)


def reserve(client, prop):
    return client.post(f"{BASE}/properties/{prop.pk}/reservations/", format="json")


def pay(client, reservation_id):
    return client.post(
        "/api/v1/payments/",
        {
            "target_type": "realestate.reservation",
            "target_id": str(reservation_id),
            "provider": "sandbox",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"re-{uuid.uuid4().hex}",
    )


def press(payment_id, outcome: str = "succeeded"):
    """The payer's choice on the sandbox's hosted page (which sends the signed webhook)."""
    browser = BrowserClient()
    page = browser.get(f"/pay/sandbox/{payment_id}/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    return browser.post(
        f"/pay/sandbox/{payment_id}/", {"outcome": outcome, "csrfmiddlewaretoken": token.decode()}
    )


def reserve_and_pay(agency, prop, capture) -> tuple[str, str]:
    with capture(execute=True):
        response = reserve(agency.api["client"], prop)
        assert response.status_code == 201, response.content
        reservation_id = response.json()["id"]
        payment = pay(agency.api["client"], reservation_id)
        assert payment.status_code == 201, payment.content
    with capture(execute=True):
        press(payment.json()["id"])
    return reservation_id, payment.json()["id"]


def status_of(prop) -> str:
    return Property.objects.get(pk=prop.pk).status


def test_reserve_and_pay_the_deposit_with_the_sandbox(
    agency, prop, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        response = reserve(agency.api["client"], prop)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending_payment"
    assert body["deposit_amount"] == 6_000_000  # 10 % of the price by default
    assert body["currency"] == "XOF" and body["price"] == 60_000_000
    assert body["payment_target_type"] == "realestate.reservation"
    assert body["link"].endswith(f"/o/realestate.reservation/{body['id']}/")
    hold = timezone.datetime.fromisoformat(body["hold_expires_at"])
    assert timedelta(hours=47) < hold - timezone.now() <= timedelta(hours=48)
    # The property is held at once, and its history says who and when.
    assert status_of(prop) == PropertyStatus.RESERVED
    change = PropertyChange.objects.filter(property=prop, field="status").first()
    assert (change.old_value, change.new_value) == ("available", "reserved")
    assert change.actor == agency.users["client"]
    history = agency.api["agent"].get(f"{BASE}/properties/{prop.pk}/history/").json()
    assert any(row["new_value"] == "reserved" for row in history["results"])
    # The agency's CRM knows the client from their account.
    client_record = Client.objects.get(organization=agency.org, user=agency.users["client"])
    assert body["client"] == {"id": str(client_record.pk), "name": "Awa Diop"}

    with capture(execute=True):
        payment = pay(agency.api["client"], body["id"])
    assert payment.status_code == 201, payment.content
    assert payment.json()["total"]["amount"] == 6_000_000
    with capture(execute=True):
        press(payment.json()["id"])
    assert Payment.objects.get(pk=payment.json()["id"]).status == "succeeded"
    detail = agency.api["client"].get(f"{BASE}/reservations/{body['id']}/").json()
    assert detail["status"] == "confirmed" and detail["confirmed_at"]
    assert detail["hold_expires_at"] is None
    assert status_of(prop) == PropertyStatus.RESERVED
    # The client and the agent are told, once each.
    told = Notification.objects.filter(kind="realestate.reservation_confirmed")
    assert {n.recipient_id for n in told} == {
        agency.users["client"].pk,
        agency.users["agent"].pk,
    }
    # A second payment of a confirmed reservation is refused.
    again = pay(agency.api["client"], body["id"])
    assert again.status_code == 409, again.content


def test_fulfilment_is_idempotent(agency, prop, django_capture_on_commit_callbacks):
    from teranga.products.realestate.services.reservations import reservation_fulfil

    reservation_id, payment_id = reserve_and_pay(agency, prop, django_capture_on_commit_callbacks)
    confirmed_at = Reservation.objects.get(pk=reservation_id).confirmed_at
    payment = Payment.objects.get(pk=payment_id)
    reservation_fulfil(reservation_id=reservation_id, payment=payment)  # a retry
    reservation = Reservation.objects.get(pk=reservation_id)
    assert reservation.status == "confirmed" and reservation.confirmed_at == confirmed_at
    assert Notification.objects.filter(kind="realestate.reservation_confirmed").count() == 2


def test_a_reserved_property_cannot_be_reserved_again(agency, prop):
    assert reserve(agency.api["client"], prop).status_code == 201
    other = create_user("moussa@example.test")
    client = APIClient()
    client.force_authenticate(other)
    with unchanged(Reservation, PropertyChange):
        refused = client.post(f"{BASE}/properties/{prop.pk}/reservations/", format="json")
    # A reserved property is no longer public: 404 to a stranger; its agency sees 409.
    assert refused.status_code == 404
    staff_refused = reserve(agency.api["agent2"], prop)
    assert staff_refused.status_code == 409
    assert staff_refused.json()["error"]["code"] == "property_not_available"


def test_a_draft_property_is_not_found(agency):
    draft = PropertyFactory(organization=agency.org, status=PropertyStatus.DRAFT)
    response = reserve(agency.api["client"], draft)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "property_not_found"
    assert not Reservation.objects.exists()


def test_unpaid_reservation_expires_and_frees_the_property(
    agency, prop, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        reservation_id = reserve(agency.api["client"], prop).json()["id"]
        payment_id = pay(agency.api["client"], reservation_id).json()["id"]
    assert status_of(prop) == PropertyStatus.RESERVED
    # Not yet due: nothing happens.
    assert holds_expire(now=timezone.now() + timedelta(hours=47))["realestate.reservation"] == 0
    with capture(execute=True):
        counts = holds_expire(now=timezone.now() + timedelta(hours=49))
    assert counts["realestate.reservation"] == 1
    detail = agency.api["client"].get(f"{BASE}/reservations/{reservation_id}/").json()
    assert detail["status"] == "expired" and detail["closed_at"]
    assert status_of(prop) == PropertyStatus.AVAILABLE
    changes = list(
        PropertyChange.objects.filter(property=prop, field="status")
        .order_by("created_at")
        .values_list("new_value", flat=True)
    )
    assert changes[-2:] == ["reserved", "available"]
    assert Notification.objects.filter(
        kind="realestate.reservation_expired", recipient=agency.users["client"]
    ).exists()
    # Expiring again does nothing; another client may now reserve.
    assert holds_expire(now=timezone.now() + timedelta(hours=50))["realestate.reservation"] == 0
    assert reserve(agency.api["agent2"], prop).status_code == 201
    # The payer pays late on the provider's page: refused and refunded.
    with capture(execute=True):
        press(payment_id)
    late = Payment.objects.get(pk=payment_id)
    assert late.status in ("refunded", "expired", "cancelled"), late.status
    assert Reservation.objects.get(pk=reservation_id).status == "expired"


def test_the_agency_cancels_a_paid_reservation_and_the_deposit_is_refunded(
    agency, prop, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    reservation_id, payment_id = reserve_and_pay(agency, prop, capture)
    url = f"{BASE}/reservations/{reservation_id}/cancel/"
    # The client may not cancel once paid; another agent of the agency is refused (403).
    refused = agency.api["client"].post(url, {"reason": "Changement"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "reservation_invalid_transition"
    assert agency.api["agent2"].post(url, {}, format="json").status_code == 403
    assert agency.api["other_manager"].post(url, {}, format="json").status_code == 404
    too_long = agency.api["agent"].post(url, {"reason": "x" * 5000}, format="json")
    assert too_long.status_code == 400
    assert Reservation.objects.get(pk=reservation_id).status == "confirmed"

    with capture(execute=True):
        response = agency.api["agent"].post(url, {"reason": "Dossier incomplet"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancellation_reason"] == "Dossier incomplet"
    payment = Payment.objects.get(pk=payment_id)
    assert payment.status == "refunded"
    refund = Refund.objects.get(payment=payment)
    assert refund.status == "succeeded" and refund.amount == 6_000_000 and refund.automatic
    assert status_of(prop) == PropertyStatus.AVAILABLE
    assert Notification.objects.filter(
        kind="realestate.reservation_cancelled", recipient=agency.users["client"]
    ).exists()
    # Cancelling again: 409, nothing more refunded.
    again = agency.api["agent"].post(url, {}, format="json")
    assert again.status_code == 409
    assert Refund.objects.count() == 1


def test_the_client_gives_up_an_unpaid_reservation(agency, prop):
    reservation_id = reserve(agency.api["client"], prop).json()["id"]
    response = agency.api["client"].post(
        f"{BASE}/reservations/{reservation_id}/cancel/", {}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert status_of(prop) == PropertyStatus.AVAILABLE
    assert not Refund.objects.exists()


def test_lists_isolation_and_permissions(agency, prop):
    reservation_id = reserve(agency.api["client"], prop).json()["id"]
    mine = agency.api["client"].get(f"{BASE}/reservations/").json()
    assert [row["id"] for row in mine["results"]] == [reservation_id]
    listed = agency.api["agent2"].get(f"{BASE}/reservations/", {"organization": agency.org.pk})
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    # Below agent: 403; another agency: 404 (the list and the reservation).
    plain = agency.api["plain"].get(f"{BASE}/reservations/", {"organization": agency.org.pk})
    assert plain.status_code == 403
    outsider = agency.api["other_manager"]
    assert outsider.get(f"{BASE}/reservations/", {"organization": agency.org.pk}).status_code == 404
    response = outsider.get(f"{BASE}/reservations/{reservation_id}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "reservation_not_found"
    assert outsider.get(f"{BASE}/reservations/{reservation_id}/").status_code == 404
    assert agency.api["other_manager"].get(f"{BASE}/reservations/").json()["count"] == 0
    # Someone else's payment of it: 404.
    stranger = create_user("stranger@example.test")
    client = APIClient()
    client.force_authenticate(stranger)
    assert pay(client, reservation_id).status_code == 404
    # No token: 401.
    assert APIClient().post(f"{BASE}/properties/{prop.pk}/reservations/").status_code == 401


def test_convert_a_confirmed_reservation_into_a_deal(
    agency, prop, django_capture_on_commit_callbacks
):
    reservation_id, _payment = reserve_and_pay(agency, prop, django_capture_on_commit_callbacks)
    url = f"{BASE}/reservations/{reservation_id}/convert/"
    assert agency.api["agent2"].post(url, {}, format="json").status_code == 403
    response = agency.api["agent"].post(url, {"deal_price": 58_000_000}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    # 5 % of the deal price; the listing agent 20 %, the selling agent 30 % of it.
    assert body["total_amount"] == 2_900_000
    shares = {share["role"]: share for share in body["shares"]}
    assert shares["listing"]["amount"] == 580_000
    assert shares["selling"]["amount"] == 870_000
    assert body["agency_amount"] == 2_900_000 - 580_000 - 870_000
    assert status_of(prop) == PropertyStatus.SOLD
    assert Reservation.objects.get(pk=reservation_id).status == "converted"
    again = agency.api["agent"].post(url, {}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "reservation_invalid_transition"


def test_a_rental_deposit_is_the_propertys_deposit(agency):
    rental = PropertyFactory(
        organization=agency.org, transaction="rent", price=450_000, deposit=900_000
    )
    body = reserve(agency.api["client"], rental).json()
    assert body["deposit_amount"] == 900_000
    other = PropertyFactory(organization=agency.org, transaction="rent", price=300_000)
    assert reserve(agency.api["client"], other).json()["deposit_amount"] == 300_000


@pytest.mark.django_db(transaction=True)
def test_two_clients_reserving_at_once_exactly_one_wins():
    """Real threads, each with its own connection: one 201, every other 409."""
    organization, people = agency_with_team(name="Rush Immo", slug="rush-immo")
    prop = PropertyFactory(organization=organization, agent=people["agent"])
    assert AgencyFactory._meta.model.objects.filter(pk=organization.pk).exists()
    buyers = [create_user(f"rush{i}@example.test") for i in range(6)]
    barrier = threading.Barrier(len(buyers), timeout=60)
    statuses, errors = [], []

    def attempt(user) -> None:
        client = APIClient()
        client.force_authenticate(user)
        try:
            barrier.wait()
            response = client.post(f"{BASE}/properties/{prop.pk}/reservations/", format="json")
            statuses.append((response.status_code, response.json().get("error", {}).get("code")))
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(code for code, _error in statuses).count(201) == 1
    # The losers see a reserved property: 409 when they read it before, 404 after.
    assert all(code in (409, 404) for code, _error in statuses if code != 201), statuses
    assert Reservation.objects.filter(property=prop).count() == 1
    assert Property.objects.get(pk=prop.pk).status == PropertyStatus.RESERVED


def test_a_property_with_a_reservation_is_withdrawn_not_deleted(
    agency, prop, django_capture_on_commit_callbacks
):
    reservation_id, payment_id = reserve_and_pay(agency, prop, django_capture_on_commit_callbacks)
    url = f"{BASE}/properties/{prop.pk}/"
    with unchanged(Property, Reservation, Payment):
        response = agency.api["admin"].delete(url)
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "property_has_transactions"
    assert Reservation.objects.filter(pk=reservation_id).exists()
    assert Payment.objects.filter(pk=payment_id).exists()
