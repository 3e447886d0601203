"""The public listing page (agency branding, languages), the property sheet PDF (API and
page), the link kind and the demo."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.test import Client
from pypdf import PdfReader
from rest_framework.test import APIClient

from teranga.platform.analytics.tests.factories import SiteFactory
from teranga.products.realestate.models import Property, PropertyStatus, features_mask
from teranga.products.realestate.tests.conftest import png_upload
from teranga.products.realestate.tests.factories import PropertyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(agency, media_root):
    prop = PropertyFactory(
        organization=agency.org,
        agent=agency.users["agent"],
        title="Villa avec piscine aux Almadies",
        features=features_mask(["pool", "sea_view"]),
        charges=None,
    )
    response = agency.api["agent"].post(
        f"/api/v1/realestate/properties/{prop.pk}/images/",
        {"image": png_upload()},
        format="multipart",
    )
    assert response.status_code == 201
    return prop


@pytest.mark.parametrize(
    ("language", "words"),
    [
        # The French and Wolof words come with the catalogue (teranga/locale).
        ("fr", ["Villa avec piscine"]),
        ("en", ["Swimming pool", "Open in the app", "Property sheet (PDF)"]),
    ],
)
def test_public_page_in_a_language(listed, agency, language, words):
    response = Client().get(f"/realestate/properties/{listed.pk}/", {"lang": language})
    assert response.status_code == 200
    assert response["Content-Language"] == language
    html = response.content.decode()
    assert listed.title in html and agency.org.name in html
    assert 'name="viewport"' in html
    assert "/o/realestate.property/" in html
    for word in words:
        assert word in html, word
    listed.refresh_from_db()
    assert listed.views_count == 1


def test_public_page_in_wolof(listed):
    response = Client().get(f"/realestate/properties/{listed.pk}/", {"lang": "wo"})
    assert response.status_code == 200
    assert response["Content-Language"] == "wo"


def test_public_page_sends_its_views_to_the_agencys_analytics_site(listed, agency):
    assert (
        "teranga-analytics.js"
        not in Client().get(f"/realestate/properties/{listed.pk}/").content.decode()
    )
    site = SiteFactory(organization=agency.org, domains=["digit-hab.example"])
    cache.clear()  # the tag caches "no site" for a minute
    html = Client().get(f"/realestate/properties/{listed.pk}/").content.decode()
    assert f'data-site="{site.public_id}"' in html
    assert 'src="/static/analytics/teranga-analytics.js"' in html


def test_public_page_only_for_public_properties(agency):
    draft = PropertyFactory(organization=agency.org, status=PropertyStatus.DRAFT)
    assert Client().get(f"/realestate/properties/{draft.pk}/").status_code == 404
    # Even the agency's own staff: the page is what the public sees.
    client = Client()
    client.force_login(agency.users["agent"])
    assert client.get(f"/realestate/properties/{draft.pk}/").status_code == 404


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(page.extract_text() for page in reader.pages)


def test_sheet_pdf_opens(listed, agency):
    response = APIClient().get(f"/api/v1/realestate/properties/{listed.pk}/sheet/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "Villa avec piscine" in text and agency.org.name in text
    reader = PdfReader(io.BytesIO(response.content))
    assert any("/XObject" in page["/Resources"] for page in reader.pages)  # the photo
    page = Client().get(f"/realestate/properties/{listed.pk}/sheet/", {"lang": "en"})
    assert page.status_code == 200
    assert "Swimming pool" in _pdf_text(page.content)


def test_sheet_visibility(agency):
    draft = PropertyFactory(organization=agency.org, status=PropertyStatus.DRAFT)
    url = f"/api/v1/realestate/properties/{draft.pk}/sheet/"
    response = APIClient().get(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "property_not_found"
    assert agency.api["other_manager"].get(url).status_code == 404
    assert agency.api["agent"].get(url).status_code == 200


def test_link_summary(agency, listed):
    from teranga.core.links import link_kinds

    kind = link_kinds.get("realestate.property")
    rows = dict(kind.summary(agency.users["client"], str(listed.pk)))
    assert listed.title in rows.values()
    draft = PropertyFactory(organization=agency.org, status=PropertyStatus.DRAFT)
    assert kind.summary(agency.users["client"], str(draft.pk)) is None


def test_demo_loads_once(db, media_root, dakar):
    from teranga.platform.organizations.models import Membership, Role
    from teranga.products.realestate.demo import load
    from teranga.products.realestate.tests.factories import AgencyFactory

    agency = AgencyFactory(slug="digit-hab", name="DIGIT-HAB")
    logins = load(password="Demo-Password-2026!")
    assert {role for _email, role, _note in logins} == {"manager", "agent", "client"}
    assert Membership.objects.filter(organization=agency, role=Role.AGENT).count() == 2
    properties = Property.objects.filter(organization=agency)
    assert properties.count() == 200
    assert properties.filter(status=PropertyStatus.AVAILABLE).count() > 100
    assert properties.filter(images__is_primary=True).distinct().count() == 10
    assert set(properties.values_list("currency", flat=True)) == {"XOF"}
    for prop in properties[:50]:
        assert 14.6 < prop.latitude < 14.85 and -17.55 < prop.longitude < -17.2
    # The demo agency's public search answers through the API.
    response = APIClient().get("/api/v1/realestate/properties/", {"commune": "Almadies"})
    assert response.status_code == 200 and response.json()["results"]
    load(password="Demo-Password-2026!")
    assert Property.objects.filter(organization=agency).count() == 200
