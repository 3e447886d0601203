"""Commissions over HTTP: the agency's rule (percentage or fixed, the agents' shares as
percentages or fixed amounts, the agency keeping the rest), recorded deals, an agent's
statement per period as JSON, CSV and PDF; agents see their own, managers everyone's;
isolation and bad input."""

from __future__ import annotations

import csv
import io

import pytest
from pypdf import PdfReader

from teranga.products.realestate.models import Commission, TransactionSettings
from teranga.products.realestate.services.commissions import commission_split, percent_of
from teranga.products.realestate.tests.factories import PropertyFactory
from tests.writes import unchanged

pytestmark = pytest.mark.django_db

BASE = "/api/v1/realestate"


def settings_url(agency) -> str:
    return f"{BASE}/organizations/{agency.org.pk}/transaction-settings/"


def commissions_url(agency) -> str:
    return f"{BASE}/organizations/{agency.org.pk}/commissions/"


def record(client, agency, prop, **body):
    return client.post(commissions_url(agency), {"property": str(prop.pk), **body}, format="json")


@pytest.fixture
def prop(agency):
    return PropertyFactory(organization=agency.org, agent=agency.users["agent"], price=80_000_000)


def test_percent_split_by_default(agency, prop):
    response = record(
        agency.api["manager"],
        agency,
        prop,
        deal_price=80_000_000,
        selling_agent=str(agency.users["agent2"].pk),
        deal_date="2026-03-10",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["total_amount"] == 4_000_000  # 5 %
    shares = {share["role"]: share for share in body["shares"]}
    assert shares["listing"]["agent"]["id"] == str(agency.users["agent"].pk)
    assert shares["listing"]["amount"] == 800_000  # 20 % of the commission
    assert shares["selling"]["agent"]["id"] == str(agency.users["agent2"].pk)
    assert shares["selling"]["amount"] == 1_200_000  # 30 %
    assert body["agency_amount"] == 2_000_000
    assert body["deal_date"] == "2026-03-10"


def test_fixed_amounts_and_rounding(agency, prop):
    response = agency.api["admin"].patch(
        settings_url(agency),
        {
            "commission_kind": "fixed_amount",
            "commission_value": 1_500_000,
            "listing_share_kind": "fixed_amount",
            "listing_share_value": 400_000,
            "selling_share_kind": "percentage",
            "selling_share_value": 3333,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["commission_kind"] == "fixed_amount"
    body = record(agency.api["manager"], agency, prop, deal_price=70_000_000).json()
    assert body["total_amount"] == 1_500_000
    shares = {share["role"]: share["amount"] for share in body["shares"]}
    # Listing fixed; selling 33.33 % of what the commission is, rounded half up.
    assert shares == {"listing": 400_000, "selling": 499_950}
    assert body["agency_amount"] == 1_500_000 - 400_000 - 499_950
    # A fixed share larger than the commission is cut to it; the agency keeps nothing
    # below zero.
    rule = TransactionSettings(
        commission_kind="fixed_amount",
        commission_value=100,
        listing_share_kind="fixed_amount",
        listing_share_value=80,
        selling_share_kind="fixed_amount",
        selling_share_value=80,
    )
    split = commission_split(rule, 1_000_000)
    assert (split.total, split.listing, split.selling, split.agency) == (100, 80, 20, 0)
    assert percent_of(1999, 5000) == 1000 and percent_of(1, 4999) == 0
    # Without a selling agent, their share stays with the agency.
    default = TransactionSettings()
    alone = commission_split(default, 10_000_000, selling=False)
    assert (alone.total, alone.listing, alone.selling, alone.agency) == (
        500_000,
        100_000,
        0,
        400_000,
    )


def test_settings_permissions_and_bad_input(agency):
    assert agency.api["agent"].get(settings_url(agency)).json()["deposit_bps"] == 1000
    with unchanged(TransactionSettings):
        assert (
            agency.api["manager"]
            .patch(settings_url(agency), {"hold_hours": 24}, format="json")
            .status_code
            == 403
        )
        assert (
            agency.api["other_manager"]
            .patch(settings_url(agency), {"hold_hours": 24}, format="json")
            .status_code
            == 404
        )
        too_much = agency.api["admin"].patch(
            settings_url(agency),
            {"listing_share_value": 6000, "selling_share_value": 5000},
            format="json",
        )
        assert too_much.status_code == 400
        assert "selling_share_value" in too_much.json()["error"]["fields"]
        assert (
            agency.api["admin"]
            .patch(settings_url(agency), {"hold_hours": 0}, format="json")
            .status_code
            == 400
        )
    changed = agency.api["admin"].patch(settings_url(agency), {"hold_hours": 24}, format="json")
    assert changed.status_code == 200 and changed.json()["hold_hours"] == 24


def test_statement_per_agent_and_period(agency, prop):
    manager = agency.api["manager"]
    other = PropertyFactory(organization=agency.org, agent=agency.users["agent2"], title="Duplex")
    for when, target, price in (
        ("2026-01-15", prop, 80_000_000),
        ("2026-02-10", other, 40_000_000),
        ("2026-04-01", prop, 20_000_000),
    ):
        assert (
            record(
                manager,
                agency,
                target,
                deal_price=price,
                deal_date=when,
                selling_agent=str(agency.users["agent"].pk),
            ).status_code
            == 201
        )
    url = f"{commissions_url(agency)}statement/"
    period = {"from": "2026-01-01", "to": "2026-03-31"}
    # The agent's own statement (default: the caller).
    body = agency.api["agent"].get(url, period).json()
    assert body["agent"]["id"] == str(agency.users["agent"].pk)
    lines = [(line["deal_date"], line["role"], line["amount"]) for line in body["lines"]]
    assert lines == [
        ("2026-01-15", "listing", 800_000),
        ("2026-01-15", "selling", 1_200_000),
        ("2026-02-10", "selling", 600_000),
    ]
    assert body["totals"] == [{"currency": "XOF", "amount": 2_600_000}]

    # CSV: a row per share, then the total.
    response = agency.api["agent"].get(url, {**period, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["deal_date", "property", "role"]
    assert [row[5] for row in rows[1:]] == ["800000", "1200000", "600000", "2600000"]
    assert rows[-1][0] == "total" and "Duplex" in rows[3][1]

    # PDF: the agency's name, the agent, the properties.
    response = agency.api["agent"].get(url, {**period, "format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert agency.org.name in text and "Moussa Fall" in text and "Duplex" in text
    assert "2 600 000" in text.replace("\u202f", " ").replace("\xa0", " ")

    # Another agent's statement: managers only.
    agent2 = str(agency.users["agent2"].pk)
    assert agency.api["agent"].get(url, {**period, "agent": agent2}).status_code == 403
    theirs = manager.get(url, {**period, "agent": agent2}).json()
    assert [line["role"] for line in theirs["lines"]] == ["listing"]
    assert agency.api["other_manager"].get(url, period).status_code == 404
    # Bad input: a period backwards, or missing.
    backwards = agency.api["agent"].get(url, {"from": "2026-03-01", "to": "2026-01-01"})
    assert backwards.status_code == 400
    assert agency.api["agent"].get(url, {"from": "2026-03-01"}).status_code == 400
    assert agency.api["agent"].get(url, {**period, "format": "xls"}).status_code == 400

    # The list: agents see the deals they share in, managers all.
    assert manager.get(commissions_url(agency)).json()["count"] == 3
    assert agency.api["agent2"].get(commissions_url(agency)).json()["count"] == 1
    assert (
        agency.api["agent2"]
        .get(commissions_url(agency), {"agent": str(agency.users["agent"].pk)})
        .status_code
        == 403
    )


def test_recording_permissions_isolation_and_bad_input(agency, prop):
    with unchanged(Commission):
        assert record(agency.api["agent"], agency, prop, deal_price=1000).status_code == 403
        assert record(agency.api["other_manager"], agency, prop, deal_price=1000).status_code == 404
        foreign = PropertyFactory(organization=agency.other)
        response = record(agency.api["manager"], agency, foreign, deal_price=1000)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "property_not_found"
        assert record(agency.api["manager"], agency, prop, deal_price=0).status_code == 400
        outsider = record(
            agency.api["manager"],
            agency,
            prop,
            deal_price=1000,
            listing_agent=str(agency.users["other_manager"].pk),
        )
        assert outsider.status_code == 400
        assert outsider.json()["error"]["code"] == "agent_not_member"
        plain = record(
            agency.api["manager"],
            agency,
            prop,
            deal_price=1000,
            selling_agent=str(agency.users["plain"].pk),
        )
        assert plain.json()["error"]["code"] == "agent_not_member"
    assert Commission.objects.count() == 0
