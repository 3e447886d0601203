"""Fixtures of the moderation tests: a test content kind (registered for the test only),
two organisations with their owners and admins, platform staff, logged-in clients."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
from django.db.models import Q

from conftest import authed_client, create_user
from teranga.core.registry import thawed
from teranga.platform.moderation.extensions import (
    ModerationKind,
    moderation_kinds,
    moderation_rules,
)
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory

_seq = itertools.count(1)

TEST_KIND = "testing.note"


def person(name: str, **extra):
    user = create_user(f"{name}{next(_seq)}@example.test", first_name=name.capitalize(), **extra)
    user.api = authed_client(user)
    return user


@pytest.fixture
def test_kind(db):
    """The kind ``testing.note``: moderated by the owners and admins of the case's
    organisation; records what was removed and restored. The registries are restored
    afterwards."""
    removed: list[str] = []
    restored: list[str] = []

    def moderators_q(user):
        organizations = Membership.objects.filter(
            user=user, role__in=[Role.OWNER, Role.ADMIN]
        ).values("organization_id")
        return Q(organization_id__in=organizations)

    kind = ModerationKind(
        label="Test note",
        moderators_q=moderators_q,
        on_remove=removed.append,
        on_restore=restored.append,
        link=lambda object_id: f"http://127.0.0.1:8000/o/testing.note/{object_id}/",
    )
    with thawed(moderation_kinds, moderation_rules):
        moderation_kinds.register(TEST_KIND, kind, origin="tests")
        yield SimpleNamespace(name=TEST_KIND, kind=kind, removed=removed, restored=restored)


@pytest.fixture
def orgs(db):
    """Two organisations, each with an owner, an admin and a plain member; platform staff;
    an outsider."""
    result = SimpleNamespace()
    for name in ("one", "two"):
        organization = OrganizationFactory()
        people = SimpleNamespace(organization=organization)
        for role in (Role.OWNER, Role.ADMIN, Role.MEMBER):
            user = person(f"{name}{role}")
            Membership.objects.create(organization=organization, user=user, role=role)
            setattr(people, role, user)
        setattr(result, name, people)
    result.staff = person("staff", is_staff=True)
    result.outsider = person("outsider")
    return result
