"""Fixtures of the messaging tests: people with logged-in API clients, conversations
made through the services, an organisation with a support desk."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from conftest import authed_client, create_user
from teranga.platform.messaging.models import ConversationKind
from teranga.platform.messaging.services import (
    conversation_create,
    message_send,
    support_settings_update,
)
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member

_seq = itertools.count(1)

#: Monday–Friday 09:00–18:00 (the organisation's time zone).
WEEKDAYS = [{"weekday": d, "opens": "09:00", "closes": "18:00"} for d in range(5)]


def person(name: str, **extra):
    user = create_user(
        f"{name}{next(_seq)}@example.test", first_name=name.capitalize(), last_name="Test", **extra
    )
    user.api = authed_client(user)
    return user


@pytest.fixture
def people(db):
    """Four classmates: members of one organisation, so that a group's owner adds them
    directly (``services.consent``); strangers are made with :func:`person`."""
    club = OrganizationFactory(name="Promo club", slug=f"promo-club-{next(_seq)}")
    classmates = SimpleNamespace(
        alice=person("alice"),
        bob=person("bob"),
        carol=person("carol"),
        dave=person("dave"),
    )
    for user in vars(classmates).values():
        Membership.objects.create(organization=club, user=user, role=Role.MEMBER)
    return classmates


@pytest.fixture
def private(people):
    conversation, _ = conversation_create(
        creator=people.alice, kind=ConversationKind.PRIVATE, user_id=people.bob.pk
    )
    return conversation


@pytest.fixture
def group(people):
    conversation, _ = conversation_create(
        creator=people.alice,
        kind=ConversationKind.GROUP,
        title="Promo 2026",
        participant_ids=[people.bob.pk, people.carol.pk],
    )
    return conversation


def send(sender, conversation, body="hello", **kwargs):
    message, _created = message_send(
        sender=sender, conversation_id=conversation.pk, body=body, **kwargs
    )
    return message


@pytest.fixture
def desk(db):
    """A verified organisation (Dakar time) with support enabled on weekday hours, its
    owner, an admin, two agents and a plain member, and a client; plus another
    organisation with its own agent."""
    organization = OrganizationFactory(
        name="Calmness Test", slug="calmness-test", time_zone="Africa/Dakar"
    )
    support = support_settings_update(
        organization=organization,
        business_hours=WEEKDAYS,
        auto_reply="Nous sommes fermés, nous répondrons à l'ouverture.",
        welcome_message="Bienvenue !",
        whatsapp="+221 77 123 45 67",
        telegram="@calmness_test",
        discord="https://discord.gg/abc123",
        email="support@calmness.test",
    )
    roles = {
        "owner": Role.OWNER,
        "admin": Role.ADMIN,
        "agent": Role.AGENT,
        "agent2": Role.AGENT,
        "plain": Role.MEMBER,
    }
    staff = {}
    for key, role in roles.items():
        user = member(organization, role, first_name=key.capitalize())
        user.api = authed_client(user)
        staff[key] = user
    other = OrganizationFactory(name="Other Org", slug="other-org")
    outsider = member(other, Role.OWNER, first_name="Outsider")
    outsider.api = authed_client(outsider)
    return SimpleNamespace(
        organization=organization,
        support=support,
        other=other,
        outsider=outsider,
        client=person("client"),
        **staff,
    )
