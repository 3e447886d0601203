"""The phone-friendly ticket page ``/campus/tickets/<code>/``: light HTML with the QR
code inline, in the reader's language; unknown and voided codes are 404."""

from __future__ import annotations

from django.test import Client

from teranga.products.campus.models import Ticket

from .factories import issued_ticket
from .ticket_support import event_of, paid_type


def page(code, **query):
    return Client().get(f"/campus/tickets/{code}/", query)


def test_the_page_shows_the_ticket_and_its_qr(campus):
    event = event_of(campus, title="Gala de l'ESP", address="Amphi 1, UCAD")
    ticket = issued_ticket(paid_type(event, name="VIP", price=15000), campus.student)
    response = page(ticket.code, lang="en")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    assert "Gala de l&#x27;ESP" in html and "VIP" in html and "Amphi 1, UCAD" in html
    assert "<svg" in html and ticket.code in html
    assert "Show this QR code at the entrance." in html
    assert "<script" not in html
    assert len(response.content) < 40_000  # light: no framework, no external file


def test_languages(campus):
    ticket = issued_ticket(paid_type(event_of(campus)), campus.student)
    for language in ("fr", "en", "wo"):
        response = page(ticket.code, lang=language)
        assert response.status_code == 200
        assert f'<html lang="{language}"' in response.content.decode()
    french = Client().get(f"/campus/tickets/{ticket.code}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="fr"' in french.content.decode()


def test_unknown_void_and_refunded(campus):
    assert page("NOPE" * 5).status_code == 404
    assert page("x" * 40).status_code == 404
    event = event_of(campus, transfers_allowed=True)
    ticket = issued_ticket(paid_type(event), campus.student)
    old = ticket.code
    response = campus.clients["student"].post(
        f"/api/v1/campus/tickets/{ticket.pk}/transfer/",
        {"email": campus.student2.email},
        format="json",
    )
    assert response.status_code == 200
    assert page(old).status_code == 404
    ticket.refresh_from_db()
    assert page(ticket.code).status_code == 200
    Ticket.objects.filter(pk=ticket.pk).update(status="refunded")
    refunded = page(ticket.code, lang="en").content.decode()
    assert "no longer valid" in refunded and "<svg" not in refunded
