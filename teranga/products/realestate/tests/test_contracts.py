"""Contracts over HTTP: written from a reservation or a CRM client as a real PDF (the
parties, the property, the amounts, the agency's name; each kind its own template and the
language asked), draft → sent (the client told with the contract's link) → signed (the
scan uploaded: a PDF kept, an image re-encoded, anything else refused), illegal
transitions 409, private files, isolation and permissions."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader
from rest_framework.test import APIClient

from teranga.platform.notifications.models import Notification
from teranga.products.realestate.models import Client, Contract
from teranga.products.realestate.tests.conftest import pdf_upload, png_upload
from teranga.products.realestate.tests.factories import PropertyFactory
from tests.writes import unchanged

pytestmark = pytest.mark.django_db

BASE = "/api/v1/realestate"


@pytest.fixture
def prop(agency, media_root):
    return PropertyFactory(
        organization=agency.org,
        agent=agency.users["agent"],
        title="Villa Almadies",
        price=120_000_000,
    )


@pytest.fixture
def crm_client(agency):
    return Client.objects.create(
        organization=agency.org, name="Fatou Ndiaye", email="fatou@example.test"
    )


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(page.extract_text() for page in reader.pages)


def write(api, agency, /, **body):
    return api.post(f"{BASE}/organizations/{agency.org.pk}/contracts/", body, format="json")


def test_a_reservation_agreement_from_a_reservation(agency, prop):
    reservation = agency.api["client"].post(f"{BASE}/properties/{prop.pk}/reservations/").json()
    response = write(
        agency.api["agent"],
        agency,
        kind="reservation_agreement",
        property=str(prop.pk),
        reservation=reservation["id"],
        terms="Remise des clés au 1er mars.",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["kind"] == "reservation_agreement"
    assert body["client_name"] == "Awa Diop" and body["amount"] == 120_000_000
    assert body["link"].endswith(f"/o/realestate.contract/{body['id']}/")
    pdf = agency.api["agent"].get(f"{BASE}/contracts/{body['id']}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    for expected in ("Awa Diop", "Villa Almadies", agency.org.name, "Moussa Fall"):
        assert expected in text, expected
    assert "12 000 000" in text.replace("\u202f", " ").replace("\xa0", " ")  # the deposit
    assert "Remise des clés" in text


def test_each_kind_has_its_template_and_language(agency, prop, crm_client):
    texts = {}
    for kind in ("lease", "mandate"):
        response = write(
            agency.api["manager"],
            agency,
            kind=kind,
            property=str(prop.pk),
            client=str(crm_client.pk),
            amount=450_000,
            language="en",
        )
        assert response.status_code == 201, response.content
        pdf = agency.api["manager"].get(f"{BASE}/contracts/{response.json()['id']}/pdf/")
        texts[kind] = pdf_text(pdf.content)
        assert "Fatou Ndiaye" in texts[kind]
    assert "Lease" in texts["lease"] and "Monthly rent" in texts["lease"]
    assert "Mandate" in texts["mandate"] and "Asking price" in texts["mandate"]


def test_contract_lifecycle_send_then_sign(agency, prop, crm_client):
    crm_client.user = agency.users["client"]
    crm_client.save()
    contract = write(
        agency.api["agent"], agency, kind="lease", property=str(prop.pk), client=str(crm_client.pk)
    ).json()
    url = f"{BASE}/contracts/{contract['id']}"
    # The client cannot read a draft; signing a draft is illegal.
    assert agency.api["client"].get(f"{url}/pdf/").status_code == 404
    with unchanged(Contract):
        early = agency.api["agent"].post(f"{url}/sign/", {"file": pdf_upload()}, format="multipart")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "contract_invalid_transition"

    sent = agency.api["agent"].post(f"{url}/send/")
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "sent" and sent.json()["sent_at"]
    notice = Notification.objects.get(kind="realestate.contract_sent")
    assert notice.recipient == agency.users["client"]
    assert notice.link.endswith(f"/o/realestate.contract/{contract['id']}/")
    again = agency.api["agent"].post(f"{url}/send/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "contract_invalid_transition"
    # Sent: the client reads it now.
    assert agency.api["client"].get(f"{url}/pdf/").status_code == 200
    assert agency.api["client"].get(f"{url}/").status_code == 404  # the record is the agency's

    # A text file is not a scan.
    bad = SimpleUploadedFile("scan.txt", b"hello", content_type="text/plain")
    refused = agency.api["agent"].post(f"{url}/sign/", {"file": bad}, format="multipart")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_scan"
    assert Contract.objects.get(pk=contract["id"]).status == "sent"
    # JSON is not accepted by an upload endpoint.
    assert agency.api["agent"].post(f"{url}/sign/", {}, format="json").status_code == 415

    signed = agency.api["agent"].post(
        f"{url}/sign/", {"file": pdf_upload("signe.pdf")}, format="multipart"
    )
    assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == "signed" and signed.json()["has_signed_scan"]
    scan = agency.api["manager"].get(f"{url}/signed-scan/")
    assert scan.status_code == 200 and scan["Content-Type"] == "application/pdf"
    assert scan.content.startswith(b"%PDF-")
    # Staff only: the client and another agency cannot read the scan.
    assert agency.api["client"].get(f"{url}/signed-scan/").status_code == 404
    assert agency.api["other_manager"].get(f"{url}/signed-scan/").status_code == 404
    stored = Contract.objects.get(pk=contract["id"])
    assert stored.signed_file.name.startswith(f"realestate/{agency.org.pk}/contracts/")
    # Signed once: a second scan is refused.
    twice = agency.api["agent"].post(f"{url}/sign/", {"file": pdf_upload()}, format="multipart")
    assert twice.status_code == 409


def test_an_image_scan_is_re_encoded(agency, prop, crm_client):
    contract = write(
        agency.api["agent"],
        agency,
        kind="mandate",
        property=str(prop.pk),
        client=str(crm_client.pk),
    ).json()
    url = f"{BASE}/contracts/{contract['id']}"
    assert agency.api["agent"].post(f"{url}/send/").status_code == 200
    # Emailed to a client without an account.
    assert Notification.objects.get(kind="realestate.contract_sent").email == "fatou@example.test"
    image = png_upload("scan.png", size=(1200, 1600))
    response = agency.api["agent"].post(f"{url}/sign/", {"file": image}, format="multipart")
    assert response.status_code == 200, response.content
    scan = agency.api["agent"].get(f"{url}/signed-scan/")
    assert scan.status_code == 200 and scan["Content-Type"].startswith("image/")
    Image.open(io.BytesIO(scan.content)).verify()


def test_bad_input_isolation_and_permissions(agency, prop, crm_client):
    base = {"kind": "lease", "property": str(prop.pk)}
    with unchanged(Contract):
        missing = write(agency.api["agent"], agency, **base)
        assert missing.status_code == 400
        assert missing.json()["error"]["code"] == "contract_client_required"
        wrong_kind = write(agency.api["agent"], agency, **{**base, "kind": "loan"})
        assert wrong_kind.status_code == 400
        long_terms = write(
            agency.api["agent"], agency, **base, client=str(crm_client.pk), terms="x" * 5000
        )
        assert long_terms.status_code == 400
        # Another agency's property or client: 404.
        foreign = PropertyFactory(organization=agency.other)
        response = write(
            agency.api["agent"],
            agency,
            kind="lease",
            property=str(foreign.pk),
            client=str(crm_client.pk),
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "property_not_found"
        foreign_client = Client.objects.create(organization=agency.other, name="X")
        response = write(agency.api["agent"], agency, **base, client=str(foreign_client.pk))
        assert response.json()["error"]["code"] == "client_not_found"
        # Another agent's property: 403; a plain member: 403; another agency: 404.
        assert (
            write(agency.api["agent2"], agency, **base, client=str(crm_client.pk)).status_code
            == 403
        )
        assert (
            write(agency.api["plain"], agency, **base, client=str(crm_client.pk)).status_code == 403
        )
        assert (
            write(agency.api["other_manager"], agency, **base, client=str(crm_client.pk))
        ).status_code == 404
    contract = write(agency.api["agent"], agency, **base, client=str(crm_client.pk)).json()
    url = f"{BASE}/contracts/{contract['id']}"
    assert agency.api["other_manager"].get(f"{url}/").status_code == 404
    assert agency.api["other_manager"].get(f"{url}/pdf/").status_code == 404
    assert agency.api["other_manager"].post(f"{url}/send/").status_code == 404
    assert agency.api["agent2"].post(f"{url}/send/").status_code == 403
    assert APIClient().get(f"{url}/").status_code == 401
    listed = agency.api["agent2"].get(f"{BASE}/organizations/{agency.org.pk}/contracts/")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert (
        agency.api["other_manager"]
        .get(f"{BASE}/organizations/{agency.org.pk}/contracts/")
        .status_code
        == 404
    )
    # No account and no email: it cannot be sent.
    silent = Client.objects.create(organization=agency.org, name="Sans Contact")
    quiet = write(agency.api["agent"], agency, **base, client=str(silent.pk)).json()
    response = agency.api["agent"].post(f"{BASE}/contracts/{quiet['id']}/send/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "contract_client_unreachable"
