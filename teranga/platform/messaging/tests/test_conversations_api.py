"""Conversations over HTTP: create (private, group), list with unread counts and the last
message (constant queries), detail, rename/mute, participants. Non-participants get 404
for everything; bad input gets 400 and changes nothing; roles get 403."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teranga.platform.messaging.models import Conversation, ConversationKind, Participant
from teranga.platform.messaging.services import conversation_create, conversation_read

from .conftest import person, send

URL = "/api/v1/conversations/"

pytestmark = pytest.mark.django_db


def detail(conversation) -> str:
    return f"{URL}{conversation.pk}/"


# --- create -------------------------------------------------------------------------------


def test_private_conversation_is_one_per_pair(people):
    first = people.alice.api.post(URL, {"kind": "private", "user": str(people.bob.pk)})
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["kind"] == "private"
    assert {p["user"]["id"] for p in body["participants"]} == {
        str(people.alice.pk),
        str(people.bob.pk),
    }
    assert body["peers"] == [
        {"id": str(people.bob.pk), "name": people.bob.full_name, "avatar": None}
    ]
    again = people.bob.api.post(URL, {"kind": "private", "user": str(people.alice.pk)})
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert Conversation.objects.filter(kind=ConversationKind.PRIVATE).count() == 1


def test_group_creation_makes_the_creator_owner(people):
    response = people.alice.api.post(
        URL,
        {
            "kind": "group",
            "title": "  Club   trading ",
            "participants": [str(people.bob.pk), str(people.carol.pk), str(people.alice.pk)],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Club trading"
    assert body["my_role"] == "owner"
    roles = {p["user"]["id"]: p["role"] for p in body["participants"]}
    assert roles == {
        str(people.alice.pk): "owner",
        str(people.bob.pk): "member",
        str(people.carol.pk): "member",
    }
    assert body["participant_count"] == 3


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"kind": "private"}, "user"),
        ({"kind": "private", "user": "not-a-uuid"}, "user"),
        ({"kind": "private", "user": str(uuid.uuid4())}, "user"),
        ({"kind": "group", "title": ""}, "title"),
        ({"kind": "group", "title": "x" * 201}, "title"),
        ({"kind": "group", "title": "Ok", "participants": [str(uuid.uuid4())]}, "participants"),
        ({"kind": "group", "title": "Ok", "user": str(uuid.uuid4())}, "user"),
        ({"kind": "support", "title": "Ok"}, "kind"),
        ({"kind": "group", "title": "Ok", "colour": "red"}, "colour"),
    ],
)
def test_bad_creations_are_400_and_create_nothing(people, payload, field):
    response = people.alice.api.post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert Conversation.objects.count() == 0


def test_no_conversation_with_oneself_or_an_inactive_user(people):
    me = people.alice.api.post(URL, {"kind": "private", "user": str(people.alice.pk)})
    assert me.status_code == 400
    assert me.json()["error"]["code"] == "cannot_message_self"
    people.dave.is_active = False
    people.dave.save()
    inactive = people.alice.api.post(URL, {"kind": "private", "user": str(people.dave.pk)})
    assert inactive.status_code == 400
    assert inactive.json()["error"]["code"] == "unknown_user"
    assert Conversation.objects.count() == 0


def test_anonymous_is_401(api):
    assert api.get(URL).status_code == 401
    assert api.post(URL, {"kind": "group", "title": "x"}).status_code == 401


# --- list, unread, detail -----------------------------------------------------------------


def test_list_has_unread_counts_and_last_message(people, private, group):
    send(people.bob, private, "salut")
    send(people.bob, private, "ça va ?")
    send(people.alice, group, "bonjour le groupe")
    send(people.carol, group, "coucou")
    listing = people.alice.api.get(URL)
    assert listing.status_code == 200
    rows = {row["id"]: row for row in listing.json()["results"]}
    assert rows[str(private.pk)]["unread"] == 2
    assert rows[str(private.pk)]["last_message"]["body"] == "ça va ?"
    assert rows[str(private.pk)]["last_message"]["seq"] == 2
    # Writing reads everything before: only carol's message is unread in the group.
    assert rows[str(group.pk)]["unread"] == 1
    assert rows[str(group.pk)]["last_message"]["sender"]["id"] == str(people.carol.pk)
    # Most recent activity first.
    assert [row["id"] for row in listing.json()["results"]] == [str(group.pk), str(private.pk)]

    conversation_read(user=people.alice, conversation_id=private.pk, up_to_seq=1)
    rows = {r["id"]: r for r in people.alice.api.get(URL).json()["results"]}
    assert rows[str(private.pk)]["unread"] == 1
    unread_only = people.alice.api.get(URL, {"unread": "true"}).json()["results"]
    assert {r["id"] for r in unread_only} == {str(private.pk), str(group.pk)}
    groups = people.alice.api.get(URL, {"kind": "group"}).json()["results"]
    assert [r["id"] for r in groups] == [str(group.pk)]
    # dave is in nothing.
    assert people.dave.api.get(URL).json()["results"] == []


def test_list_filters_reject_bad_values(people):
    assert people.alice.api.get(URL, {"kind": "secret"}).status_code == 400
    assert people.alice.api.get(URL, {"unread": "maybe"}).status_code == 400
    assert people.alice.api.get(URL, {"colour": "red"}).status_code == 400


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_list_queries_do_not_grow_with_the_number_of_conversations(people):
    alice = people.alice
    others = [person(f"p{n}") for n in range(6)]
    first, _ = conversation_create(creator=alice, kind="private", user_id=others[0].pk)
    send(others[0], first, "one")
    few = _queries(alice.api, URL)
    for other in others[1:]:
        conversation, _ = conversation_create(creator=alice, kind="private", user_id=other.pk)
        send(other, conversation, "hi")
        group, _ = conversation_create(
            creator=other, kind="group", title=f"G {other.pk}", participant_ids=[alice.pk]
        )
        send(other, group, "group hi")
    assert len(alice.api.get(URL).json()["results"]) == 11
    assert _queries(alice.api, URL) == few


def test_detail_and_404_for_non_participants(people, group, private):
    response = people.bob.api.get(detail(group))
    assert response.status_code == 200
    assert response.json()["my_role"] == "member"
    for conversation in (group, private):
        missing = people.dave.api.get(detail(conversation))
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "conversation_not_found"
    assert people.alice.api.get(f"{URL}{uuid.uuid4()}/").status_code == 404


def test_rename_and_mute(people, group, private):
    renamed = people.alice.api.patch(detail(group), {"title": "Promo 2027"})
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Promo 2027"
    refused = people.bob.api.patch(detail(group), {"title": "Mine now"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_group_admin"
    not_group = people.alice.api.patch(detail(private), {"title": "Us"})
    assert not_group.status_code == 400
    assert not_group.json()["error"]["code"] == "not_a_group"
    muted = people.bob.api.patch(detail(group), {"muted": True})
    assert muted.status_code == 200
    assert muted.json()["muted"] is True
    assert Participant.objects.get(conversation=group, user=people.bob).muted
    assert people.bob.api.patch(detail(group), {}).status_code == 400
    assert people.bob.api.patch(detail(group), {"muted": "perhaps"}).status_code == 400
    assert people.dave.api.patch(detail(group), {"muted": True}).status_code == 404
    group.refresh_from_db()
    assert group.title == "Promo 2027"


# --- participants -------------------------------------------------------------------------


def participants(conversation) -> str:
    return f"{detail(conversation)}participants/"


def test_owner_adds_and_removes_participants(people, group):
    added = people.alice.api.post(participants(group), {"user": str(people.dave.pk)})
    assert added.status_code == 201, added.content
    assert added.json()["role"] == "member"
    again = people.alice.api.post(participants(group), {"user": str(people.dave.pk)})
    assert again.status_code == 200
    listing = people.dave.api.get(participants(group))
    assert listing.status_code == 200
    assert listing.json()["count"] == 4
    removed = people.alice.api.delete(f"{participants(group)}{people.dave.pk}/")
    assert removed.status_code == 204
    assert people.dave.api.get(detail(group)).status_code == 404


def test_new_participants_start_with_nothing_unread(people, group):
    send(people.bob, group, "before dave")
    people.alice.api.post(participants(group), {"user": str(people.dave.pk)})
    row = people.dave.api.get(URL).json()["results"][0]
    assert row["unread"] == 0
    send(people.bob, group, "after dave")
    assert people.dave.api.get(URL).json()["results"][0]["unread"] == 1


def test_participant_roles(people, group):
    # A member cannot add or remove.
    assert (
        people.bob.api.post(participants(group), {"user": str(people.dave.pk)}).status_code == 403
    )
    assert people.bob.api.delete(f"{participants(group)}{people.carol.pk}/").status_code == 403
    # Only an owner adds an admin; an admin adds members but cannot remove the owner.
    admin = people.alice.api.post(
        participants(group), {"user": str(people.dave.pk), "role": "admin"}
    )
    assert admin.status_code == 201
    eve = person("eve")
    assert (
        people.dave.api.post(
            participants(group), {"user": str(eve.pk), "role": "admin"}
        ).status_code
        == 403
    )
    # Eve shares nothing with Dave: she is invited, not added (services.consent).
    assert people.dave.api.post(participants(group), {"user": str(eve.pk)}).status_code == 202
    assert (
        people.dave.api.post(participants(group), {"user": str(people.carol.pk)}).status_code == 200
    )
    refused = people.dave.api.delete(f"{participants(group)}{people.alice.pk}/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "role_too_high"
    assert people.dave.api.delete(f"{participants(group)}{eve.pk}/").status_code == 204


def test_bad_participant_input(people, group, private):
    url = participants(group)
    assert people.alice.api.post(url, {}).status_code == 400
    assert people.alice.api.post(url, {"user": "nope"}).status_code == 400
    unknown = people.alice.api.post(url, {"user": str(uuid.uuid4())})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "unknown_user"
    assert (
        people.alice.api.post(url, {"user": str(people.dave.pk), "role": "owner"}).status_code
        == 400
    )
    assert people.alice.api.post(url, {"user": str(people.dave.pk), "x": 1}).status_code == 400
    not_group = people.alice.api.post(participants(private), {"user": str(people.dave.pk)})
    assert not_group.status_code == 400
    assert not_group.json()["error"]["code"] == "not_a_group"
    missing = people.alice.api.delete(f"{url}{people.dave.pk}/")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "participant_not_found"
    assert Participant.objects.filter(conversation=group, left_at__isnull=True).count() == 3
    # Non-participants: 404 for listing, adding, removing.
    assert people.dave.api.get(url).status_code == 404
    assert people.dave.api.post(url, {"user": str(people.dave.pk)}).status_code == 404
    assert people.dave.api.delete(f"{url}{people.bob.pk}/").status_code == 404


def test_leaving_a_group_and_owner_hand_over(people, group):
    people.alice.api.post(participants(group), {"user": str(people.dave.pk), "role": "admin"})
    left = people.alice.api.delete(f"{participants(group)}{people.alice.pk}/")
    assert left.status_code == 204
    assert people.alice.api.get(detail(group)).status_code == 404
    roles = {
        p.user_id: p.role for p in Participant.objects.filter(conversation=group, left_at=None)
    }
    assert roles[people.dave.pk] == "owner"  # the admin, before older members
    assert people.bob.api.delete(f"{participants(group)}{people.bob.pk}/").status_code == 204


def test_private_conversations_cannot_be_left(people, private):
    response = people.alice.api.delete(f"{participants(private)}{people.alice.pk}/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_a_group"
