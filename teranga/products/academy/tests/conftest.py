"""A French academy (EUR, Paris time) with its staff, two members, and another academy
with its manager (for cross-tenant probes)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conftest import authed_client, create_user
from teranga.platform.organizations.models import Membership, Role

from .factories import AcademyFactory, FormationFactory


class LoggedInClients(dict):
    """``academy.clients["member"]``: an API client logged in as that user, on first use."""

    def __init__(self, users):
        super().__init__()
        self.users = users

    def __missing__(self, name):
        client = self[name] = authed_client(self.users[name])
        return client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.INVOICING_RENDER_ON_ISSUE = False


@pytest.fixture
def academy(db):
    """``academy.org`` (Calmness Trading, verified, FR seller with SIRET and TVA),
    ``.other`` (another academy); ``.formation`` (published, 499.00 EUR); users
    ``owner``, ``manager``, ``instructor`` (agent), ``member``, ``member2``,
    ``other_manager``; ``academy.clients[name]`` logs in."""
    org = AcademyFactory(
        name="Calmness Trading",
        slug="calmness-trading-test",
        siret="73282932000074",
        tva_number="FR44732829320",
    )
    other = AcademyFactory(name="Autre Académie", slug="autre-academie")
    users = {
        "owner": create_user("owner@calmness.test", first_name="Olivia", last_name="Owner"),
        "manager": create_user("manager@calmness.test"),
        "instructor": create_user("instructor@calmness.test", first_name="Awa"),
        "member": create_user("member@calmness.test", first_name="Moussa", last_name="Diop"),
        "member2": create_user("member2@calmness.test"),
        "other_manager": create_user("manager@autre.test"),
    }
    for organization, name, role in (
        (org, "owner", Role.OWNER),
        (org, "manager", Role.MANAGER),
        (org, "instructor", Role.AGENT),
        (other, "other_manager", Role.MANAGER),
    ):
        Membership.objects.create(organization=organization, user=users[name], role=role)
    formation = FormationFactory(
        organization=org, title="Trading Forex — les bases", instructor=users["instructor"]
    )
    return SimpleNamespace(
        org=org,
        other=other,
        formation=formation,
        users=users,
        clients=LoggedInClients(users),
        **users,
    )


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    if code is not None:
        assert body["error"]["code"] == code, body
    return body
