"""``/api/v1/organizations/{id}/invoicing/``: the invoicing profile."""

from __future__ import annotations

import pytest

from teranga.platform.invoicing.models import InvoicingProfile
from teranga.platform.invoicing.services import invoice_for_payment
from teranga.platform.organizations.models import OrganizationKind, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member

from .factories import FR_SIRET, buyer_user, make_payment, manager_of, sn_seller

pytestmark = pytest.mark.django_db


def url(organization) -> str:
    return f"/api/v1/organizations/{organization.pk}/invoicing/"


@pytest.fixture
def academy():
    organization = OrganizationFactory(
        kind=OrganizationKind.ACADEMY,
        name="Calmness Trading",
        country="FR",
        currency="EUR",
        siret=FR_SIRET,
    )
    roles = {role: member(organization, role) for role in (Role.ADMIN, Role.MANAGER, Role.MEMBER)}
    return organization, roles


def test_defaults_before_the_profile_is_saved(academy, client_for):
    organization, roles = academy
    response = client_for(roles[Role.MANAGER]).get(url(organization))
    assert response.status_code == 200
    body = response.json()
    assert body["configured"] is False and body["organization"] == str(organization.pk)
    assert body["invoice_prefix"] == "CT" and body["credit_note_prefix"] == "CT-AV"
    assert body["number_pattern"] == "{prefix}-{date:%Y%m%d}-{seq:04d}"
    assert body["default_vat_rate"] == "20.00"
    assert body["primary_color"] == "#D4AF37"
    assert body["text_color"] == "#000000" and body["background_color"] == "#FFFFFF"
    assert body["vat_exemption_mention"] == "TVA non applicable, art. 293 B du CGI"
    assert body["late_penalty_text"] == "trois fois le taux d'intérêt légal"
    assert body["early_payment_discount_text"] == "Pas d'escompte pour paiement anticipé"
    assert body["payment_terms_days"] == 0
    assert body["seller_preview"]["siret"] == FR_SIRET
    assert body["seller_preview"]["name"] == "Calmness Trading"
    assert not InvoicingProfile.objects.exists()  # reading writes nothing


def test_a_senegalese_business_defaults_to_18_percent_and_fac(client_for):
    organization = sn_seller()
    body = client_for(manager_of(organization)).get(url(organization)).json()
    assert body["default_vat_rate"] == "18.00" and body["invoice_prefix"] == "FAC"


def test_read_permissions(academy, client_for):
    organization, roles = academy
    staff = buyer_user(email="staff@example.test", is_staff=True)
    assert client_for(staff).get(url(organization)).status_code == 200
    assert client_for(roles[Role.MEMBER]).get(url(organization)).status_code == 403
    outsider = client_for(buyer_user(email="outsider@example.test")).get(url(organization))
    assert outsider.status_code == 404
    assert outsider.json()["error"]["code"] == "organization_not_found"


def test_an_admin_changes_the_profile_and_new_documents_use_it(academy, client_for):
    organization, roles = academy
    payer = buyer_user()
    before = invoice_for_payment(payment=make_payment(organization, payer))
    api = client_for(roles[Role.ADMIN])
    response = api.patch(
        url(organization),
        {
            "legal_name": "Calmness Trading SAS",
            "legal_form": "SAS",
            "share_capital": "10 000 €",
            "address_line1": "12 rue de la Paix",
            "postal_code": "75002",
            "city": "Paris",
            "rcs_city": "Paris",
            "iban": "FR7630006000011234567890189",
            "bic": "AGRIFRPP",
            "invoice_prefix": "CTX",
            "credit_note_prefix": "CTX-AV",
            "primary_color": "#C9A227",
            "payment_terms_days": 30,
            "default_vat_rate": "5.5",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["configured"] is True and body["invoice_prefix"] == "CTX"
    assert body["seller_preview"]["name"] == "Calmness Trading SAS"
    after = invoice_for_payment(payment=make_payment(organization, payer))
    assert after.number.startswith("CTX-") and after.sequence == 2
    assert after.seller["name"] == "Calmness Trading SAS"
    assert after.vat_breakdown[0]["rate"] == "5.5"
    before.refresh_from_db()
    assert before.seller["name"] == "Calmness Trading" and before.number.startswith("CT-")


def test_put_resets_what_it_leaves_out(academy, client_for):
    organization, roles = academy
    api = client_for(roles[Role.ADMIN])
    api.patch(url(organization), {"legal_form": "SAS", "footer_text": "Merci"}, format="json")
    response = api.put(url(organization), {"legal_form": "SARL"}, format="json")
    assert response.status_code == 200
    profile = InvoicingProfile.objects.get(organization=organization)
    assert profile.legal_form == "SARL" and profile.footer_text == ""
    assert profile.invoice_prefix == "CT"


@pytest.mark.parametrize(
    "body",
    [
        {"siret": "12345678901234"},
        {"tva_number": "DE123"},
        {"ninea": "12"},
        {"rccm": "nope"},
        {"iban": "FR7630006000011234567890180"},
        {"bic": "bad"},
        {"primary_color": "gold"},
        {"text_color": "#12345"},
        {"number_pattern": "{prefix}-{date:%Y}"},
        {"number_pattern": "{seq}"},
        {"number_pattern": "{prefix}-{seq.real}"},
        {"invoice_prefix": "fac"},
        {"invoice_prefix": "AV", "credit_note_prefix": "AV"},
        {"default_vat_rate": "120"},
        {"payment_terms_days": 400},
        {"country": "US"},
        {"logo": "x"},
    ],
)
def test_bad_input_changes_nothing(academy, client_for, body):
    organization, roles = academy
    api = client_for(roles[Role.ADMIN])
    api.patch(url(organization), {"legal_form": "SAS"}, format="json")
    before = InvoicingProfile.objects.get(organization=organization)
    response = api.patch(url(organization), body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid"
    after = InvoicingProfile.objects.get(organization=organization)
    assert after.updated_at == before.updated_at


def test_write_permissions(academy, client_for):
    organization, roles = academy
    for user, status in (
        (roles[Role.MANAGER], 403),
        (roles[Role.MEMBER], 403),
        (buyer_user(email="staff@example.test", is_staff=True), 404),
        (buyer_user(email="outsider@example.test"), 404),
    ):
        response = client_for(user).patch(url(organization), {"legal_form": "SA"}, format="json")
        assert response.status_code == status
    assert not InvoicingProfile.objects.exists()
    assert client_for(roles[Role.ADMIN]).delete(url(organization)).status_code == 405
