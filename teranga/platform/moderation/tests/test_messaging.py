"""Messaging uses moderation: a flagged message opens a case its moderators see, a blocked
one is refused and logged, removing the case deletes the message."""

from __future__ import annotations

import pytest

from teranga.platform.messaging.models import ConversationKind, Message, ModerationStatus
from teranga.platform.messaging.services import (
    conversation_create,
    message_send,
    support_conversation_open,
    support_settings_update,
)
from teranga.platform.moderation.models import LogAction, ModerationCase, ModerationLogEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/moderation/cases/"


@pytest.fixture
def chat(orgs):
    alice, bob = orgs.one.member, orgs.two.member
    conversation, _ = conversation_create(
        creator=alice, kind=ConversationKind.PRIVATE, user_id=bob.pk
    )
    return conversation


def test_a_flagged_message_opens_a_case(orgs, chat):
    alice = orgs.one.member
    response = alice.api.post(
        f"/api/v1/conversations/{chat.pk}/messages/",
        {"body": "Envoie-moi le code Wave stp"},
        format="json",
    )
    assert response.status_code == 201, response.content
    message = Message.objects.get()
    assert message.moderation == ModerationStatus.FLAGGED
    case = ModerationCase.objects.get()
    assert (case.kind, case.object_id, case.author) == ("messaging.message", str(message.pk), alice)
    assert case.scope == f"messaging.conversation:{chat.pk}"
    # A private conversation belongs to no organisation: platform staff moderate it.
    assert orgs.one.owner.api.get(URL).json()["results"] == []
    [row] = orgs.staff.api.get(URL, {"kind": "messaging.message"}).json()["results"]
    assert row["kind_label"] and row["excerpt"] == "Envoie-moi le code Wave stp"
    removed = orgs.staff.api.post(f"{URL}{case.pk}/remove/", {}, format="json")
    assert removed.status_code == 200
    message.refresh_from_db()
    assert message.deleted_at is not None


def test_a_blocked_message_is_refused_and_logged(orgs, chat):
    alice = orgs.one.member
    response = alice.api.post(
        f"/api/v1/conversations/{chat.pk}/messages/", {"body": "espèce de connard"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "message_blocked"
    assert not Message.objects.exists() and not ModerationCase.objects.exists()
    entry = ModerationLogEntry.objects.get()
    assert (entry.action, entry.kind, entry.actor) == (
        LogAction.BLOCKED,
        "messaging.message",
        alice,
    )
    assert entry.excerpt == "espèce de connard"


def test_a_blocked_edit_is_refused_and_logged(orgs, chat):
    alice = orgs.one.member
    message, _ = message_send(sender=alice, conversation_id=chat.pk, body="bonjour")
    response = alice.api.patch(
        f"/api/v1/conversations/{chat.pk}/messages/{message.pk}/",
        {"body": "fuck you"},
        format="json",
    )
    assert response.status_code == 400
    message.refresh_from_db()
    assert message.body == "bonjour"
    entry = ModerationLogEntry.objects.get()
    assert (entry.action, entry.object_id) == (LogAction.BLOCKED, str(message.pk))


def test_support_conversations_are_moderated_by_the_organisation(orgs):
    organization = orgs.one.organization
    support_settings_update(organization=organization)
    client = orgs.outsider
    support_conversation_open(user=client, organization=organization.pk, body="c'est une arnaque")
    case = ModerationCase.objects.get()
    assert case.organization == organization
    for moderator in (orgs.one.owner, orgs.one.admin):
        assert [r["id"] for r in moderator.api.get(URL).json()["results"]] == [str(case.pk)]
    for other in (orgs.two.owner, orgs.one.member):
        assert other.api.get(URL).json()["results"] == []
    approved = orgs.one.admin.api.post(f"{URL}{case.pk}/approve/", {}, format="json")
    assert approved.status_code == 200
    message = Message.objects.get(sender=client, kind="text")
    assert message.moderation == ModerationStatus.OK and message.deleted_at is None
