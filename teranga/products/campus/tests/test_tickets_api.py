"""Tickets over HTTP: mine only (others 404), their QR code (PNG decoded back, SVG), the
PDF, and transfers — only before the event, only when the organiser allows it, to a
registered user; the new code voids the old QR."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pypdf
import zxingcpp
from django.utils import timezone
from PIL import Image

from teranga.platform.notifications.models import Notification
from teranga.products.campus.models import (
    CheckinList,
    Ticket,
    TicketPresence,
    TicketTransfer,
)

from .factories import issued_ticket
from .ticket_support import assert_error, event_of, free_type, order, paid_type

TICKETS = "/api/v1/campus/tickets/"


def transfer(client, ticket, email):
    return client.post(f"{TICKETS}{ticket.pk}/transfer/", {"email": email}, format="json")


def test_my_tickets_and_nobody_elses(campus, django_assert_max_num_queries):
    event = event_of(campus)
    standard = paid_type(event)
    mine = [issued_ticket(standard, campus.student) for _ in range(2)]
    theirs = issued_ticket(standard, campus.student2)
    client = campus.clients["student"]
    listed = client.get(TICKETS)
    assert listed.status_code == 200
    assert {t["id"] for t in listed.json()["results"]} == {str(t.pk) for t in mine}
    one = client.get(f"{TICKETS}{mine[0].pk}/").json()
    assert one["code"] == mine[0].code and one["qr_content"] == f"TERANGA-CAMPUS:{mine[0].code}"
    assert one["page"].endswith(f"/campus/tickets/{mine[0].code}/")
    assert one["event"]["title"] == event.title and one["status"] == "valid"
    for path in ("", "qr.png", "qr.svg", "pdf"):
        assert_error(client.get(f"{TICKETS}{theirs.pk}/{path}"), 404, "ticket_not_found")
        assert_error(campus.clients["manager"].get(f"{TICKETS}{theirs.pk}/{path}"), 404)
    assert_error(client.get(f"{TICKETS}{uuid.uuid4()}/"), 404, "ticket_not_found")
    assert client.get(f"{TICKETS}?status=refunded").json()["count"] == 0
    assert_error(client.get(f"{TICKETS}?status=lost"), 400, "invalid")
    for _ in range(8):
        issued_ticket(standard, campus.student)
    with django_assert_max_num_queries(8):
        assert client.get(f"{TICKETS}?page_size=50").json()["count"] == 10


def test_the_qr_images_and_the_pdf(campus):
    event = event_of(campus, title="Nuit du code")
    ticket = issued_ticket(paid_type(event, name="Étudiant"), campus.student)
    client = campus.clients["student"]
    png = client.get(f"{TICKETS}{ticket.pk}/qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [f.text for f in found] == [f"TERANGA-CAMPUS:{ticket.code}"]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    svg = client.get(f"{TICKETS}{ticket.pk}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert svg.content.lstrip().startswith(b"<svg")
    pdf = client.get(f"{TICKETS}{ticket.pk}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Nuit du code" in text and ticket.code in text and "Étudiant" in text


def test_transfer_gives_a_new_code_and_tells_the_new_holder(
    campus, django_capture_on_commit_callbacks
):
    event = event_of(campus, transfers_allowed=True)
    ticket = issued_ticket(paid_type(event), campus.student)
    old_code = ticket.code
    response = transfer(campus.clients["student"], ticket, "STUDENT2@ucad.test")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["holder"] == campus.student2.email and "code" not in body
    ticket.refresh_from_db()
    assert ticket.holder_id == campus.student2.pk and ticket.code != old_code
    record = TicketTransfer.objects.get(ticket=ticket)
    assert (record.from_user_id, record.to_user_id, record.previous_code) == (
        campus.student.pk,
        campus.student2.pk,
        old_code,
    )
    assert (
        Notification.objects.filter(
            recipient=campus.student2, kind="campus.ticket_received"
        ).count()
        == 1
    )
    # No longer mine; now theirs, with the new code.
    assert_error(campus.clients["student"].get(f"{TICKETS}{ticket.pk}/"), 404, "ticket_not_found")
    assert campus.clients["student2"].get(f"{TICKETS}{ticket.pk}/").json()["code"] == ticket.code
    assert_error(
        transfer(campus.clients["student"], ticket, campus.outsider.email), 404, "ticket_not_found"
    )
    # Onwards again (the outsider can see the event through the ticket).
    assert transfer(campus.clients["student2"], ticket, campus.outsider.email).status_code == 200


def test_transfer_rules(campus):
    client = campus.clients["student"]
    forbidden = issued_ticket(paid_type(event_of(campus)), campus.student)
    assert_error(transfer(client, forbidden, campus.student2.email), 409, "transfers_not_allowed")
    event = event_of(campus, transfers_allowed=True)
    ticket = issued_ticket(paid_type(event), campus.student)
    assert_error(transfer(client, ticket, "nobody@nowhere.test"), 400, "recipient_not_found")
    assert_error(transfer(client, ticket, campus.student.email), 400, "invalid")
    assert_error(transfer(client, ticket, "not an email"), 400, "invalid")
    assert_error(client.post(f"{TICKETS}{ticket.pk}/transfer/", {}, format="json"), 400, "invalid")
    started = event_of(
        campus,
        transfers_allowed=True,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(hours=2),
    )
    late = issued_ticket(paid_type(started), campus.student)
    assert_error(transfer(client, late, campus.student2.email), 409, "event_started")
    door = CheckinList.objects.create(event=event, organization=campus.university, name="Entrée")
    used = issued_ticket(paid_type(event), campus.student)
    TicketPresence.objects.create(
        checkin_list=door, ticket=used, inside=True, first_entry_at=timezone.now()
    )
    assert_error(transfer(client, used, campus.student2.email), 409, "ticket_checked_in")
    Ticket.objects.filter(pk=ticket.pk).update(status="refunded")
    assert_error(transfer(client, ticket, campus.student2.email), 409, "ticket_not_valid")
    assert not TicketTransfer.objects.exists()
    assert Ticket.objects.filter(holder=campus.student).count() == 4


def test_tickets_issued_through_an_order_are_listed(campus, django_capture_on_commit_callbacks):
    event = event_of(campus)
    free = free_type(event)
    with django_capture_on_commit_callbacks(execute=True):
        order(campus.clients["student"], event, (free, 2))
    listed = campus.clients["student"].get(f"{TICKETS}?event={event.pk}").json()
    assert listed["count"] == 2
    assert {t["price"] for t in listed["results"]} == {0}


def test_the_issued_email_carries_the_qr_inline(campus, django_capture_on_commit_callbacks):
    from django.core import mail

    event = event_of(campus, title="Hackathon")
    free = free_type(event)
    with django_capture_on_commit_callbacks(execute=True):
        order(campus.clients["student"], event, (free, 1))
    ticket = Ticket.objects.get(holder=campus.student)
    sent = [m for m in mail.outbox if campus.student.email in m.to]
    assert len(sent) == 1, [m.subject for m in mail.outbox]
    html = {kind: body for body, kind in sent[0].alternatives}["text/html"]
    assert "Hackathon" in sent[0].subject
    assert "data:image/png;base64," in html and ticket.code in html
    assert f"/campus/tickets/{ticket.code}/" in html
