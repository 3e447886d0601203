"""Group chats need consent (issue 15, defect 9: any user could put any user into a group
conversation with ``POST /api/v1/conversations/``, and it appeared in the victim's inbox).

Through HTTP, as a stranger and as the person they target:

* a stranger's group does not appear in the victim's inbox and its messages stay
  hidden: the victim gets an invitation (listed apart, notified) to accept or decline;
* colleagues (one organisation) and people who took part in a conversation with the
  adder are added directly; merely being in a private conversation the adder opened is
  not consent;
* a participant leaves a group and stops hearing from it;
* a block keeps two people apart: no private conversation, no group add or invitation,
  no new message in their private conversation, either way.
"""

from __future__ import annotations

import pytest

from conftest import authed_client, create_user
from teranga.platform.messaging.models import Conversation, GroupInvitation, Participant
from teranga.platform.notifications.models import Notification
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

CONVERSATIONS = "/api/v1/conversations/"
INVITATIONS = "/api/v1/conversations/invitations/"
BLOCKS = "/api/v1/messaging/blocks/"


def person(email: str):
    user = create_user(email, first_name=email.split("@")[0].capitalize(), last_name="Test")
    user.api = authed_client(user)
    return user


@pytest.fixture
def stranger():
    return person("mallory@consent.test")


@pytest.fixture
def victim():
    return person("victim@consent.test")


def create_group(owner, *members, title="Promo") -> dict:
    response = owner.api.post(
        CONVERSATIONS,
        {"kind": "group", "title": title, "participants": [str(m.pk) for m in members]},
    )
    assert response.status_code == 201, response.content
    return response.json()


def inbox_ids(user) -> set[str]:
    response = user.api.get(CONVERSATIONS)
    assert response.status_code == 200
    return {item["id"] for item in response.json()["results"]}


def send(user, conversation_id, body="hello"):
    return user.api.post(f"{CONVERSATIONS}{conversation_id}/messages/", {"body": body})


def participants_of(conversation_id) -> set[str]:
    return {
        str(user_id)
        for user_id in Participant.objects.filter(
            conversation_id=conversation_id, left_at__isnull=True
        ).values_list("user_id", flat=True)
    }


def colleagues(*users):
    organization = OrganizationFactory()
    for user in users:
        Membership.objects.create(organization=organization, user=user, role=Role.MEMBER)


# --- A stranger's group: an invitation, not membership ------------------------------------


def test_a_stranger_cannot_put_someone_into_a_group(stranger, victim):
    group = create_group(stranger, victim, title="Gagnez 1 000 000 FCFA")
    assert send(stranger, group["id"], "Cliquez ici").status_code == 201

    # Not in the victim's inbox, not readable, not a participant.
    assert group["id"] not in inbox_ids(victim)
    assert victim.api.get(f"{CONVERSATIONS}{group['id']}/").status_code == 404
    assert victim.api.get(f"{CONVERSATIONS}{group['id']}/messages/").status_code == 404
    assert participants_of(group["id"]) == {str(stranger.pk)}
    assert [p["user"]["id"] for p in group["participants"]] == [str(stranger.pk)]
    # No notification of its messages: an invitation, once.
    kinds = list(Notification.objects.filter(recipient=victim).values_list("kind", flat=True))
    assert kinds == ["chat.invitation"]

    # The owner sees the pending invitation; the victim sees it in their own list.
    assert [i["user"]["id"] for i in group["pending_invitations"]] == [str(victim.pk)]
    invitations = victim.api.get(INVITATIONS).json()["results"]
    assert [(i["conversation"]["id"], i["status"]) for i in invitations] == [
        (group["id"], "pending")
    ]
    assert invitations[0]["invited_by"]["id"] == str(stranger.pk)
    assert "body" not in str(invitations[0])  # no message leaks through it


def test_adding_a_stranger_later_invites_them(stranger, victim):
    group = create_group(stranger)
    response = stranger.api.post(
        f"{CONVERSATIONS}{group['id']}/participants/", {"user": str(victim.pk)}
    )
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "pending"
    assert group["id"] not in inbox_ids(victim)
    # Asking again is the same invitation, and tells the victim once.
    again = stranger.api.post(
        f"{CONVERSATIONS}{group['id']}/participants/", {"user": str(victim.pk)}
    )
    assert again.status_code == 202
    assert again.json()["id"] == response.json()["id"]
    assert Notification.objects.filter(recipient=victim, kind="chat.invitation").count() == 1


def test_accepting_joins_and_declining_keeps_out(stranger, victim):
    group = create_group(stranger, victim)
    invitation = victim.api.get(INVITATIONS).json()["results"][0]

    # Nobody else answers someone's invitation.
    other = person("other@consent.test")
    assert other.api.post(f"{INVITATIONS}{invitation['id']}/accept/").status_code == 404
    assert stranger.api.post(f"{INVITATIONS}{invitation['id']}/accept/").status_code == 404

    accepted = victim.api.post(f"{INVITATIONS}{invitation['id']}/accept/")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["my_role"] == "member"
    assert group["id"] in inbox_ids(victim)
    assert send(victim, group["id"], "Merci").status_code == 201
    assert victim.api.get(INVITATIONS).json()["results"] == []
    # Answered: it cannot be answered again.
    assert victim.api.post(f"{INVITATIONS}{invitation['id']}/decline/").status_code == 404

    # Having written in the group, the victim now takes part in a conversation with the
    # stranger: the stranger's next group adds them directly.
    third = create_group(stranger, victim, title="Third")
    assert third["id"] in inbox_ids(victim)

    # Someone else's invitation, declined.
    second = create_group(other, victim, title="Another")
    pending = victim.api.get(INVITATIONS).json()["results"][0]
    assert victim.api.post(f"{INVITATIONS}{pending['id']}/decline/").status_code == 204
    assert second["id"] not in inbox_ids(victim)
    assert participants_of(second["id"]) == {str(other.pk)}
    # Declined: the group may not pester them again right away.
    again = other.api.post(f"{CONVERSATIONS}{second['id']}/participants/", {"user": str(victim.pk)})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invitation_declined"


def test_an_owner_withdraws_a_pending_invitation(stranger, victim):
    group = create_group(stranger, victim)
    withdrawn = stranger.api.delete(f"{CONVERSATIONS}{group['id']}/participants/{victim.pk}/")
    assert withdrawn.status_code == 204
    assert victim.api.get(INVITATIONS).json()["results"] == []
    assert GroupInvitation.objects.get(user=victim).status == "cancelled"


# --- Who is added directly ------------------------------------------------------------------


def test_colleagues_and_correspondents_are_added_directly(stranger, victim):
    owner = person("owner@consent.test")
    colleague = person("colleague@consent.test")
    friend = person("friend@consent.test")
    colleagues(owner, colleague)
    # friend wrote to owner in their private conversation: they know each other.
    private = owner.api.post(CONVERSATIONS, {"kind": "private", "user": str(friend.pk)}).json()
    assert send(friend, private["id"], "Salut !").status_code == 201
    # victim is in a private conversation owner opened, but never answered: not consent.
    owner.api.post(CONVERSATIONS, {"kind": "private", "user": str(victim.pk)})

    group = create_group(owner, colleague, friend, victim)

    assert participants_of(group["id"]) == {str(owner.pk), str(colleague.pk), str(friend.pk)}
    assert [i["user"]["id"] for i in group["pending_invitations"]] == [str(victim.pk)]
    assert group["id"] in inbox_ids(colleague)
    assert group["id"] in inbox_ids(friend)
    assert group["id"] not in inbox_ids(victim)


# --- Leaving --------------------------------------------------------------------------------


def test_a_participant_leaves_and_hears_no_more(victim):
    owner = person("owner@consent.test")
    colleagues(owner, victim)
    group = create_group(owner, victim)
    assert group["id"] in inbox_ids(victim)

    assert victim.api.post(f"{CONVERSATIONS}{group['id']}/leave/").status_code == 204

    assert group["id"] not in inbox_ids(victim)
    assert victim.api.get(f"{CONVERSATIONS}{group['id']}/messages/").status_code == 404
    assert send(owner, group["id"], "Vous êtes là ?").status_code == 201
    assert not Notification.objects.filter(recipient=victim, kind="chat.message").exists()
    assert participants_of(group["id"]) == {str(owner.pk)}
    # Leaving again: no longer theirs.
    assert victim.api.post(f"{CONVERSATIONS}{group['id']}/leave/").status_code == 404
    # A private conversation cannot be left.
    private = owner.api.post(CONVERSATIONS, {"kind": "private", "user": str(victim.pk)}).json()
    left = victim.api.post(f"{CONVERSATIONS}{private['id']}/leave/")
    assert left.status_code == 400
    assert left.json()["error"]["code"] == "not_a_group"


# --- Blocking -------------------------------------------------------------------------------


def test_a_block_keeps_two_people_apart_both_ways(stranger, victim):
    private = stranger.api.post(CONVERSATIONS, {"kind": "private", "user": str(victim.pk)})
    private_id = private.json()["id"]
    pending_group = create_group(stranger, victim, title="Pending")

    blocked = victim.api.post(BLOCKS, {"user": str(stranger.pk)})
    assert blocked.status_code == 201, blocked.content
    assert blocked.json()["user"]["id"] == str(stranger.pk)
    assert victim.api.post(BLOCKS, {"user": str(stranger.pk)}).status_code == 200
    assert [b["user"]["id"] for b in victim.api.get(BLOCKS).json()["results"]] == [str(stranger.pk)]
    assert stranger.api.get(BLOCKS).json()["results"] == []  # one's own list only

    # The pending invitation from the blocked person is gone.
    assert victim.api.get(INVITATIONS).json()["results"] == []
    assert pending_group["id"] not in inbox_ids(victim)

    groups_before = Conversation.objects.count()
    for actor, target in ((stranger, victim), (victim, stranger)):
        direct = actor.api.post(CONVERSATIONS, {"kind": "private", "user": str(target.pk)})
        assert direct.status_code == 403
        assert direct.json()["error"]["code"] == "user_unavailable"
        group = actor.api.post(
            CONVERSATIONS, {"kind": "group", "title": "x", "participants": [str(target.pk)]}
        )
        assert group.status_code == 403
        assert group.json()["error"]["code"] == "user_unavailable"
        refused = send(actor, private_id, "allo ?")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "conversation_blocked"
    assert Conversation.objects.count() == groups_before

    # Nor can the blocked person add the blocker to an existing group.
    own = create_group(stranger, title="Own")
    added = stranger.api.post(f"{CONVERSATIONS}{own['id']}/participants/", {"user": str(victim.pk)})
    assert added.status_code == 403
    assert added.json()["error"]["code"] == "user_unavailable"
    assert not GroupInvitation.objects.filter(conversation_id=own["id"]).exists()

    # Unblocked: they may write again.
    assert victim.api.delete(f"{BLOCKS}{stranger.pk}/").status_code == 204
    assert send(stranger, private_id, "pardon").status_code == 201
    missing = victim.api.delete(f"{BLOCKS}{stranger.pk}/")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "block_not_found"


def test_in_a_shared_group_the_blocker_is_not_notified_of_the_blocked(victim, stranger):
    owner = person("owner@consent.test")
    colleagues(owner, victim, stranger)
    group = create_group(owner, victim, stranger)
    assert victim.api.post(BLOCKS, {"user": str(stranger.pk)}).status_code == 201

    assert send(stranger, group["id"], "coucou").status_code == 201
    assert send(owner, group["id"], "bonjour").status_code == 201

    told = Notification.objects.filter(recipient=victim, kind="chat.message")
    assert [n.body for n in told] == ["bonjour"]


def test_block_input_is_checked(victim):
    own = victim.api.post(BLOCKS, {"user": str(victim.pk)})
    assert own.status_code == 400
    assert own.json()["error"]["code"] == "cannot_block_self"
    unknown = victim.api.post(BLOCKS, {"user": "00000000-0000-4000-8000-000000000000"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "unknown_user"
    assert victim.api.post(BLOCKS, {"user": "nope"}).status_code == 400
    from rest_framework.test import APIClient

    assert APIClient().get(BLOCKS).status_code == 401
    assert APIClient().get(INVITATIONS).status_code == 401
