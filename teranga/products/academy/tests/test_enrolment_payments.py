"""Enrolment paid through the payments module: the sandbox provider makes the enrolment
active and the invoicing module issues a ``CT-YYYYMMDD-XXXX`` invoice with Factur-X,
the SIRET and the TVA number; a manual payment needs its transaction number and a
manager's validation; the member sees their payment history."""

from __future__ import annotations

import io
import re
import uuid

import facturx
import pypdf
from django.test import Client
from django.utils import timezone

from teranga.platform.invoicing.models import Invoice
from teranga.platform.payments.models import Payment
from teranga.products.academy.models import Enrolment

from .conftest import assert_error

BASE = "/api/v1/academy"
CT_NUMBER = re.compile(r"^CT-\d{8}-\d{4}$")


def enrol(client, formation):
    return client.post(f"{BASE}/formations/{formation.pk}/enrolments/")


def pay(client, enrolment_id, **extra):
    return client.post(
        "/api/v1/payments/",
        {"target_type": "academy.enrolment", "target_id": enrolment_id, **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"academy-{uuid.uuid4().hex}",
    )


def press(payment_id, outcome="succeeded"):
    browser = Client()
    page = browser.get(f"/pay/sandbox/{payment_id}/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    return browser.post(
        f"/pay/sandbox/{payment_id}/", {"outcome": outcome, "csrfmiddlewaretoken": token.decode()}
    )


def test_a_member_pays_with_the_sandbox_and_gets_a_ct_invoice_with_factur_x(
    academy, django_capture_on_commit_callbacks
):
    member = academy.clients["member"]
    response = enrol(member, academy.formation)
    assert response.status_code == 201, response.content
    enrolment = response.json()
    assert enrolment["status"] == "pending" and enrolment["amount"] == 49_900
    assert enrol(member, academy.formation).status_code == 200  # the same pending one
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(member, enrolment["id"], provider="sandbox")
    assert payment.status_code == 201, payment.content
    assert payment.json()["currency"] == "EUR"
    with django_capture_on_commit_callbacks(execute=True):
        press(payment.json()["id"])
    assert Enrolment.objects.get(pk=enrolment["id"]).status == "active"
    assert_error(enrol(member, academy.formation), 409, "already_enrolled")

    history = member.get(f"{BASE}/me/payments/").json()
    assert history["count"] == 1
    row = history["results"][0]
    assert row["status"] == "succeeded" and row["formation_title"] == academy.formation.title
    assert CT_NUMBER.match(row["invoice_number"]), row
    invoice = Invoice.objects.get(pk=row["invoice"])
    assert invoice.number == row["invoice_number"]
    assert invoice.number.startswith(f"CT-{timezone.localdate():%Y}")
    assert invoice.total_ttc == 49_900 and invoice.currency == "EUR"

    pdf = member.get(f"/api/v1/invoices/{invoice.pk}/pdf/")
    assert pdf.status_code == 200, pdf.content
    content = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    text = " ".join(
        " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages).split()
    )
    assert invoice.number in text
    assert "SIRET" in text and "73282932000074" in text.replace(" ", "")
    assert "FR44732829320" in text.replace(" ", "")
    filename, xml = facturx.get_xml_from_pdf(content, check_xsd=False)
    assert filename == "factur-x.xml" and invoice.number.encode() in xml


def test_my_enrolments_show_the_completion_rate(academy):
    enrol(academy.clients["member"], academy.formation)
    mine = academy.clients["member"].get(f"{BASE}/me/enrolments/").json()
    assert mine["count"] == 1 and mine["results"][0]["completion_rate"] == 0.0
    assert academy.clients["member2"].get(f"{BASE}/me/enrolments/").json()["count"] == 0


def test_a_manual_payment_needs_its_transaction_number_and_a_managers_validation(
    academy, django_capture_on_commit_callbacks
):
    member = academy.clients["member"]
    enrolment_id = enrol(member, academy.formation).json()["id"]
    for number in (None, "", "   "):
        extra = {} if number is None else {"transaction_number": number}
        body = assert_error(pay(member, enrolment_id, method="bank_transfer", **extra), 400)
        assert "transaction_number" in body["error"]["fields"], body
    assert not Payment.objects.exists()
    assert Enrolment.objects.get(pk=enrolment_id).status == "pending"

    declared = pay(member, enrolment_id, method="bank_transfer", transaction_number="VIR-2026-0042")
    assert declared.status_code == 201, declared.content
    payment_id = declared.json()["id"]
    review = f"/api/v1/payments/{payment_id}/review/"
    assert_error(
        academy.clients["instructor"].post(review, {"decision": "approve"}, format="json"), 403
    )
    assert_error(
        academy.clients["other_manager"].post(review, {"decision": "approve"}, format="json"), 404
    )
    assert Enrolment.objects.get(pk=enrolment_id).status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        approved = academy.clients["manager"].post(review, {"decision": "approve"}, format="json")
    assert approved.status_code == 200, approved.content
    assert Enrolment.objects.get(pk=enrolment_id).status == "active"
    row = member.get(f"{BASE}/me/payments/").json()["results"][0]
    assert row["transaction_number"] == "VIR-2026-0042" and row["method"] == "bank_transfer"
    assert CT_NUMBER.match(row["invoice_number"])


def test_only_the_member_pays_their_own_pending_enrolment(academy):
    enrolment_id = enrol(academy.clients["member"], academy.formation).json()["id"]
    assert_error(
        pay(academy.clients["member2"], enrolment_id, provider="sandbox"),
        404,
        "enrolment_not_found",
    )
    assert_error(pay(academy.clients["member"], str(uuid.uuid4()), provider="sandbox"), 404)
    assert not Payment.objects.exists()


def test_enrolments_of_a_formation_for_its_staff(academy):
    enrol(academy.clients["member"], academy.formation)
    url = f"{BASE}/formations/{academy.formation.pk}/enrolments/"
    listed = academy.clients["instructor"].get(url)
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert listed.json()["results"][0]["member_name"] == "Moussa Diop"
    assert_error(academy.clients["member"].get(url), 404)
    assert_error(academy.clients["other_manager"].get(url), 404)
    missing = f"{BASE}/formations/{uuid.uuid4()}/enrolments/"
    assert_error(academy.clients["member"].post(missing), 404, "formation_not_found")
