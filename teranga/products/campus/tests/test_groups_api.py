"""Groups and clubs through HTTP: creation (the creator is admin and owns the chat), the
list (public + my private ones, `q`, `university`), edits and deletion by admins, joining
(public at once, private by a request an admin or moderator decides), leaving (the last
admin names a successor), roles and removal, private content 404 to non-members, and the
chat's participants following membership."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from teranga.platform.messaging.models import Block, Participant, ParticipantRole
from teranga.products.campus.models import (
    CampusGroup,
    GroupJoinRequest,
    GroupMembership,
    GroupRole,
    JoinRequestStatus,
)

API = "/api/v1/campus"


def create_group(client, **fields):
    body = {"name": "Club Python", "description": "On code ensemble.", **fields}
    response = client.post(f"{API}/groups/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def chat_members(group_id) -> set[str]:
    group = CampusGroup.objects.get(pk=group_id)
    return {
        str(user_id)
        for user_id in Participant.objects.filter(
            conversation_id=group.conversation_id, left_at__isnull=True
        ).values_list("user_id", flat=True)
    }


def join(client, group_id):
    return client.post(f"{API}/groups/{group_id}/join/")


@pytest.fixture
def public_group(campus):
    group = create_group(campus.clients["student"], university=str(campus.university.pk))
    return group


@pytest.fixture
def private_group(campus):
    return create_group(campus.clients["student"], name="Cercle privé", visibility="private")


# --- Creation and reading ------------------------------------------------------------------


def test_create_makes_the_creator_admin_and_owner_of_the_chat(campus):
    body = create_group(campus.clients["student"], university=str(campus.university.pk))
    assert body["my_role"] == "admin"
    assert body["members_count"] == 1
    assert body["university"]["id"] == str(campus.university.pk)
    assert body["kind"] == "group" and body["visibility"] == "public"
    assert body["conversation"]
    owner = Participant.objects.get(conversation_id=body["conversation"])
    assert owner.user_id == campus.student.pk and owner.role == ParticipantRole.OWNER


def test_create_requires_sign_in():
    response = APIClient().post(f"{API}/groups/", {"name": "x"}, format="json")
    assert response.status_code == 401
    assert APIClient().get(f"{API}/groups/").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "<b></b>"}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "ok", "visibility": "secret"}, "visibility"),
        ({"name": "ok", "description": "x" * 5001}, "description"),
        ({"name": "ok", "colour": "red"}, "colour"),
        ({"name": "ok", "university": "not-a-uuid"}, "university"),
    ],
)
def test_create_bad_input_is_400_and_creates_nothing(campus, body, field):
    response = campus.clients["student"].post(f"{API}/groups/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not CampusGroup.objects.exists()


def test_university_must_be_a_university(campus):
    response = campus.clients["student"].post(
        f"{API}/groups/", {"name": "x", "university": str(campus.club.pk)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "university_not_found"
    assert not CampusGroup.objects.exists()


def test_a_club_is_tied_to_a_club_its_creator_belongs_to(campus):
    refused = campus.clients["student"].post(
        f"{API}/groups/",
        {"name": "x", "kind": "club", "organizer": str(campus.club.pk)},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "organizer_not_found"
    body = create_group(
        campus.clients["club_admin"], name="Club Tech", kind="club", organizer=str(campus.club.pk)
    )
    assert body["organizer"]["id"] == str(campus.club.pk)
    # A club without a university takes its organiser's.
    assert body["university"]["id"] == str(campus.university.pk)


def test_description_is_plain_text(campus):
    body = create_group(
        campus.clients["student"], description="<script>x()</script><b>Salut</b> & bienvenue"
    )
    assert body["description"] == "Salut & bienvenue"


def test_list_shows_public_groups_and_my_private_ones(campus, public_group, private_group):
    other = create_group(campus.clients["outsider"], name="UGB privé", visibility="private")
    mine = campus.clients["student"].get(f"{API}/groups/").json()
    assert {g["id"] for g in mine["results"]} == {public_group["id"], private_group["id"]}
    theirs = campus.clients["student2"].get(f"{API}/groups/").json()
    assert {g["id"] for g in theirs["results"]} == {public_group["id"]}
    assert theirs["results"][0]["conversation"] is None  # not a member: no chat id
    outsider = campus.clients["outsider"].get(f"{API}/groups/?mine=true").json()
    assert {g["id"] for g in outsider["results"]} == {other["id"]}


def test_list_filters(campus, public_group, private_group):
    client = campus.clients["student"]
    found = client.get(f"{API}/groups/", {"q": "python"}).json()["results"]
    assert [g["id"] for g in found] == [public_group["id"]]
    found = client.get(f"{API}/groups/", {"university": str(campus.university.pk)}).json()
    assert [g["id"] for g in found["results"]] == [public_group["id"]]
    bad = client.get(f"{API}/groups/", {"university": "nope"})
    assert bad.status_code == 400


def test_list_query_count_does_not_grow(campus, django_assert_max_num_queries):
    client = campus.clients["student"]
    create_group(client, name="g0")
    with django_assert_max_num_queries(4):
        client.get(f"{API}/groups/")
    for index in range(1, 15):
        create_group(client, name=f"g{index}")
    with django_assert_max_num_queries(4):
        assert len(client.get(f"{API}/groups/").json()["results"]) == 15


def test_detail_of_a_private_group_shows_no_chat_to_a_non_member(campus, private_group):
    body = campus.clients["student2"].get(f"{API}/groups/{private_group['id']}/").json()
    assert body["name"] == "Cercle privé"
    assert body["my_role"] is None and body["conversation"] is None
    missing = campus.clients["student2"].get(f"{API}/groups/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "group_not_found"
    assert campus.clients["student2"].get(f"{API}/groups/nope/").status_code == 404


# --- Edits and deletion ----------------------------------------------------------------------


def test_admin_edits_and_the_chat_follows_the_name(campus, public_group):
    client = campus.clients["student"]
    response = client.patch(
        f"{API}/groups/{public_group['id']}/",
        {"name": "Club Python UCAD", "visibility": "private"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["visibility"] == "private"
    group = CampusGroup.objects.select_related("conversation").get(pk=public_group["id"])
    assert group.conversation.title == "Club Python UCAD"


def test_edit_by_non_admin_is_403_and_changes_nothing(campus, public_group):
    stranger = campus.clients["student2"].patch(
        f"{API}/groups/{public_group['id']}/", {"name": "pris"}, format="json"
    )
    assert stranger.status_code == 403
    assert stranger.json()["error"]["code"] == "not_a_member"
    join(campus.clients["student2"], public_group["id"])
    member = campus.clients["student2"].patch(
        f"{API}/groups/{public_group['id']}/", {"name": "pris"}, format="json"
    )
    assert member.status_code == 403
    assert member.json()["error"]["code"] == "group_role_too_low"
    assert CampusGroup.objects.get(pk=public_group["id"]).name == "Club Python"


def test_edit_bad_input_is_400(campus, public_group):
    response = campus.clients["student"].patch(
        f"{API}/groups/{public_group['id']}/", {"name": "  "}, format="json"
    )
    assert response.status_code == 400
    assert CampusGroup.objects.get(pk=public_group["id"]).name == "Club Python"


def test_private_group_is_404_to_non_members_for_edits(campus, private_group):
    response = campus.clients["student2"].patch(
        f"{API}/groups/{private_group['id']}/", {"name": "pris"}, format="json"
    )
    assert response.status_code == 404
    assert (
        campus.clients["student2"].delete(f"{API}/groups/{private_group['id']}/").status_code == 404
    )


def test_admin_deletes_and_everyone_leaves_the_chat(campus, public_group):
    join(campus.clients["student2"], public_group["id"])
    conversation_id = public_group["conversation"]
    assert (
        campus.clients["student2"].delete(f"{API}/groups/{public_group['id']}/").status_code == 403
    )
    response = campus.clients["student"].delete(f"{API}/groups/{public_group['id']}/")
    assert response.status_code == 204
    assert not CampusGroup.objects.exists()
    assert not Participant.objects.filter(
        conversation_id=conversation_id, left_at__isnull=True
    ).exists()


# --- Joining and leaving -----------------------------------------------------------------------


def test_join_public_group_adds_member_and_chat_participant(campus, public_group):
    response = join(campus.clients["student2"], public_group["id"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == "member" and body["join_request"] is None
    assert body["group"]["my_role"] == "member"
    assert body["group"]["members_count"] == 2
    assert body["group"]["conversation"] == public_group["conversation"]
    assert chat_members(public_group["id"]) == {str(campus.student.pk), str(campus.student2.pk)}
    again = join(campus.clients["student2"], public_group["id"])
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_member"
    assert CampusGroup.objects.get(pk=public_group["id"]).members_count == 2


def test_join_requires_sign_in(public_group):
    assert join(APIClient(), public_group["id"]).status_code == 401


def test_join_private_group_is_a_request_decided_by_a_moderator(campus, private_group):
    group_id = private_group["id"]
    response = join(campus.clients["student2"], group_id)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["outcome"] == "requested"
    assert body["group"]["pending_request"] is True and body["group"]["my_role"] is None
    request_id = body["join_request"]["id"]
    again = join(campus.clients["student2"], group_id)
    assert again.status_code == 409 and again.json()["error"]["code"] == "join_request_pending"
    # Content stays 404 while pending.
    assert campus.clients["student2"].get(f"{API}/groups/{group_id}/posts/").status_code == 404
    assert chat_members(group_id) == {str(campus.student.pk)}
    # The requester cannot decide; a stranger does not even see the request.
    assert (
        campus.clients["student2"].post(f"{API}/join-requests/{request_id}/approve/").status_code
        == 404
    )
    listing = campus.clients["student"].get(f"{API}/groups/{group_id}/join-requests/").json()
    assert [r["id"] for r in listing["results"]] == [request_id]
    approved = campus.clients["student"].post(f"{API}/join-requests/{request_id}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert GroupMembership.objects.get(group_id=group_id, user=campus.student2).role == "member"
    assert chat_members(group_id) == {str(campus.student.pk), str(campus.student2.pk)}
    twice = campus.clients["student"].post(f"{API}/join-requests/{request_id}/reject/")
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "join_request_not_pending"
    assert campus.clients["student2"].get(f"{API}/groups/{group_id}/posts/").status_code == 200


def test_reject_a_join_request(campus, private_group):
    request_id = join(campus.clients["student2"], private_group["id"]).json()["join_request"]["id"]
    # A plain member may not decide (403), once a member.
    join(campus.clients["outsider"], private_group["id"])
    outsider_request = GroupJoinRequest.objects.get(user=campus.outsider)
    campus.clients["student"].post(f"{API}/join-requests/{outsider_request.pk}/approve/")
    refused = campus.clients["outsider"].post(f"{API}/join-requests/{request_id}/reject/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "group_role_too_low"
    assert (
        campus.clients["outsider"]
        .get(f"{API}/groups/{private_group['id']}/join-requests/")
        .status_code
        == 403
    )
    response = campus.clients["student"].post(f"{API}/join-requests/{request_id}/reject/")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert not GroupMembership.objects.filter(user=campus.student2).exists()
    assert GroupJoinRequest.objects.get(pk=request_id).status == JoinRequestStatus.REJECTED
    missing = campus.clients["student"].post(f"{API}/join-requests/nope/approve/")
    assert (
        missing.status_code == 404 and missing.json()["error"]["code"] == "join_request_not_found"
    )


def test_leave_takes_the_member_out_of_the_chat(campus, public_group):
    join(campus.clients["student2"], public_group["id"])
    response = campus.clients["student2"].post(f"{API}/groups/{public_group['id']}/leave/")
    assert response.status_code == 204
    assert chat_members(public_group["id"]) == {str(campus.student.pk)}
    assert CampusGroup.objects.get(pk=public_group["id"]).members_count == 1
    not_member = campus.clients["student2"].post(f"{API}/groups/{public_group['id']}/leave/")
    assert not_member.status_code == 403 and not_member.json()["error"]["code"] == "not_a_member"
    # Joining again makes them a participant again.
    join(campus.clients["student2"], public_group["id"])
    assert str(campus.student2.pk) in chat_members(public_group["id"])


def test_last_admin_names_a_successor_to_leave(campus, public_group):
    group_id = public_group["id"]
    join(campus.clients["student2"], group_id)
    client = campus.clients["student"]
    refused = client.post(f"{API}/groups/{group_id}/leave/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "last_admin"
    bad = client.post(
        f"{API}/groups/{group_id}/leave/", {"successor": str(campus.outsider.pk)}, format="json"
    )
    assert bad.status_code == 400
    assert GroupMembership.objects.filter(group_id=group_id).count() == 2
    response = client.post(
        f"{API}/groups/{group_id}/leave/", {"successor": str(campus.student2.pk)}, format="json"
    )
    assert response.status_code == 204
    assert GroupMembership.objects.get(group_id=group_id).role == GroupRole.ADMIN
    # The chat keeps an owner: messaging hands it over to the remaining participant.
    assert chat_members(group_id) == {str(campus.student2.pk)}
    owner = Participant.objects.get(
        conversation_id=public_group["conversation"], left_at__isnull=True
    )
    assert owner.role == ParticipantRole.OWNER
    # The new owner adds the next member.
    join(campus.clients["outsider"], group_id)
    assert str(campus.outsider.pk) in chat_members(group_id)


# --- Roles and removal ---------------------------------------------------------------------------


def test_roles_admins_promote_moderators_do_not(campus, public_group):
    group_id = public_group["id"]
    for name in ("student2", "outsider"):
        join(campus.clients[name], group_id)
    admin = campus.clients["student"]
    url = f"{API}/groups/{group_id}/members/{campus.student2.pk}/"
    bad = admin.patch(url, {"role": "king"}, format="json")
    assert bad.status_code == 400
    response = admin.patch(url, {"role": "moderator"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "moderator"
    promote = campus.clients["student2"].patch(
        f"{API}/groups/{group_id}/members/{campus.outsider.pk}/", {"role": "admin"}, format="json"
    )
    assert promote.status_code == 403
    assert promote.json()["error"]["code"] == "group_role_too_low"
    assert GroupMembership.objects.get(group_id=group_id, user=campus.outsider).role == "member"
    missing = admin.patch(
        f"{API}/groups/{group_id}/members/{campus.manager.pk}/", {"role": "admin"}, format="json"
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "group_member_not_found"
    step_down = admin.patch(
        f"{API}/groups/{group_id}/members/{campus.student.pk}/", {"role": "member"}, format="json"
    )
    assert step_down.status_code == 409 and step_down.json()["error"]["code"] == "last_admin"


def test_members_list(campus, public_group, private_group):
    join(campus.clients["student2"], public_group["id"])
    body = campus.clients["outsider"].get(f"{API}/groups/{public_group['id']}/members/").json()
    assert [m["role"] for m in body["results"]] == ["admin", "member"]
    assert "email" not in body["results"][0]["user"]
    hidden = campus.clients["outsider"].get(f"{API}/groups/{private_group['id']}/members/")
    assert hidden.status_code == 404


def test_removal_moderators_remove_members_not_admins(campus, public_group):
    group_id = public_group["id"]
    for name in ("student2", "outsider", "manager"):
        join(campus.clients[name], group_id)
    admin = campus.clients["student"]
    admin.patch(
        f"{API}/groups/{group_id}/members/{campus.student2.pk}/",
        {"role": "moderator"},
        format="json",
    )
    admin.patch(
        f"{API}/groups/{group_id}/members/{campus.manager.pk}/", {"role": "admin"}, format="json"
    )
    moderator = campus.clients["student2"]
    member = campus.clients["outsider"]
    assert (
        member.delete(f"{API}/groups/{group_id}/members/{campus.student2.pk}/").status_code == 403
    )
    refused = moderator.delete(f"{API}/groups/{group_id}/members/{campus.manager.pk}/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "group_role_too_low"
    removed = moderator.delete(f"{API}/groups/{group_id}/members/{campus.outsider.pk}/")
    assert removed.status_code == 204
    assert str(campus.outsider.pk) not in chat_members(group_id)
    assert not GroupMembership.objects.filter(group_id=group_id, user=campus.outsider).exists()
    assert admin.delete(f"{API}/groups/{group_id}/members/{campus.manager.pk}/").status_code == 204
    assert chat_members(group_id) == {str(campus.student.pk), str(campus.student2.pk)}
    assert CampusGroup.objects.get(pk=group_id).members_count == 2


def test_a_block_between_member_and_chat_owner_keeps_the_membership(campus, public_group):
    Block.objects.create(blocker=campus.student, blocked=campus.student2)
    response = join(campus.clients["student2"], public_group["id"])
    assert response.status_code == 200
    assert GroupMembership.objects.filter(user=campus.student2).exists()
    assert str(campus.student2.pk) not in chat_members(public_group["id"])


# --- Concurrency (real threads; PostgreSQL in .ci/run, SQLite here) -------------------------------


def _run_together(calls):
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(calls), timeout=60)
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except BaseException as error:  # noqa: BLE001 — inspected by the test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_admins_leaving_at_once_leave_one_admin():
    from conftest import create_user
    from teranga.core.errors import Conflict
    from teranga.products.campus.services.groups import (
        group_create,
        group_join,
        group_leave,
        group_member_update,
    )

    first, second, member = (create_user(f"u{i}@groups.test") for i in range(3))
    group = group_create(user=first, name="Bureau")
    group_join(user=second, group_id=group.pk)
    group_join(user=member, group_id=group.pk)
    group_member_update(user=first, group_id=group.pk, user_id=second.pk, role=GroupRole.ADMIN)
    outcomes = _run_together(
        [
            lambda: group_leave(user=first, group_id=group.pk),
            lambda: group_leave(user=second, group_id=group.pk),
        ]
    )
    assert sum(outcome is None for outcome in outcomes) == 1, outcomes
    assert sum(isinstance(outcome, Conflict) for outcome in outcomes) == 1, outcomes
    assert GroupMembership.objects.filter(group=group, role=GroupRole.ADMIN).count() == 1
    assert CampusGroup.objects.get(pk=group.pk).members_count == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_count_every_member_once_and_reach_the_chat():
    from conftest import create_user
    from teranga.products.campus.services.groups import group_create, group_join

    owner = create_user("owner@groups.test")
    group = group_create(user=owner, name="Foule")
    joiners = [create_user(f"j{i}@groups.test") for i in range(6)]
    calls = [lambda u=user: group_join(user=u, group_id=group.pk) for user in joiners]
    calls += [lambda: group_join(user=joiners[0], group_id=group.pk)]  # a double click
    outcomes = _run_together(calls)
    assert sum(isinstance(outcome, tuple) for outcome in outcomes) == 6, outcomes
    assert CampusGroup.objects.get(pk=group.pk).members_count == 7
    assert GroupMembership.objects.filter(group=group).count() == 7
    assert len(chat_members(group.pk)) == 7


def test_join_requests_notify_deciders_and_requester(campus, private_group):
    from teranga.platform.notifications.models import Notification

    campus.student2.first_name, campus.student2.last_name = "Awa", "Diop"
    campus.student2.save()
    body = join(campus.clients["student2"], private_group["id"]).json()
    told = Notification.objects.get(recipient=campus.student, kind="campus.group_join_requested")
    assert "Awa D." in told.body and "Cercle privé" in told.title
    assert f"/o/campus.group/{private_group['id']}/" in told.link
    campus.clients["student"].post(f"{API}/join-requests/{body['join_request']['id']}/approve/")
    decided = Notification.objects.get(recipient=campus.student2, kind="campus.group_join_decided")
    assert "Cercle privé" in decided.title
