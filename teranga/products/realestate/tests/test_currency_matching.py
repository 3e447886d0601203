"""Matching across currencies: a budget in euros matches properties priced in F CFA and
the other way round, at the fixed peg (655.957 F CFA = 1 €, ``core.money.convert``), in
both directions over HTTP, with the converted price in the explanation; the SQL
prefilters stay equal to the brute-force scoring around the converted bounds."""

from __future__ import annotations

import random

import pytest

from teranga.core.money import convert
from teranga.products.realestate.models import Client, ClientRequest, Property
from teranga.products.realestate.selectors import matching as selectors
from teranga.products.realestate.services.requests import request_create
from teranga.products.realestate.tests.factories import PropertyFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/realestate"


def test_money_convert_at_the_peg():
    assert convert(100, "EUR", "XOF") == 656  # 1 € = 655.957 F CFA, rounded half up
    assert convert(655_957, "XOF", "EUR") == 100_000  # exactly 1 000 €
    assert convert(60_000_000, "XOF", "EUR") == 9_146_941  # 91 469,41 €
    assert convert(1, "EUR", "XOF", rounding="down") == 6
    assert convert(1, "EUR", "XOF", rounding="up") == 7
    assert convert(5, "XOF", "XOF") == 5


@pytest.fixture
def client_record(agency):
    return Client.objects.create(organization=agency.org, name="Jean Dupont")


def create_request(agency, client_record, **extra):
    body = {
        "client": str(client_record.pk),
        "transaction": "sale",
        "alert_frequency": "none",
        **extra,
    }
    response = agency.api["agent"].post(
        f"{API}/organizations/{agency.org.pk}/requests/", body, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def price_line(match) -> dict:
    return next(line for line in match["details"] if line["field"] == "price")


def test_euro_budget_matches_cfa_prices(agency, client_record):
    fits = PropertyFactory(organization=agency.org, price=60_000_000)  # 91 469,41 €
    tolerated = PropertyFactory(organization=agency.org, price=68_000_000)  # 103 665,04 €
    over = PropertyFactory(organization=agency.org, price=75_000_000)  # 114 336,77 €
    PropertyFactory(organization=agency.other, price=60_000_000)  # another agency
    request_id = create_request(
        agency, client_record, budget_max=100_000_00, currency="EUR"
    )  # 100 000 €
    response = agency.api["agent"].get(f"{API}/requests/{request_id}/matches/")
    assert response.status_code == 200, response.content
    found = {match["property"]["id"]: match for match in response.json()}
    assert set(found) == {str(fits.pk), str(tolerated.pk)}
    line = price_line(found[str(fits.pk)])
    assert line["reason"] == "within_budget"
    assert line["converted_price"] == 9_146_941 and line["converted_currency"] == "EUR"
    assert "91" in line["converted_display"] and "€" in line["converted_display"]
    line = price_line(found[str(tolerated.pk)])
    assert line["reason"] == "over_budget_tolerated"
    assert line["converted_price"] == convert(68_000_000, "XOF", "EUR")
    assert str(over.pk) not in found


def test_cfa_budget_matches_euro_prices_from_the_property(agency, client_record):
    euro = PropertyFactory(organization=agency.org, price=90_000_00, currency="EUR")  # 90 000 €
    fits = create_request(agency, client_record, budget_max=60_000_000, currency="XOF")
    too_low = create_request(agency, client_record, budget_max=50_000_000, currency="XOF")
    same_currency = create_request(agency, client_record, budget_max=95_000_00, currency="EUR")
    response = agency.api["agent"].get(f"{API}/properties/{euro.pk}/matches/")
    assert response.status_code == 200, response.content
    found = {match["request"]["id"]: match for match in response.json()}
    assert set(found) == {fits, same_currency}
    assert too_low not in found
    line = price_line(found[fits])
    assert line["converted_price"] == 59_036_130 and line["converted_currency"] == "XOF"
    # The same currency: no conversion shown.
    assert "converted_price" not in price_line(found[same_currency])
    # Another agency's staff cannot read it.
    assert (
        agency.api["other_manager"].get(f"{API}/properties/{euro.pk}/matches/").status_code == 404
    )


def test_alert_recorded_across_currencies(
    agency, client_record, django_capture_on_commit_callbacks
):
    """The background matching (the same selectors) records the cross-currency hit."""
    with django_capture_on_commit_callbacks(execute=True):
        request_id = create_request(
            agency, client_record, budget_max=100_000_00, currency="EUR", alert_frequency="daily"
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = agency.api["agent"].post(
            f"{API}/organizations/{agency.org.pk}/properties/",
            {
                "property_type": "apartment",
                "transaction": "sale",
                "status": "available",
                "title": "Appartement à Mermoz",
                "price": 60_000_000,
                "currency": "XOF",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    req = ClientRequest.objects.get(pk=request_id)
    assert list(req.hits.values_list("property_id", flat=True)) == [
        Property.objects.get(pk=response.json()["id"]).pk
    ]


def test_prefilters_equal_brute_force_across_currencies(agency):
    """Budgets and prices in both currencies, many of them just around the converted
    bound: the SQL prefilters keep exactly what scoring every pair keeps, both ways."""
    rng = random.Random(655957)
    org = agency.org
    clients = [Client.objects.create(organization=org, name=f"Client {i}") for i in range(2)]
    budgets = []
    for _ in range(30):
        currency = rng.choice(["XOF", "EUR"])
        budget = rng.randrange(20_000_000, 90_000_000, 250_000)
        if currency == "EUR":
            budget = convert(budget, "XOF", "EUR")
        budgets.append((budget, currency))
        request_create(
            organization=org,
            actor=agency.users["agent"],
            client_id=rng.choice(clients).pk,
            transaction="sale",
            budget_max=budget,
            currency=currency,
        )
    for budget, currency in budgets[:12]:
        # Prices right at the bound (budget + 10 %), converted, and one unit around it.
        other = "EUR" if currency == "XOF" else "XOF"
        edge = convert(budget * 110 // 100, currency, other)
        for delta in (-2, -1, 0, 1, 2):
            PropertyFactory(organization=org, price=max(1, edge + delta), currency=other)
    for _ in range(20):
        currency = rng.choice(["XOF", "EUR"])
        price = rng.randrange(15_000_000, 110_000_000, 500_000)
        if currency == "EUR":
            price = convert(price, "XOF", "EUR")
        PropertyFactory(organization=org, price=price, currency=currency)
    weights = selectors.weights_of(selectors.weights_row(organization=org))

    def key(matches):
        return [(m.obj.pk, m.score, m.details) for m in matches]

    pairs = 0
    for prop in Property.objects.filter(organization=org):
        fast = selectors.property_matches(prop=prop, weights=weights, limit=None)
        assert key(fast) == key(selectors.property_matches_brute_force(prop=prop, weights=weights))
        pairs += sum(1 for m in fast if m.obj.currency != prop.currency)
    assert pairs > 20  # cross-currency pairs were found
    for req in ClientRequest.objects.filter(organization=org):
        fast = selectors.request_matches(req=req, weights=weights, limit=None)
        assert key(fast) == key(selectors.request_matches_brute_force(req=req, weights=weights))
