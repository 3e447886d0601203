"""DIGIT-HAB's GDPR side over HTTP: the user's reservations and contracts are in their
export (``GET /api/v1/me/export/``); the erasure (``DELETE /api/v1/me/``) anonymises the
agencies' client records of the user, their visits (those to come are cancelled) and
their visits as a guest, while reservations, commissions and sent contracts — the
agencies' accounts — stay intact; another person's data is untouched."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from conftest import DEFAULT_PASSWORD
from teranga.platform.scheduling.models import Booking, BookingStatus
from teranga.products.realestate.models import (
    Client,
    ClientContact,
    Commission,
    Contract,
    Reservation,
    Visit,
    VisitStatus,
)
from teranga.products.realestate.tests.factories import PropertyFactory
from teranga.products.realestate.tests.test_visits_api import BASE, book, slots_of
from teranga.products.realestate.tests.test_visits_guest import guest_book, spaced

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/me/export/"
ME = "/api/v1/me/"
PHONE = "+221770001122"


def test_export_then_erase(agency, media_root):
    user = agency.users["client"]
    client = agency.api["client"]
    sold = PropertyFactory(organization=agency.org, agent=agency.users["agent"], price=60_000_000)
    visited = PropertyFactory(organization=agency.org, agent=agency.users["agent"])

    reservation = client.post(f"{BASE}/properties/{sold.pk}/reservations/")
    assert reservation.status_code == 201, reservation.content
    reservation_id = reservation.json()["id"]
    record = Client.objects.get(user=user, organization=agency.org)
    record.phone = PHONE
    record.notes = "Cherche un F4"
    record.save()
    ClientContact.objects.create(
        organization=agency.org, client=record, name="Son notaire", email="n@example.test"
    )
    contract = agency.api["agent"].post(
        f"{BASE}/organizations/{agency.org.pk}/contracts/",
        {"kind": "reservation_agreement", "property": str(sold.pk), "reservation": reservation_id},
        format="json",
    )
    assert contract.status_code == 201, contract.content
    commission = agency.api["manager"].post(
        f"{BASE}/organizations/{agency.org.pk}/commissions/",
        {"property": str(sold.pk), "deal_price": 60_000_000, "deal_date": "2026-03-10"},
        format="json",
    )
    assert commission.status_code == 201, commission.content

    starts = spaced(slots_of(APIClient(), visited))
    own = book(client, visited, starts[0], message="J'arrive à 10 h").json()["id"]
    as_guest = guest_book(visited, starts[1], name="Awa D.", phone=PHONE, email="awa@example.test")
    assert as_guest.status_code == 201, as_guest.content
    someone_else = guest_book(visited, starts[2], name="Moussa", phone="771112233").json()["id"]

    # The export holds the reservation and the contract, with their amounts.
    exported = client.get(EXPORT)
    assert exported.status_code == 200, exported.content
    products = json.loads(exported.content)["products"]
    transactions = products["realestate.transactions"]
    assert [(r["id"], r["price"]) for r in transactions["reservations"]] == [
        (reservation_id, 60_000_000)
    ]
    assert [c["client_name"] for c in transactions["contracts"]] == ["Awa Diop"]
    assert [v["message"] for v in products["realestate.visits"]["visits"]] == ["J'arrive à 10 h"]
    # Another person's export holds none of it.
    other = json.loads(agency.api["agent2"].get(EXPORT).content)["products"]
    assert other["realestate.transactions"] == {"reservations": [], "contracts": []}

    refused = client.delete(ME, {"password": "wrong"}, format="json")
    assert refused.status_code == 400
    assert Client.objects.get(pk=record.pk).name == "Awa Diop"

    erased = client.delete(ME, {"password": DEFAULT_PASSWORD}, format="json")
    assert erased.status_code == 204, erased.content

    record.refresh_from_db()
    assert (record.name, record.email, record.phone, record.notes) == ("—", "", None, "")
    assert record.phone_hash == "" and not record.consent_marketing
    assert not ClientContact.objects.filter(client=record).exists()
    # Their visit to come is cancelled (the agent is told) and keeps nothing they wrote.
    visit = Visit.objects.get(pk=own)
    assert visit.status == VisitStatus.CANCELLED and visit.message == ""
    assert Booking.objects.get(pk=own).status == BookingStatus.CANCELLED_BY_CLIENT
    # Their visit as a guest (their phone in the agency's record) too.
    guest_visit = Visit.objects.get(pk=as_guest.json()["id"])
    assert guest_visit.status == VisitStatus.CANCELLED
    assert (guest_visit.guest_name, guest_visit.guest_email, guest_visit.guest_phone_hash) == (
        "—",
        "",
        "",
    )
    assert not guest_visit.guest_phone
    # The agency's accounts stay: the reservation and its amounts, the commission.
    kept = Reservation.objects.get(pk=reservation_id)
    assert (kept.price, kept.deposit_amount, kept.user_id) == (60_000_000, 6_000_000, user.pk)
    assert Commission.objects.get(pk=commission.json()["id"]).total_amount == 3_000_000
    # A draft contract loses the name; nothing else of another person changed.
    assert Contract.objects.get(pk=contract.json()["id"]).client_name == "—"
    untouched = Visit.objects.get(pk=someone_else)
    assert untouched.guest_name == "Moussa" and untouched.status == VisitStatus.REQUESTED
    assert str(untouched.guest_phone) == "+221771112233"
