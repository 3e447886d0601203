"""A property marked sold or rented through the ordinary change (``PATCH
/properties/{id}/``) records the deal's commission under the agency's rule, once per deal:
not again on a second "sold", not after the explicit commission of the same deal, not
while a reservation is active (its conversion records it); a new deal after the
property was reopened gets its own. Isolation and permissions."""

from __future__ import annotations

import pytest

from teranga.products.realestate.models import Commission, Reservation, ReservationStatus
from teranga.products.realestate.tests.factories import PropertyFactory
from tests.writes import unchanged

pytestmark = pytest.mark.django_db

BASE = "/api/v1/realestate"


def url(prop) -> str:
    return f"{BASE}/properties/{prop.pk}/"


@pytest.fixture
def prop(agency):
    return PropertyFactory(organization=agency.org, agent=agency.users["agent"], price=80_000_000)


def test_marked_sold_records_the_commission_once(agency, prop):
    response = agency.api["agent"].patch(url(prop), {"status": "sold"}, format="json")
    assert response.status_code == 200, response.content
    commission = Commission.objects.get(property=prop)
    # The default rule: 5 % of the price; the listing agent 20 %, the selling agent 30 %.
    assert (commission.deal_price, commission.total_amount) == (80_000_000, 4_000_000)
    assert commission.currency == "XOF" and commission.reservation_id is None
    shares = {share.role: (share.agent_id, share.amount) for share in commission.shares.all()}
    assert shares == {
        "listing": (agency.users["agent"].pk, 800_000),
        "selling": (agency.users["agent"].pk, 1_200_000),
    }
    assert commission.agency_amount == 2_000_000
    # Listed by the managers' commission list (the same records as the explicit ones).
    listed = agency.api["manager"].get(f"{BASE}/organizations/{agency.org.pk}/commissions/")
    assert [row["id"] for row in listed.json()["results"]] == [str(commission.pk)]
    # "Sold" again, or another change of the sold property: no second commission.
    again = agency.api["agent"].patch(
        url(prop), {"status": "sold", "title": "Vendu"}, format="json"
    )
    assert again.status_code == 200
    assert Commission.objects.filter(property=prop).count() == 1


def test_rented_uses_the_agency_rule_and_the_new_price(agency):
    rental = PropertyFactory(
        organization=agency.org, agent=agency.users["agent"], transaction="rent", price=500_000
    )
    rule = agency.api["admin"].patch(
        f"{BASE}/organizations/{agency.org.pk}/transaction-settings/",
        {
            "deposit_bps": 1000,
            "rent_deposit_months": 2,
            "hold_hours": 48,
            "commission_kind": "fixed_amount",
            "commission_value": 300_000,
            "listing_share_kind": "percentage",
            "listing_share_value": 5000,
            "selling_share_kind": "fixed_amount",
            "selling_share_value": 0,
        },
        format="json",
    )
    assert rule.status_code == 200, rule.content
    response = agency.api["manager"].patch(
        url(rental), {"status": "rented", "price": 450_000}, format="json"
    )
    assert response.status_code == 200, response.content
    commission = Commission.objects.get(property=rental)
    assert (commission.deal_price, commission.total_amount) == (450_000, 300_000)
    assert commission.agency_amount == 150_000


def test_explicit_commission_of_the_deal_is_not_doubled(agency, prop):
    recorded = agency.api["manager"].post(
        f"{BASE}/organizations/{agency.org.pk}/commissions/",
        {"property": str(prop.pk), "deal_price": 78_000_000},
        format="json",
    )
    assert recorded.status_code == 201, recorded.content
    response = agency.api["manager"].patch(url(prop), {"status": "sold"}, format="json")
    assert response.status_code == 200
    assert list(Commission.objects.filter(property=prop).values_list("deal_price", flat=True)) == [
        78_000_000
    ]


def test_reopened_then_sold_again_is_a_new_deal(agency, prop):
    manager = agency.api["manager"]
    assert manager.patch(url(prop), {"status": "sold"}, format="json").status_code == 200
    assert manager.patch(url(prop), {"status": "available"}, format="json").status_code == 200
    assert Commission.objects.filter(property=prop).count() == 1
    assert (
        manager.patch(url(prop), {"status": "sold", "price": 70_000_000}, format="json").status_code
        == 200
    )
    assert sorted(
        Commission.objects.filter(property=prop).values_list("deal_price", flat=True)
    ) == [
        70_000_000,
        80_000_000,
    ]


def test_an_active_reservation_leaves_the_commission_to_its_conversion(agency, prop):
    Reservation.objects.create(
        organization=agency.org,
        property=prop,
        user=agency.users["client"],
        status=ReservationStatus.CONFIRMED,
        price=prop.price,
        deposit_amount=8_000_000,
        currency="XOF",
    )
    response = agency.api["manager"].patch(url(prop), {"status": "sold"}, format="json")
    assert response.status_code == 200
    assert not Commission.objects.filter(property=prop).exists()


def test_other_agency_and_low_roles_record_nothing(agency, prop):
    with unchanged(prop, Commission):
        response = agency.api["other_manager"].patch(url(prop), {"status": "sold"}, format="json")
        assert response.status_code == 404
        # Another agent of the agency: not their property.
        response = agency.api["agent2"].patch(url(prop), {"status": "sold"}, format="json")
        assert response.status_code in (403, 404)
        # Bad input: nothing recorded.
        response = agency.api["agent"].patch(
            url(prop), {"status": "sold", "price": -1}, format="json"
        )
        assert response.status_code == 400
