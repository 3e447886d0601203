"""The agency's colours over HTTP (``GET/PATCH …/organizations/{id}/branding/``): the
defaults, a change by an owner shown on the public listing page, bad colours refused with
nothing changed, roles and isolation."""

from __future__ import annotations

import pytest
from django.test import Client

from teranga.products.realestate.models import AgencyBranding
from teranga.products.realestate.tests.factories import PropertyFactory

pytestmark = pytest.mark.django_db


def url(organization) -> str:
    return f"/api/v1/realestate/organizations/{organization.pk}/branding/"


def test_defaults_then_the_owners_colours_on_the_listing_page(agency):
    prop = PropertyFactory(organization=agency.org, agent=agency.users["agent"])
    read = agency.api["agent"].get(url(agency.org))
    assert read.status_code == 200, read.content
    assert read.json() == {"primary_color": "#0f766e", "accent_color": "#0f766e"}
    assert not AgencyBranding.objects.exists()
    saved = agency.api["owner"].patch(url(agency.org), {"primary_color": "#AA3311"}, format="json")
    assert saved.status_code == 200, saved.content
    assert saved.json() == {"primary_color": "#aa3311", "accent_color": "#0f766e"}
    again = agency.api["admin"].patch(url(agency.org), {"accent_color": "#112233"}, format="json")
    assert again.json() == {"primary_color": "#aa3311", "accent_color": "#112233"}
    assert agency.api["manager"].get(url(agency.org)).json()["accent_color"] == "#112233"
    page = Client().get(f"/realestate/properties/{prop.pk}/")
    assert page.status_code == 200
    assert "--brand:#aa3311;--accent:#112233" in page.content.decode()
    # The other agency keeps the defaults.
    theirs = agency.api["other_manager"].get(url(agency.other)).json()
    assert theirs["primary_color"] == "#0f766e"


@pytest.mark.parametrize(
    "body",
    [
        {"primary_color": "red"},
        {"primary_color": "#12345"},
        {"primary_color": "#1234567"},
        {"accent_color": "#12345g"},
        {"accent_color": "#123456;}body{display:none"},
        {"primary_color": 5},
        {"primary_color": None},
    ],
)
def test_bad_colours_change_nothing(agency, body):
    agency.api["owner"].patch(url(agency.org), {"primary_color": "#000000"}, format="json")
    response = agency.api["owner"].patch(url(agency.org), body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == set(body)
    row = AgencyBranding.objects.get(organization=agency.org)
    assert (row.primary_color, row.accent_color) == ("#000000", "#0f766e")


def test_roles_and_isolation(agency):
    body = {"primary_color": "#abcdef"}
    for name in ("manager", "agent"):
        refused = agency.api[name].patch(url(agency.org), body, format="json")
        assert refused.status_code == 403, name
    assert agency.api["plain"].get(url(agency.org)).status_code == 403
    for name in ("other_manager", "client"):
        for method in ("get", "patch"):
            hidden = getattr(agency.api[name], method)(url(agency.org), body, format="json")
            assert hidden.status_code == 404, (name, method)
            assert hidden.json()["error"]["code"] == "organization_not_found"
    assert Client().get(url(agency.org)).status_code == 401
    assert not AgencyBranding.objects.exists()
