"""Booking's GDPR side: the user's reservations are in their export
(``GET /api/v1/me/export/``, through ``Product.user_exporters``), and the erasure
(``DELETE /api/v1/me/``) blanks their notes while the reservations stay."""

from __future__ import annotations

import json

from conftest import DEFAULT_PASSWORD
from teranga.products.booking.models import Reservation
from teranga.products.booking.tests.test_reservations_api import at, book

EXPORT = "/api/v1/me/export/"
ME = "/api/v1/me/"


def test_reservations_are_exported_then_their_notes_erased(shop):
    alice = shop.api["alice"]
    made = book(alice, shop.service, at(3, 10), client_note="Cheveux longs, allergie")
    assert made.status_code == 201, made.content
    exported = alice.get(EXPORT)
    assert exported.status_code == 200, exported.content
    rows = json.loads(exported.content)["products"]["booking.reservations"]["reservations"]
    assert [(r["service"], r["business"], r["client_note"]) for r in rows] == [
        ("Coupe", "Salon Awa", "Cheveux longs, allergie")
    ]
    # Another client's export holds none of it.
    other = json.loads(shop.api["bob"].get(EXPORT).content)["products"]["booking.reservations"]
    assert other == {"reservations": []}

    refused = alice.delete(ME, {"password": "wrong"}, format="json")
    assert refused.status_code == 400
    assert Reservation.objects.get(pk=made.json()["id"]).client_note != ""

    erased = alice.delete(ME, {"password": DEFAULT_PASSWORD}, format="json")
    assert erased.status_code == 204, erased.content
    reservation = Reservation.objects.get(pk=made.json()["id"])
    assert reservation.client_note == ""  # the reservation stays, without the note
