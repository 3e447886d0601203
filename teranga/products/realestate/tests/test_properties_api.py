"""Properties over HTTP: create, read, change, delete, history, plan limits, and who may
do what (403 for a low role, 404 across agencies, 401 without a token)."""

from __future__ import annotations

import pytest

from teranga.platform.payments.models import Plan, Subscription, SubscriptionStatus
from teranga.products.realestate.models import Property, PropertyChange, PropertyStatus
from teranga.products.realestate.tests.factories import PropertyFactory

API = "/api/v1/realestate"

pytestmark = pytest.mark.django_db


def create_url(organization) -> str:
    return f"{API}/organizations/{organization.pk}/properties/"


def body(**extra) -> dict:
    data = {
        "property_type": "villa",
        "transaction": "sale",
        "status": "available",
        "title": "Villa avec piscine aux Almadies",
        "description": (
            '<p>Belle villa <script>alert(1)</script><a href="javascript:x">lien</a></p>'
        ),
        "address": "Route des Almadies",
        "region": "DK",
        "commune": "Almadies",
        "latitude": 14.745,
        "longitude": -17.52,
        "price": 450_000_000,
        "surface": 350,
        "land_surface": 600,
        "rooms": 7,
        "bedrooms": 5,
        "bathrooms": 4,
        "year_built": 2019,
        "features": ["pool", "sea_view", "generator"],
        "energy_rating": "B",
    }
    data.update(extra)
    return data


def test_agent_lists_a_property_for_themselves(agency):
    response = agency.api["agent"].post(create_url(agency.org), body(), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["agent"]["id"] == str(agency.users["agent"].pk)
    assert data["agency"]["id"] == str(agency.org.pk)
    assert data["price"] == 450_000_000 and data["currency"] == "XOF"
    assert "450" in data["price_display"]
    assert data["features"] == ["pool", "sea_view", "generator"]
    assert data["region"] == "DK"
    assert data["energy_rating"] == "B" and data["climate_rating"] is None
    # Sanitised: the script and the javascript: link are gone.
    assert "script" not in data["description"] and "javascript" not in data["description"]
    assert data["page_url"].endswith(f"/realestate/properties/{data['id']}/")
    prop = Property.objects.get(pk=data["id"])
    assert prop.published_at is not None
    assert "almadies" in prop.search_text and "piscine" in prop.search_text
    # The creation is the first entry of the history: status, price and agent.
    fields = set(PropertyChange.objects.filter(property=prop).values_list("field", flat=True))
    assert fields == {"status", "price", "agent"}


def test_bad_input_is_400_and_nothing_changes(agency):
    client = agency.api["manager"]
    cases = [
        body(price=-1),
        body(property_type="castle"),
        body(latitude=14.7, longitude=None),
        body(features=["pool", "helipad"]),
        body(title="x" * 201),
        body(region="ZZ"),
        body(unknown="field"),
        body(energy_rating="H"),
    ]
    for case in cases:
        response = client.post(create_url(agency.org), case, format="json")
        assert response.status_code == 400, (case, response.content)
        assert response.json()["error"]["code"] == "invalid"
    assert not Property.objects.exists()


def test_agent_of_another_agency_is_refused(agency):
    stranger = agency.users["other_manager"]
    response = agency.api["manager"].post(
        create_url(agency.org), body(agent=str(stranger.pk)), format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "agent_not_member"
    assert not Property.objects.exists()


def test_permissions_on_create(agency):
    url = create_url(agency.org)
    # A plain member: 403; another agency's manager: 404; no token: 401.
    assert agency.api["plain"].post(url, body(), format="json").status_code == 403
    response = agency.api["other_manager"].post(url, body(), format="json")
    assert response.status_code == 404
    assert agency.api["client"].post(url, body(), format="json").status_code == 404
    from rest_framework.test import APIClient

    assert APIClient().post(url, body(), format="json").status_code == 401
    # An agent may not list for another agent; a manager may.
    other_agent = str(agency.users["agent2"].pk)
    response = agency.api["agent"].post(url, body(agent=other_agent), format="json")
    assert response.status_code == 403
    response = agency.api["manager"].post(url, body(agent=other_agent), format="json")
    assert response.status_code == 201
    assert Property.objects.count() == 1


def test_not_an_agency_is_400(agency):
    from teranga.platform.organizations.models import Membership, OrganizationKind, Role
    from teranga.platform.organizations.tests.factories import OrganizationFactory

    shop = OrganizationFactory(kind=OrganizationKind.BUSINESS)
    Membership.objects.create(organization=shop, user=agency.users["manager"], role=Role.MANAGER)
    response = agency.api["manager"].post(create_url(shop), body(), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "agency_kind_not_supported"


def test_update_records_history(agency):
    prop = PropertyFactory(organization=agency.org, agent=agency.users["agent"])
    url = f"{API}/properties/{prop.pk}/"
    response = agency.api["agent"].patch(
        url, {"price": 55_000_000, "status": "under_offer", "title": "Nouveau titre"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["price"] == 55_000_000
    # Reassigning is for managers.
    agent2 = str(agency.users["agent2"].pk)
    assert agency.api["agent"].patch(url, {"agent": agent2}, format="json").status_code == 403
    response = agency.api["manager"].patch(url, {"agent": agent2}, format="json")
    assert response.status_code == 200
    history = agency.api["agent"].get(f"{url}history/")
    assert history.status_code == 200
    rows = history.json()["results"]
    by_field = {(row["field"], row["old_value"], row["new_value"]) for row in rows}
    assert ("price", "60000000", "55000000") in by_field
    assert ("status", "available", "under_offer") in by_field
    assert ("agent", str(agency.users["agent"].pk), agent2) in by_field
    manager_row = next(row for row in rows if row["field"] == "agent")
    assert manager_row["actor"]["id"] == str(agency.users["manager"].pk)
    # The title is not history.
    assert not any(row["field"] == "title" for row in rows)


def test_update_permissions_and_isolation(agency):
    prop = PropertyFactory(organization=agency.org, agent=agency.users["agent"])
    url = f"{API}/properties/{prop.pk}/"
    # Another agent of the agency may read but not change it; a plain member may do
    # neither as staff; another agency gets 404.
    assert agency.api["agent2"].patch(url, {"price": 1}, format="json").status_code == 403
    assert agency.api["plain"].patch(url, {"price": 1}, format="json").status_code == 403
    response = agency.api["other_manager"].patch(url, {"price": 1}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "property_not_found"
    assert agency.api["other_manager"].get(f"{url}history/").status_code == 404
    assert agency.api["plain"].get(f"{url}history/").status_code == 403
    # Bad input: 400, nothing changed.
    response = agency.api["agent"].patch(url, {"price": "cher"}, format="json")
    assert response.status_code == 400
    prop.refresh_from_db()
    assert prop.price == 60_000_000
    assert not PropertyChange.objects.filter(property=prop).exists()


def test_delete_is_for_admins(agency):
    prop = PropertyFactory(organization=agency.org, agent=agency.users["agent"])
    url = f"{API}/properties/{prop.pk}/"
    assert agency.api["manager"].delete(url).status_code == 403
    assert agency.api["other_manager"].delete(url).status_code == 404
    assert Property.objects.filter(pk=prop.pk).exists()
    assert agency.api["admin"].delete(url).status_code == 204
    assert not Property.objects.filter(pk=prop.pk).exists()


def test_detail_visibility_and_views(agency):
    public = PropertyFactory(organization=agency.org)
    draft = PropertyFactory(organization=agency.org, status=PropertyStatus.DRAFT)
    from rest_framework.test import APIClient

    anonymous = APIClient()
    assert anonymous.get(f"{API}/properties/{public.pk}/").status_code == 200
    assert anonymous.get(f"{API}/properties/{public.pk}/").status_code == 200
    response = anonymous.get(f"{API}/properties/{draft.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "property_not_found"
    assert agency.api["client"].get(f"{API}/properties/{draft.pk}/").status_code == 404
    assert agency.api["other_manager"].get(f"{API}/properties/{draft.pk}/").status_code == 404
    assert agency.api["agent"].get(f"{API}/properties/{draft.pk}/").status_code == 200
    assert agency.api["staff"].get(f"{API}/properties/{draft.pk}/").status_code == 200
    agency.api["client"].get(f"{API}/properties/{public.pk}/")
    public.refresh_from_db()
    # The anonymous visitor once (same address and browser, same day), the client once.
    assert public.views_count == 2
    assert anonymous.get(f"{API}/properties/not-a-uuid/").status_code == 404


def test_unverified_agency_is_hidden(agency):
    from teranga.platform.organizations.models import VerificationStatus

    agency.org.verification_status = VerificationStatus.PENDING
    agency.org.save(update_fields=["verification_status"])
    prop = PropertyFactory(organization=agency.org)
    assert agency.api["client"].get(f"{API}/properties/{prop.pk}/").status_code == 404
    assert agency.api["agent"].get(f"{API}/properties/{prop.pk}/").status_code == 200


def _plan(organization, **limits):
    from datetime import timedelta

    from django.utils import timezone

    plan = Plan.objects.create(
        code="re-test",
        name="Test",
        limits=limits,
        price_monthly_xof=1000,
        price_yearly_xof=10000,
        price_monthly_eur=100,
        price_yearly_eur=1000,
    )
    now = timezone.now()
    Subscription.objects.create(
        organization=organization,
        plan=plan,
        period="monthly",
        currency="XOF",
        status=SubscriptionStatus.ACTIVE,
        current_period_start=now,
        current_period_end=now + timedelta(days=30),
    )


def test_plan_limit_on_listings(agency):
    _plan(agency.org, listings=2, agents=5)
    PropertyFactory(organization=agency.org, agent=agency.users["agent"])
    PropertyFactory(organization=agency.org, status=PropertyStatus.SOLD)
    response = agency.api["agent"].post(create_url(agency.org), body(), format="json")
    assert response.status_code == 201
    response = agency.api["agent"].post(create_url(agency.org), body(), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "plan_limit_reached"
    assert Property.objects.filter(organization=agency.org).count() == 3
    # A draft listed as sold does not count.
    response = agency.api["agent"].post(create_url(agency.org), body(status="sold"), format="json")
    assert response.status_code == 201


def test_plan_limit_on_agents(agency):
    _plan(agency.org, listings=100, agents=1)
    PropertyFactory(organization=agency.org, agent=agency.users["agent"])
    # The same agent: fine; a second agent with listings: refused.
    assert (
        agency.api["agent"].post(create_url(agency.org), body(), format="json").status_code == 201
    )
    response = agency.api["agent2"].post(create_url(agency.org), body(), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "plan_limit_reached"
