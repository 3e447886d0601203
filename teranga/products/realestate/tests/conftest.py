"""Fixtures of the real-estate tests: a verified agency with its team (each with a
logged-in client), another agency, a client and platform staff."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import authed_client, create_user
from teranga.platform.geo.models import Region
from teranga.products.realestate.tests.factories import agency_with_team


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def dakar(db):
    return Region.objects.get_or_create(code="DK", defaults={"name": "Dakar", "slug": "dakar"})[0]


@pytest.fixture
def agency(db, dakar):
    organization, people = agency_with_team(name="Teranga Immo", slug="teranga-immo")
    other, other_people = agency_with_team(name="Autre Agence", slug="autre-agence")
    people["other_manager"] = other_people["manager"]
    people["client"] = create_user("client@example.test", first_name="Awa", last_name="Diop")
    people["staff"] = create_user("staff@example.test", is_staff=True)
    return SimpleNamespace(
        org=organization,
        other=other,
        users=people,
        api=LazyClients(people),
    )


class LazyClients(dict):
    """``api[name]``: a client logged in (a real JWT) as that person, on first use: a
    login costs a password hash, and most tests use two or three of the team."""

    def __init__(self, people: dict):
        super().__init__()
        self.people = people

    def __missing__(self, name: str):
        client = authed_client(self.people[name])
        self[name] = client
        return client


def png_upload(name="photo.png", size=(800, 600), colour=(200, 40, 40)) -> SimpleUploadedFile:
    output = io.BytesIO()
    Image.new("RGB", size, colour).save(output, format="PNG")
    return SimpleUploadedFile(name, output.getvalue(), content_type="image/png")


def pdf_upload(name="titre.pdf") -> SimpleUploadedFile:
    content = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, content, content_type="application/pdf")
