"""A university with a club, their staff, two students of the university, a student of
another university, and another organiser (for cross-tenant probes)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conftest import authed_client, create_user
from teranga.platform.organizations.models import Membership, Role

from .factories import UniversityFactory, club_of, student_of


class LoggedInClients(dict):
    """``campus.clients["student"]``: an API client logged in as that user, on first use."""

    def __init__(self, users):
        super().__init__()
        self.users = users

    def __missing__(self, name):
        client = self[name] = authed_client(self.users[name])
        return client


@pytest.fixture
def campus(db):
    """``campus.university``, ``.club`` (of the university), ``.other`` (another
    university); users ``manager`` (manager of the university), ``agent`` (agent, a
    scanner), ``club_admin`` (admin of the club), ``student``, ``student2`` (of the
    university), ``outsider`` (a student of ``other``), ``other_manager``;
    ``campus.clients[name]`` logs in."""
    university = UniversityFactory(name="Université Cheikh Anta Diop", slug="ucad")
    club = club_of(university, name="Club Tech UCAD", slug="club-tech-ucad")
    other = UniversityFactory(name="Université Gaston Berger", slug="ugb")
    users = {
        "manager": create_user("manager@ucad.test"),
        "agent": create_user("agent@ucad.test"),
        "club_admin": create_user("admin@club.test"),
        "student": create_user("student@ucad.test"),
        "student2": create_user("student2@ucad.test"),
        "outsider": create_user("student@ugb.test"),
        "other_manager": create_user("manager@ugb.test"),
    }
    for organization, name, role in (
        (university, "manager", Role.MANAGER),
        (university, "agent", Role.AGENT),
        (club, "club_admin", Role.ADMIN),
        (other, "other_manager", Role.MANAGER),
    ):
        Membership.objects.create(organization=organization, user=users[name], role=role)
    student_of(users["student"], university)
    student_of(users["student2"], university)
    student_of(users["outsider"], other)
    return SimpleNamespace(
        university=university,
        club=club,
        other=other,
        users=users,
        clients=LoggedInClients(users),
        **users,
    )
