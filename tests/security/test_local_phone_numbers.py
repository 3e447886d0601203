"""National phone numbers are read in the region of whoever they belong to.

"775475688" used to answer ``invalid_phone`` when a user set it as their phone (allauth's
field took E.164 only), although the default region is SN; and a French organisation's
"06 12 34 56 78" was read as a Senegalese number (and refused) for its branches and at
its kiosks. Every number is now read by one function (``teranga.core.phones``) in the
user's region (their client profile's country), else the organisation's country, else
SN, and stored as E.164; garbage still answers ``invalid_phone``.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import authed_client, create_user
from teranga.platform.notifications.models import SmsMessage
from teranga.platform.organizations.models import Branch, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member
from teranga.platform.payments.models import Payment, Plan, Subscription
from teranga.products.smartqueue.models import Ticket
from teranga.products.smartqueue.services.kiosks import kiosk_create
from teranga.products.smartqueue.tests.factories import (
    BankFactory,
    DakarBranchFactory,
    QueueFactory,
    QueueServiceFactory,
)

pytestmark = pytest.mark.django_db

AUTH = "/_allauth/app/v1"
ME = "/api/v1/me/"


def change_phone(client, phone: str):
    return client.post(f"{AUTH}/account/phone", {"phone": phone}, format="json")


def verify_phone(client) -> None:
    sms = SmsMessage.objects.filter(purpose="phone_verification").latest("created_at")
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    done = client.post(f"{AUTH}/auth/phone/verify", {"code": code}, format="json")
    assert done.status_code == 200, done.content


def assert_invalid_phone(response, field: str = "phone") -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    if "errors" in body:  # allauth's own API
        assert [(e["code"], e.get("param")) for e in body["errors"]] == [("invalid_phone", field)]
    else:
        assert body["error"]["code"] == "invalid_phone", body
        assert field in body["error"]["fields"], body


# --- A user's own phone (allauth) ------------------------------------------------------


def test_a_senegalese_local_number_becomes_the_users_phone():
    client = authed_client(create_user("awa@example.test"))
    started = change_phone(client, "775475688")
    assert started.status_code == 202, started.content
    assert started.json()["data"][0]["phone"] == "+221775475688"
    assert SmsMessage.objects.get(purpose="phone_verification").to == "+221775475688"
    verify_phone(client)
    me = client.get(ME).json()
    assert (me["phone"], me["phone_verified"]) == ("+221775475688", True)


def test_a_french_users_local_number_is_read_in_france():
    user = create_user("claire@example.test")
    client = authed_client(user)
    profile = client.patch("/api/v1/me/client/", {"country": "FR"}, format="json")
    assert profile.status_code == 200, profile.content
    started = change_phone(client, "06 12 34 56 78")
    assert started.status_code == 202, started.content
    assert SmsMessage.objects.get(purpose="phone_verification").to == "+33612345678"
    verify_phone(client)
    assert client.get(ME).json()["phone"] == "+33612345678"
    # An international number is read as such, wherever the user lives.
    assert change_phone(client, "+221 77 547 56 88").status_code == 202


@pytest.mark.parametrize("garbage", ["12345", "not a phone", "+2217", "0612345678999999"])
def test_garbage_is_still_invalid_phone(garbage):
    user = create_user(f"bad-{uuid.uuid4().hex[:6]}@example.test")
    client = authed_client(user)
    assert_invalid_phone(change_phone(client, garbage))
    assert not SmsMessage.objects.exists()
    user.refresh_from_db()
    assert user.phone is None


# --- An organisation's branch -----------------------------------------------------------


def test_branch_phones_are_read_in_the_organisations_country():
    dakar = OrganizationFactory(country="SN")
    paris = OrganizationFactory(country="FR", city="Paris")
    managers = {org.pk: authed_client(member(org, Role.MANAGER)) for org in (dakar, paris)}

    def create(org, phone):
        return managers[org.pk].post(
            f"/api/v1/organizations/{org.pk}/branches/",
            {"name": f"Agence {uuid.uuid4().hex[:4]}", "phone": phone},
            format="json",
        )

    senegal = create(dakar, "775475688")
    assert senegal.status_code == 201, senegal.content
    assert senegal.json()["phone"] == "+221775475688"
    assert str(Branch.objects.get(pk=senegal.json()["id"]).phone) == "+221775475688"

    france = create(paris, "06 12 34 56 78")
    assert france.status_code == 201, france.content
    assert france.json()["phone"] == "+33612345678"

    changed = managers[paris.pk].patch(
        f"/api/v1/organizations/{paris.pk}/branches/{france.json()['id']}/",
        {"phone": "01 42 68 53 00"},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["phone"] == "+33142685300"

    before = Branch.objects.count()
    assert_invalid_phone(create(dakar, "12"))
    assert_invalid_phone(create(paris, "appelez-moi"))
    assert Branch.objects.count() == before


def test_an_organisations_contact_phone_is_read_in_its_country():
    paris = OrganizationFactory(country="FR", city="Paris")
    owner = authed_client(member(paris, Role.OWNER))
    response = owner.patch(
        f"/api/v1/organizations/{paris.pk}/", {"contact_phone": "0612345678"}, format="json"
    )
    assert response.status_code == 200, response.content
    paris.refresh_from_db()
    assert str(paris.contact_phone) == "+33612345678"
    assert_invalid_phone(
        owner.patch(f"/api/v1/organizations/{paris.pk}/", {"contact_phone": "x"}, format="json"),
        "contact_phone",
    )


# --- A SmartQueue ticket taken at a kiosk with a phone ------------------------------------


def kiosk_for(org) -> tuple[APIClient, object]:
    now = timezone.now()
    Subscription.objects.create(
        organization=org,
        plan=Plan.objects.get(code="enterprise"),
        period="monthly",
        currency=org.currency,
        status="active",
        current_period_start=now,
        current_period_end=now + timezone.timedelta(days=30),
    )
    branch = DakarBranchFactory(organization=org)
    queue = QueueFactory(
        organization=org, branch=branch, service=QueueServiceFactory(organization=org)
    )
    _kiosk, key = kiosk_create(organization=org, branch_id=branch.pk, name="Borne")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client, queue


def take(client, queue, phone):
    return client.post(
        "/api/v1/smartqueue/kiosk/tickets/",
        {"queue": str(queue.pk), "phone": phone},
        format="json",
    )


def test_a_kiosk_ticket_by_phone_reads_the_number_in_the_organisations_country():
    client, queue = kiosk_for(BankFactory(country="SN"))
    response = take(client, queue, "775475688")
    assert response.status_code == 201, response.content
    assert Ticket.objects.get(pk=response.json()["id"]).phone == "+221775475688"

    client, queue = kiosk_for(BankFactory(country="FR", city="Paris", currency="EUR"))
    response = take(client, queue, "06 12 34 56 78")
    assert response.status_code == 201, response.content
    assert Ticket.objects.get(pk=response.json()["id"]).phone == "+33612345678"

    before = Ticket.objects.count()
    assert_invalid_phone(take(client, queue, "12"))
    assert Ticket.objects.count() == before


# --- The payer's phone on a payment ------------------------------------------------------


def test_a_payers_local_phone_is_read_in_their_country(django_capture_on_commit_callbacks):
    from teranga.platform.payments.tests.payables import ITEMS, TARGET_TYPE

    shop = OrganizationFactory(verification_status="verified")
    user = create_user("jean@example.test")
    client = authed_client(user)
    client.patch("/api/v1/me/client/", {"country": "FR"}, format="json")

    def pay(phone):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/api/v1/payments/",
                {
                    "target_type": TARGET_TYPE,
                    "target_id": ITEMS.add(shop, 2000),
                    "provider": "sandbox",
                    "payer_phone": phone,
                },
                format="json",
                HTTP_IDEMPOTENCY_KEY=f"phone-{uuid.uuid4().hex}",
            )

    response = pay("0612345678")
    assert response.status_code == 201, response.content
    assert str(Payment.objects.get(pk=response.json()["id"]).payer_phone) == "+33612345678"
    before = Payment.objects.count()
    assert_invalid_phone(pay("0000"), "payer_phone")
    assert Payment.objects.count() == before
