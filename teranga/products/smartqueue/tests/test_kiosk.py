"""Kiosks: managers create and revoke keys; a kiosk lists its branch's queues, issues
tickets (channel kiosk) and prints them (80 mm HTML with the QR code)."""

from __future__ import annotations

import hashlib
import io

import pytest
import segno
import zxingcpp
from django.test import override_settings
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from config.settings import REST_FRAMEWORK
from teranga.platform.payments.models import Plan, Subscription
from teranga.products.smartqueue.models import Kiosk, Ticket
from teranga.products.smartqueue.qr import ticket_qr_content
from teranga.products.smartqueue.services.kiosks import kiosk_create
from teranga.products.smartqueue.tests.factories import (
    DakarBranchFactory,
    QueueFactory,
    QueueServiceFactory,
)

BASE = "/api/v1/smartqueue"


@pytest.fixture(autouse=True)
def _kiosk_plan(request):
    """Kiosks need a plan with the ``kiosk`` feature: the bank is on Enterprise (the
    refusal on other plans: ``tests/security/test_smartqueue_defects.py``)."""
    if "bank" not in request.fixturenames:
        return
    bank = request.getfixturevalue("bank")
    now = timezone.now()
    Subscription.objects.create(
        organization=bank.org,
        plan=Plan.objects.get(code="enterprise"),
        period="monthly",
        currency=bank.org.currency,
        status="active",
        current_period_start=now,
        current_period_end=now + timezone.timedelta(days=30),
    )


def kiosk_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def new_kiosk(bank, branch=None):
    kiosk, key = kiosk_create(
        organization=bank.org, branch_id=(branch or bank.branch).pk, name="Borne entrée"
    )
    return kiosk, kiosk_client(key)


class TestKioskKeys:
    def test_create_shows_the_key_once(self, bank):
        body = {"organization": str(bank.org.pk), "branch": str(bank.branch.pk), "name": "Borne"}
        response = bank.api["manager"].post(f"{BASE}/kiosks/", body)
        assert response.status_code == 201, response.content
        key = response.json()["key"]
        assert key.startswith("sqk_") and len(key) > 40
        kiosk = Kiosk.objects.get(pk=response.json()["id"])
        assert kiosk.key_digest == hashlib.sha256(key.encode()).hexdigest()
        assert key.startswith(kiosk.key_prefix) and key not in str(kiosk.__dict__)
        listing = bank.api["manager"].get(f"{BASE}/kiosks/", {"organization": str(bank.org.pk)})
        assert listing.status_code == 200
        assert "key" not in listing.json()["results"][0]
        assert listing.json()["results"][0]["key_prefix"] == kiosk.key_prefix

    def test_refusals(self, bank, api):
        body = {"organization": str(bank.org.pk), "branch": str(bank.branch.pk), "name": "Borne"}
        assert bank.api["agent1"].post(f"{BASE}/kiosks/", body).status_code == 403
        assert bank.api["other_owner"].post(f"{BASE}/kiosks/", body).status_code == 404
        assert api.post(f"{BASE}/kiosks/", body).status_code == 401
        bad = bank.api["manager"].post(
            f"{BASE}/kiosks/", {**body, "branch": str(bank.other_branch.pk)}
        )
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_branch"
        assert bank.api["manager"].post(f"{BASE}/kiosks/", {**body, "x": 1}).status_code == 400
        assert not Kiosk.objects.exists()
        query = {"organization": str(bank.org.pk)}
        assert bank.api["agent1"].get(f"{BASE}/kiosks/", query).status_code == 403

    def test_revoke(self, bank):
        kiosk, client = new_kiosk(bank)
        assert client.get(f"{BASE}/kiosk/queues/").status_code == 200
        assert bank.api["other_owner"].delete(f"{BASE}/kiosks/{kiosk.pk}/").status_code == 404
        assert bank.api["agent1"].delete(f"{BASE}/kiosks/{kiosk.pk}/").status_code == 403
        assert bank.api["manager"].delete(f"{BASE}/kiosks/{kiosk.pk}/").status_code == 204
        response = client.get(f"{BASE}/kiosk/queues/")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "authentication_failed"


class TestKioskEndpoints:
    def test_authentication(self, bank, api):
        assert api.get(f"{BASE}/kiosk/queues/").status_code == 401
        assert kiosk_client("sqk_nope").get(f"{BASE}/kiosk/queues/").status_code == 401
        # a user's token is not a kiosk key
        assert bank.api["manager"].get(f"{BASE}/kiosk/queues/").status_code == 401

    def test_queues_of_the_branch(self, bank):
        kiosk, client = new_kiosk(bank)
        QueueFactory(organization=bank.org, branch=DakarBranchFactory(organization=bank.org))
        response = client.get(f"{BASE}/kiosk/queues/")
        assert {q["prefix"] for q in response.json()} == {"A", "P"}
        kiosk.refresh_from_db()
        assert kiosk.last_used_at is not None

    def test_take_a_ticket_and_print_it(self, bank):
        kiosk, client = new_kiosk(bank)
        response = client.post(
            f"{BASE}/kiosk/tickets/",
            {"queue": str(bank.normal.pk), "ticket_class": "priority", "phone": "77 123 45 67"},
        )
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["number"] == "A001" and data["position"] == 1
        assert data["qr"].startswith("data:image/svg+xml")
        ticket = Ticket.objects.get(pk=data["id"])
        assert (ticket.channel, ticket.ticket_class, ticket.phone) == (
            "kiosk",
            "priority",
            "+221771234567",
        )
        page = client.get(data["print_url"])
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
        html = page.content.decode()
        assert "A001" in html and "<svg" in html and "smartqueue/ticket-print.js" in html
        assert bank.org.name in html and bank.branch.name in html and ticket.code in html
        # the QR code holds the ticket's code and decodes
        buffer = io.BytesIO()
        segno.make_qr(ticket_qr_content(ticket), error="m").save(buffer, kind="png", scale=6)
        decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(buffer.getvalue())))
        assert decoded[0].text == f"TERANGA-SQ:{ticket.code}"

    def test_ticket_refusals_change_nothing(self, bank):
        kiosk, client = new_kiosk(bank)
        post = client.post
        url = f"{BASE}/kiosk/tickets/"
        other = post(url, {"queue": str(bank.other_queue.pk)})
        assert other.status_code == 400 and other.json()["error"]["code"] == "invalid_queue"
        assert post(url, {"queue": "nope"}).status_code == 400
        assert post(url, {"queue": str(bank.normal.pk), "ticket_class": "vip"}).status_code == 400
        bad_phone = post(url, {"queue": str(bank.normal.pk), "phone": "12"})
        assert bad_phone.status_code == 400 and "phone" in bad_phone.json()["error"]["fields"]
        assert post(url, {"queue": str(bank.normal.pk), "extra": 1}).status_code == 400
        paid = QueueFactory(
            organization=bank.org,
            branch=bank.branch,
            prefix="V",
            service=QueueServiceFactory(organization=bank.org, price_amount=2000),
        )
        response = post(url, {"queue": str(paid.pk)})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "payment_at_counter"
        bank.priority.is_open = False
        bank.priority.save()
        closed = post(url, {"queue": str(bank.priority.pk)})
        assert closed.status_code == 409 and closed.json()["error"]["code"] == "queue_closed"
        assert not Ticket.objects.exists()

    def test_prints_only_its_branch_tickets(self, bank):
        kiosk, client = new_kiosk(bank)
        elsewhere = DakarBranchFactory(organization=bank.org)
        _other_kiosk, other_client = new_kiosk(bank, elsewhere)
        ticket_id = client.post(f"{BASE}/kiosk/tickets/", {"queue": str(bank.normal.pk)}).json()[
            "id"
        ]
        response = other_client.get(f"{BASE}/kiosk/tickets/{ticket_id}/print/")
        assert response.status_code == 404

    def test_throttled_per_kiosk(self, bank):
        _kiosk, client = new_kiosk(bank)
        _second, second_client = new_kiosk(bank)
        rates = {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "smartqueue_kiosk": "2/min"}
        with override_settings(REST_FRAMEWORK={**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
            assert client.get(f"{BASE}/kiosk/queues/").status_code == 200
            assert client.get(f"{BASE}/kiosk/queues/").status_code == 200
            assert client.get(f"{BASE}/kiosk/queues/").status_code == 429
            assert second_client.get(f"{BASE}/kiosk/queues/").status_code == 200


def test_the_schema_documents_the_kiosk_key(db, api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["securitySchemes"]["kioskApiKey"]["in"] == "header"
    operation = schema["paths"]["/api/v1/smartqueue/kiosk/tickets/"]["post"]
    assert operation["security"] == [{"kioskApiKey": []}]
