"""The real-estate issue's "Done when", end to end through the public surface.

1. The demo: the platform's real-estate demo loader (the one ``seed_demo`` calls, from
   the demo-loader registry) fills the platform's agency DIGIT-HAB in Dakar with its
   agents, 200 properties, CRM clients, requests (saved searches) and a lead in every
   stage of the pipeline; the demo manager logs in and reads them over HTTP.
2. The journey, over HTTP against the real database and services (nothing mocked): a
   client saves an instant search; an agent lists a matching property and uploads a photo
   (re-encoded); the matching runs after commit and the client gets exactly one alert;
   the client reads the free visit slots and books a visit, the agent confirms it; the
   client reserves and pays the deposit with the sandbox provider (its hosted page and
   signed webhook) → the reservation is confirmed and the property reserved; the agent
   writes the reservation agreement and downloads its PDF; the reservation is converted
   into a sale and the agent's commission statement is produced as JSON, CSV and PDF with
   the agent's share. Along the way: another agency's manager gets 404 on the property's
   private endpoints and cannot list the first agency's clients; an error a user reads
   comes in French, English and Wolof following ``Accept-Language``.
"""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from django.test import Client as BrowserClient
from PIL import Image
from pypdf import PdfReader

from conftest import authed_client
from teranga.platform.organizations.demo import ORGANIZATIONS
from teranga.platform.organizations.extensions import demo_loaders
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.organizations.tests.factories import member
from teranga.platform.payments.models import Payment
from teranga.products.realestate.models import (
    Client,
    ClientRequest,
    Lead,
    PipelineStage,
    Property,
    PropertyImage,
    Reservation,
)
from teranga.products.realestate.tests.conftest import png_upload
from teranga.products.realestate.tests.factories import AgencyFactory
from tests.writes import unchanged

pytestmark = pytest.mark.django_db

API = "/api/v1/realestate"
DEMO_PASSWORD = "Demo-Password-2026!"


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())  # one space for line breaks and (narrow) no-break spaces


# --- 1. The demo -------------------------------------------------------------------------------


def test_the_demo_agency(media_root, dakar):
    # The platform's demo agency as ``seed_demo`` makes it (its spec, verified, with the
    # platform's first agent), then the real-estate loader from the registry.
    spec = next(spec for spec in ORGANIZATIONS if spec.slug == "digit-hab")
    agency = AgencyFactory(slug=spec.slug, name=spec.name, city=spec.city, region=dakar)
    member(agency, Role.AGENT, email="agence.agent1@teranga.demo")
    logins = demo_loaders.get("realestate")(password=DEMO_PASSWORD)
    assert {role for _email, role, _note in logins} == {"manager", "agent", "client"}

    # An agency in Dakar with a manager and several agents.
    assert (agency.city, agency.region.code) == ("Dakar", "DK")
    roles = list(Membership.objects.filter(organization=agency).values_list("role", flat=True))
    assert roles.count(Role.AGENT) == 3 and roles.count(Role.MANAGER) == 1
    # 200 properties, clients, requests and a lead in every stage of the pipeline.
    assert Property.objects.filter(organization=agency).count() == 200
    assert Client.objects.filter(organization=agency).count() >= 5
    assert ClientRequest.objects.filter(organization=agency).count() >= 3
    stages = set(PipelineStage.objects.filter(organization=agency).values_list("pk", flat=True))
    assert len(stages) >= 6
    assert set(Lead.objects.filter(organization=agency).values_list("stage", flat=True)) == stages

    # The demo manager logs in with the demo password and reads it all over HTTP.
    manager_email = next(email for email, role, _note in logins if role == "manager")
    manager = authed_client(
        Membership.objects.get(organization=agency, user__email=manager_email).user,
        DEMO_PASSWORD,
    )
    org = f"{API}/organizations/{agency.pk}"
    properties = manager.get(f"{API}/properties/", {"organization": str(agency.pk)})
    assert properties.status_code == 200
    statuses = {row["status"] for row in properties.json()["results"]}
    assert len(statuses) > 1  # the agency's staff see every status, not just the public
    clients = manager.get(f"{org}/clients/", {"page_size": 100})
    assert clients.status_code == 200 and len(clients.json()["results"]) >= 5
    requests = manager.get(f"{org}/requests/", {"page_size": 100})
    assert requests.status_code == 200 and len(requests.json()["results"]) >= 3
    leads = manager.get(f"{org}/leads/", {"page_size": 100})
    assert leads.status_code == 200
    assert {str(stage) for stage in stages} == {
        row["stage"]["id"] for row in leads.json()["results"]
    }


# --- 2. The journey ----------------------------------------------------------------------------


def sandbox_decides(payment_id: str, outcome: str = "succeeded"):
    """The payer's choice on the sandbox's hosted page (which sends the signed webhook)."""
    browser = BrowserClient()
    page = browser.get(f"/pay/sandbox/{payment_id}/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    return browser.post(
        f"/pay/sandbox/{payment_id}/", {"outcome": outcome, "csrfmiddlewaretoken": token.decode()}
    )


def test_the_whole_journey_over_http(agency, media_root, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    client, agent, outsider = agency.api["client"], agency.api["agent"], agency.api["other_manager"]
    org = f"{API}/organizations/{agency.org.pk}"

    # A client saves an instant search with the agency.
    with capture(execute=True):
        search = client.post(
            f"{API}/me/saved-searches/",
            {
                "organization": str(agency.org.pk),
                "transaction": "sale",
                "property_types": ["apartment"],
                "budget_max": 70_000_000,
                "currency": "XOF",
                "zones": [{"lat": 14.6928, "lng": -17.4617, "radius_km": 3, "label": "Fann"}],
                "alert_frequency": "instant",
            },
            format="json",
        )
    assert search.status_code == 201, search.content

    # An agent lists a matching property, with a photo; the matching runs after commit.
    with capture(execute=True):
        listed = agent.post(
            f"{org}/properties/",
            {
                "property_type": "apartment",
                "transaction": "sale",
                "status": "available",
                "title": "Appartement lumineux à Fann",
                "commune": "Fann-Point E-Amitié",
                "latitude": 14.6930,
                "longitude": -17.4620,
                "price": 65_000_000,
                "surface": 110,
                "rooms": 4,
                "bedrooms": 3,
            },
            format="json",
        )
        assert listed.status_code == 201, listed.content
        prop = listed.json()
        photo = png_upload(size=(1200, 900))
        sent = photo.read()
        photo.seek(0)
        uploaded = agent.post(
            f"{API}/properties/{prop['id']}/images/", {"image": photo}, format="multipart"
        )
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["is_primary"] is True
    image = PropertyImage.objects.get(pk=uploaded.json()["id"])
    with Image.open(image.image) as stored:  # re-encoded by the image service
        assert stored.size == (1200, 900)
    assert image.image.read() != sent
    public = client.get(f"{API}/properties/{prop['id']}/")
    assert public.status_code == 200
    assert [row["id"] for row in public.json()["images"]] == [uploaded.json()["id"]]

    # The client is alerted once, in their inbox, about this property.
    inbox = client.get("/api/v1/notifications/", {"kind": "realestate.match_found"})
    assert inbox.status_code == 200
    (alert,) = inbox.json()["results"]
    assert "Appartement lumineux à Fann" in alert["title"]
    assert f"/o/realestate.property/{prop['id']}/" in alert["link"]

    # The client reads the free slots and books a visit; the agent confirms it.
    slots = client.get(f"{API}/properties/{prop['id']}/visit-slots/")
    assert slots.status_code == 200 and slots.json()["slots"], slots.content
    starts_at = slots.json()["slots"][0]["starts_at"]
    visit = client.post(
        f"{API}/properties/{prop['id']}/visits/", {"starts_at": starts_at}, format="json"
    )
    assert visit.status_code == 201, visit.content
    assert visit.json()["status"] == "requested"
    confirmed = agent.post(f"{API}/visits/{visit.json()['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    told = client.get("/api/v1/notifications/", {"kind": "realestate.visit.confirmed"})
    assert len(told.json()["results"]) == 1

    # The client reserves and pays the 10 % deposit with the sandbox provider.
    with capture(execute=True):
        reserved = client.post(f"{API}/properties/{prop['id']}/reservations/", format="json")
        assert reserved.status_code == 201, reserved.content
        reservation = reserved.json()
        assert (reservation["status"], reservation["deposit_amount"]) == (
            "pending_payment",
            6_500_000,
        )
        payment = client.post(
            "/api/v1/payments/",
            {
                "target_type": "realestate.reservation",
                "target_id": reservation["id"],
                "provider": "sandbox",
            },
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"re-{uuid.uuid4().hex}",
        )
    assert payment.status_code == 201, payment.content
    assert payment.json()["total"]["amount"] == 6_500_000
    with capture(execute=True):
        sandbox_decides(payment.json()["id"])
    assert Payment.objects.get(pk=payment.json()["id"]).status == "succeeded"
    detail = client.get(f"{API}/reservations/{reservation['id']}/")
    assert detail.status_code == 200 and detail.json()["status"] == "confirmed"
    assert agent.get(f"{API}/properties/{prop['id']}/").json()["status"] == "reserved"

    # The languages: reserving it again is refused, in French, English and Wolof.
    messages = {}
    with unchanged(Reservation):
        for language in ("fr", "en", "wo"):
            again = agency.api["agent2"].post(
                f"{API}/properties/{prop['id']}/reservations/",
                format="json",
                HTTP_ACCEPT_LANGUAGE=language,
            )
            assert again.status_code == 409, again.content
            assert again["Content-Language"] == language
            assert again.json()["error"]["code"] == "property_not_available"
            messages[language] = again.json()["error"]["message"]
    assert messages["fr"] == "Ce bien n'est pas disponible à la réservation."
    assert messages["en"] == "This property is not available for reservation."
    assert len(set(messages.values())) == 3, messages

    # The agent writes the reservation agreement and downloads its PDF.
    contract = agent.post(
        f"{org}/contracts/",
        {
            "kind": "reservation_agreement",
            "property": prop["id"],
            "reservation": reservation["id"],
        },
        format="json",
    )
    assert contract.status_code == 201, contract.content
    contract_url = f"{API}/contracts/{contract.json()['id']}"
    pdf = agent.get(f"{contract_url}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    for expected in ("Awa Diop", "Appartement lumineux à Fann", agency.org.name, "6 500 000"):
        assert expected in text, expected

    # The reservation becomes a sale; the commission is split by the agency's rule.
    sale = agent.post(
        f"{API}/reservations/{reservation['id']}/convert/",
        {"deal_price": 64_000_000},
        format="json",
    )
    assert sale.status_code == 201, sale.content
    commission = sale.json()
    assert commission["total_amount"] == 3_200_000  # 5 % of the deal price
    mine = [s for s in commission["shares"] if s["agent"]["id"] == str(agency.users["agent"].pk)]
    agent_share = sum(share["amount"] for share in mine)
    assert agent_share == 640_000 + 960_000  # listing 20 % and selling 30 % of it
    assert agent.get(f"{API}/properties/{prop['id']}/").json()["status"] == "sold"

    # The agent's commission statement for the period, as JSON, CSV and PDF.
    statement_url = f"{org}/commissions/statement/"
    period = {"from": commission["deal_date"], "to": commission["deal_date"]}
    statement = agent.get(statement_url, period)
    assert statement.status_code == 200, statement.content
    assert statement.json()["totals"] == [{"currency": "XOF", "amount": agent_share}]
    as_csv = agent.get(statement_url, {**period, "format": "csv"})
    assert as_csv.status_code == 200 and as_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[-1][0] == "total" and rows[-1][5] == str(agent_share)
    assert all("Appartement lumineux à Fann" in row[1] for row in rows[1:-1])
    as_pdf = agent.get(statement_url, {**period, "format": "pdf"})
    assert as_pdf.status_code == 200 and as_pdf["Content-Type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF")
    text = pdf_text(as_pdf.content)
    for expected in (agency.org.name, "Moussa Fall", "Appartement lumineux à Fann", "1 600 000"):
        assert expected in text, expected

    # Isolation: the other agency's manager finds none of it.
    for url in (
        f"{API}/properties/{prop['id']}/documents/",
        f"{contract_url}/",
        f"{contract_url}/pdf/",
        f"{API}/reservations/{reservation['id']}/",
        f"{org}/clients/",
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.get(statement_url, period).status_code == 404
    assert outsider.get(f"{API}/reservations/").json()["count"] == 0
    assert not Client.objects.filter(organization=agency.other).exists()
