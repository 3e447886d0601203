"""The invoice endpoints: success, bad input (400, nothing changed), another tenant's
documents (404), roles (403), and query counts that do not grow with the page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teranga.platform.invoicing.models import Invoice, InvoiceKind, InvoiceSequence
from teranga.platform.invoicing.services import credit_note_issue, invoice_for_payment
from teranga.platform.invoicing.services.issuing import local_today
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import member
from tests.writes import unchanged

from .factories import BUYER_SIRET, buyer_user, fr_seller, make_payment, manager_of, sn_seller

pytestmark = pytest.mark.django_db

LIST = "/api/v1/invoices/"


def detail_url(invoice) -> str:
    return f"/api/v1/invoices/{invoice.pk}/"


@pytest.fixture
def world():
    """Two sellers; a buyer with an invoice from each; the roles of seller A."""
    seller_a, seller_b = fr_seller(), sn_seller()
    buyer = buyer_user()
    invoice_a = invoice_for_payment(payment=make_payment(seller_a, buyer))
    invoice_b = invoice_for_payment(payment=make_payment(seller_b, buyer))
    other_buyer = buyer_user(first_name="Moussa")
    other_buyer_invoice = invoice_for_payment(payment=make_payment(seller_a, other_buyer))
    roles = {role: member(seller_a, role) for role in (Role.ADMIN, Role.MANAGER, Role.MEMBER)}
    staff = buyer_user(email="staff@example.test", is_staff=True)
    outsider = buyer_user(email="outsider@example.test")
    manager_b = manager_of(seller_b)
    return {
        "a": seller_a,
        "b": seller_b,
        "buyer": buyer,
        "invoice_a": invoice_a,
        "invoice_b": invoice_b,
        "other_buyer_invoice": other_buyer_invoice,
        "staff": staff,
        "outsider": outsider,
        "manager_b": manager_b,
        **roles,
    }


def ids(response) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


# --- List ----------------------------------------------------------------------------------


def test_my_invoices_are_the_ones_issued_to_me(world, client_for):
    api = client_for(world["buyer"])
    response = api.get(LIST)
    assert response.status_code == 200
    assert ids(response) == {str(world["invoice_a"].pk), str(world["invoice_b"].pk)}
    row = next(r for r in response.json()["results"] if r["id"] == str(world["invoice_a"].pk))
    assert row["number"] == world["invoice_a"].number
    assert row["organization"]["name"] == world["a"].name
    assert row["total_ttc"] == 10000 and row["currency"] == "EUR"
    assert row["pdf_url"] == f"/api/v1/invoices/{world['invoice_a'].pk}/pdf/"
    assert client_for(world["outsider"]).get(LIST).json()["results"] == []


def test_an_organisations_invoices_for_its_managers_and_staff(world, client_for):
    query = {"organization": str(world["a"].pk)}
    expected = {str(world["invoice_a"].pk), str(world["other_buyer_invoice"].pk)}
    for user in (world[Role.MANAGER], world[Role.ADMIN], world["staff"]):
        response = client_for(user).get(LIST, query)
        assert response.status_code == 200
        assert ids(response) == expected
    member_response = client_for(world[Role.MEMBER]).get(LIST, query)
    assert member_response.status_code == 403
    for user in (world["outsider"], world["manager_b"], world["buyer"]):
        response = client_for(user).get(LIST, query)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "organization_not_found"


def test_list_filters_and_pagination(world, client_for):
    manager = world[Role.MANAGER]
    credit = credit_note_issue(
        actor=manager, invoice_id=world["invoice_a"].pk, amount=1000, reason="Geste"
    )
    api = client_for(manager)
    base = {"organization": str(world["a"].pk)}
    assert ids(api.get(LIST, {**base, "kind": "credit_note"})) == {str(credit.pk)}
    assert len(ids(api.get(LIST, {**base, "kind": "invoice"}))) == 2
    assert ids(api.get(LIST, {**base, "q": credit.number})) == {str(credit.pk)}
    assert ids(api.get(LIST, {**base, "q": "awa diop"})) == {
        str(world["invoice_a"].pk),
        str(credit.pk),
    }
    today = world["invoice_a"].issue_date
    assert len(ids(api.get(LIST, {**base, "date_from": today, "date_to": today}))) == 3
    assert ids(api.get(LIST, {**base, "date_from": today + timedelta(days=1)})) == set()
    page = api.get(LIST, {**base, "page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    # Newest first.
    assert page["results"][0]["id"] == str(credit.pk)


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "quote"},
        {"date_from": "2026-03-02", "date_to": "2026-03-01"},
        {"date_from": "yesterday"},
        {"organization": "not-a-uuid"},
        {"unknown": "1"},
    ],
)
def test_list_bad_input(world, client_for, query):
    response = client_for(world["buyer"]).get(LIST, query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_list_needs_a_login(api):
    assert api.get(LIST).status_code == 401


def test_list_queries_do_not_grow_with_the_page(client_for):
    organization = sn_seller()
    manager = manager_of(organization)
    buyer = buyer_user()
    api = client_for(manager)
    buyer_api = client_for(buyer)

    def counts():
        with CaptureQueriesContext(connection) as org_queries:
            assert api.get(LIST, {"organization": str(organization.pk)}).status_code == 200
        with CaptureQueriesContext(connection) as buyer_queries:
            assert buyer_api.get(LIST).status_code == 200
        return len(org_queries), len(buyer_queries)

    invoice = invoice_for_payment(payment=make_payment(organization, buyer))
    credit_note_issue(actor=manager, invoice_id=invoice.pk, amount=100, reason="x")
    small = counts()
    for _ in range(12):
        invoice = invoice_for_payment(payment=make_payment(organization, buyer))
        credit_note_issue(actor=manager, invoice_id=invoice.pk, amount=100, reason="x")
    assert counts() == small


# --- Detail and PDF --------------------------------------------------------------------------


def test_detail_for_the_buyer_and_the_sellers_managers(world, client_for):
    invoice = world["invoice_a"]
    credit = credit_note_issue(
        actor=world[Role.MANAGER], invoice_id=invoice.pk, amount=2500, reason="Geste"
    )
    for user in (world["buyer"], world[Role.MANAGER], world["staff"]):
        response = client_for(user).get(detail_url(invoice))
        assert response.status_code == 200
        body = response.json()
        assert body["number"] == invoice.number and body["kind"] == "invoice"
        assert body["seller"]["siret"] == "73282932000074"
        assert body["buyer"]["name"] == "Awa Diop"
        assert body["lines"][0]["total_ttc"] == 10000
        assert body["vat_breakdown"] == invoice.vat_breakdown
        assert {m["code"] for m in body["mentions"]} >= {"late_penalty", "early_payment"}
        assert body["credit_notes"] == [
            {
                "id": str(credit.pk),
                "number": credit.number,
                "issue_date": str(credit.issue_date),
                "total_ttc": 2500,
            }
        ]
        assert body["credited_amount"] == 2500 and body["remaining_amount"] == 7500
    credit_body = client_for(world["buyer"]).get(detail_url(credit)).json()
    assert credit_body["credit_of"] == {"id": str(invoice.pk), "number": invoice.number}
    assert credit_body["remaining_amount"] is None


def test_detail_of_someone_elses_invoice(world, client_for):
    invoice = world["invoice_a"]
    for user in (world["outsider"], world["manager_b"]):
        response = client_for(user).get(detail_url(invoice))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "invoice_not_found"
    # The buyer of another invoice of the same seller.
    assert client_for(world["buyer"]).get(detail_url(world["other_buyer_invoice"])).status_code == (
        404
    )
    assert client_for(world[Role.MEMBER]).get(detail_url(invoice)).status_code == 403
    missing = client_for(world["buyer"]).get(
        "/api/v1/invoices/00000000-0000-0000-0000-000000000000/"
    )
    assert missing.status_code == 404


def test_pdf_download(world, client_for):
    invoice = world["invoice_a"]
    response = client_for(world["buyer"]).get(f"{detail_url(invoice)}pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert Invoice.objects.get(pk=invoice.pk).pdf  # stored on first download
    again = client_for(world[Role.MANAGER]).get(f"{detail_url(invoice)}pdf/")
    assert again.status_code == 200 and again.content == response.content
    for user, status in (
        (world["outsider"], 404),
        (world["manager_b"], 404),
        (world[Role.MEMBER], 403),
    ):
        denied = client_for(user).get(f"{detail_url(invoice)}pdf/")
        assert denied.status_code == status
        assert denied["Content-Type"].startswith("application/json")


# --- Credit notes ----------------------------------------------------------------------------


def credit_url(invoice) -> str:
    return f"/api/v1/invoices/{invoice.pk}/credit-note/"


def test_partial_then_full_credit_then_nothing_left(world, client_for):
    invoice = world["invoice_a"]
    api = client_for(world[Role.MANAGER])
    partial = api.post(credit_url(invoice), {"amount": 3000, "reason": "Geste"}, format="json")
    assert partial.status_code == 201
    body = partial.json()
    assert body["kind"] == "credit_note" and body["total_ttc"] == 3000
    assert body["credit_of"]["number"] == invoice.number and body["reason"] == "Geste"
    rest = api.post(credit_url(invoice), {"reason": "Annulation"}, format="json")
    assert rest.status_code == 201 and rest.json()["total_ttc"] == 7000
    done = api.post(credit_url(invoice), {"reason": "Encore"}, format="json")
    assert done.status_code == 409 and done.json()["error"]["code"] == "fully_credited"
    credits = Invoice.objects.filter(credit_of=invoice)
    assert sum(c.total_ht for c in credits) == invoice.total_ht
    assert sum(c.total_tva for c in credits) == invoice.total_tva


def test_a_full_credit_note_mirrors_the_invoice(world, client_for):
    invoice = world["invoice_a"]
    response = client_for(world[Role.MANAGER]).post(
        credit_url(invoice), {"reason": "Annulation"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["total_ht"], body["total_tva"], body["total_ttc"]) == (
        invoice.total_ht,
        invoice.total_tva,
        invoice.total_ttc,
    )
    assert [line["description"] for line in body["lines"]] == ["Formation trading"]


def test_over_credit_is_refused_and_changes_nothing(world, client_for):
    invoice = world["invoice_a"]
    api = client_for(world[Role.MANAGER])
    response = api.post(credit_url(invoice), {"amount": 10001, "reason": "Trop"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "credit_exceeds_invoice"
    assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()
    assert not InvoiceSequence.objects.filter(series="credit_note").exists()


def test_a_credit_note_cannot_be_credited(world, client_for):
    api = client_for(world[Role.MANAGER])
    credit = api.post(credit_url(world["invoice_a"]), {"amount": 10, "reason": "x"}, format="json")
    with unchanged(Invoice, InvoiceSequence):
        response = api.post(
            f"/api/v1/invoices/{credit.json()['id']}/credit-note/", {"reason": "x"}, format="json"
        )
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_an_invoice"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reason": ""},
        {"amount": 0, "reason": "x"},
        {"amount": -5, "reason": "x"},
        {"amount": "beaucoup", "reason": "x"},
        {"amount": 100, "reason": "x", "lines": []},
        {"amount": 100, "reason": "x" * 301},
    ],
)
def test_credit_note_bad_input(world, client_for, body):
    response = client_for(world[Role.MANAGER]).post(
        credit_url(world["invoice_a"]), body, format="json"
    )
    assert response.status_code == 400
    assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()


def test_credit_note_permissions(world, client_for):
    invoice = world["invoice_a"]
    body = {"amount": 100, "reason": "x"}
    for user, status in (
        (world[Role.MEMBER], 403),
        (world["buyer"], 403),  # sees the invoice, may not credit it
        (world["staff"], 404),  # staff read, but do not act for the seller
        (world["outsider"], 404),
        (world["manager_b"], 404),
    ):
        response = client_for(user).post(credit_url(invoice), body, format="json")
        assert response.status_code == status, user
    assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()


# --- Manual invoices -------------------------------------------------------------------------


def manual_body(organization, **changes):
    body = {
        "organization": str(organization.pk),
        "buyer": {
            "name": "Entreprise Cliente SARL",
            "address_line1": "5 avenue Foch",
            "postal_code": "75016",
            "city": "Paris",
            "country": "FR",
            "is_business": True,
            "siret": BUYER_SIRET,
            "vat_number": "FR12443061841",
        },
        "lines": [
            {"description": "Audit", "quantity": "1.5", "unit_price": 80000, "vat_rate": "20"},
            {"description": "Frais", "unit_price": 1999},
        ],
        "due_date": str(local_today(organization) + timedelta(days=45)),  # its own day
        "notes": "Bon de commande 77",
    }
    body.update(changes)
    return body


def test_a_manager_issues_a_manual_invoice(client_for):
    organization = fr_seller()
    api = client_for(manager_of(organization))
    response = api.post(LIST, manual_body(organization), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("CT-") and body["kind"] == "invoice"
    assert body["prices_include_tax"] is False and body["paid"] is False
    # 1.5 × 800.00 + 19.99 at the default 20 %: HT 1 219.99, VAT 244.00 (243.998).
    assert (body["total_ht"], body["total_tva"], body["total_ttc"]) == (121999, 24400, 146399)
    assert body["due_date"] == manual_body(organization)["due_date"]
    assert body["buyer"]["siret"] == BUYER_SIRET and body["buyer_is_business"] is True
    assert "recovery_indemnity" in {m["code"] for m in body["mentions"]}
    assert "Paiement à 45 jours" in body["payment_terms"]
    assert body["notes"] == "Bon de commande 77"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"lines": []}, "invalid"),
        ({"lines": [{"description": "x", "unit_price": 100, "vat_rate": "150"}]}, "invalid"),
        ({"lines": [{"description": "x", "unit_price": 100, "quantity": "0"}]}, "invalid"),
        ({"lines": [{"description": "x", "unit_price": 1.5}]}, "invalid"),
        ({"lines": [{"description": "x", "unit_price": 100, "colour": "red"}]}, "invalid"),
        ({"lines": [{"description": "x", "unit_price": -100}]}, "invalid_total"),
        (
            {"lines": [{"description": "x", "unit_price": 10**12, "quantity": "999999"}]},
            "amount_too_large",
        ),
        ({"buyer": {"name": "X", "siret": "12345678901234"}}, "invalid"),
        ({"buyer": {"name": ""}}, "invalid"),
        ({"buyer": {"name": "X", "country": "France"}}, "invalid"),
        ({"due_date": str(date.today() - timedelta(days=30))}, "due_date_in_past"),  # any zone
        ({"currency": "USD"}, "invalid"),
        ({"total": 5}, "invalid"),
    ],
)
def test_manual_invoice_bad_input_changes_nothing(client_for, changes, code):
    organization = fr_seller()
    api = client_for(manager_of(organization))
    response = api.post(LIST, manual_body(organization, **changes), format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == code
    assert not Invoice.objects.exists()
    assert not InvoiceSequence.objects.exists()


def test_an_exempt_seller_cannot_charge_vat(client_for):
    organization = fr_seller(vat_exempt=True)
    api = client_for(manager_of(organization))
    refused = api.post(LIST, manual_body(organization), format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "vat_exempt_seller"
    lines = [{"description": "Coaching", "unit_price": 50000}]
    accepted = api.post(LIST, manual_body(organization, lines=lines), format="json")
    assert accepted.status_code == 201
    assert accepted.json()["total_tva"] == 0
    assert accepted.json()["vat_breakdown"][0]["category"] == "E"


def test_manual_invoice_permissions(client_for):
    organization, other = fr_seller(), sn_seller()
    body = manual_body(organization)
    for user, status in (
        (member(organization, Role.MEMBER), 403),
        (member(organization, Role.AGENT), 403),
        (manager_of(other), 404),
        (buyer_user(email="staffer@example.test", is_staff=True), 404),
    ):
        assert client_for(user).post(LIST, body, format="json").status_code == status
    missing = {**body, "organization": "00000000-0000-0000-0000-000000000000"}
    assert client_for(manager_of(organization)).post(LIST, missing, format="json").status_code == (
        404
    )
    assert not Invoice.objects.exists()
