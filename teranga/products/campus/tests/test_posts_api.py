"""Posts, comments and reactions of a group through HTTP: members write, authors edit,
moderators delete; plain text and the platform's moderation checks; one reaction per
user and post with counts per emoji; private content 404 to non-members; a fixed number
of queries for a feed page whatever its size."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from teranga.products.campus.models import (
    CampusGroup,
    GroupComment,
    GroupMembership,
    GroupPost,
    GroupReaction,
    GroupRole,
)

API = "/api/v1/campus"


def create_group(client, **fields):
    response = client.post(f"{API}/groups/", {"name": "Club Python", **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def post(client, group_id, text="Bonjour à tous"):
    return client.post(f"{API}/groups/{group_id}/posts/", {"text": text}, format="json")


@pytest.fixture
def group(campus):
    """A public group of ``student`` (admin) with ``student2`` as a member."""
    body = create_group(campus.clients["student"])
    response = campus.clients["student2"].post(f"{API}/groups/{body['id']}/join/")
    assert response.status_code == 200
    return body


@pytest.fixture
def private(campus):
    return create_group(campus.clients["student"], name="Privé", visibility="private")


# --- Posts -------------------------------------------------------------------------------------


def test_member_posts_and_the_feed_shows_it(campus, group):
    response = post(campus.clients["student2"], group["id"], "<b>Salut</b> la team\x07")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == "Salut la team"
    assert body["reactions"] == {"👍": 0, "❤️": 0, "😂": 0, "🎉": 0, "😮": 0}
    assert body["my_reaction"] is None and body["comments_count"] == 0
    feed = campus.clients["outsider"].get(f"{API}/groups/{group['id']}/posts/").json()
    assert [p["id"] for p in feed["results"]] == [body["id"]]
    assert "next" in feed and "count" not in feed  # a cursor page


def test_feed_is_cursor_paginated_newest_first(campus, group):
    ids = [post(campus.clients["student"], group["id"], f"n°{i}").json()["id"] for i in range(5)]
    first = campus.clients["student"].get(f"{API}/groups/{group['id']}/posts/?page_size=3").json()
    assert [p["id"] for p in first["results"]] == ids[::-1][:3]
    second = campus.clients["student"].get(first["next"]).json()
    assert [p["id"] for p in second["results"]] == ids[::-1][3:]


def test_non_member_cannot_post(campus, group, private):
    refused = post(campus.clients["outsider"], group["id"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_a_member"
    hidden = post(campus.clients["outsider"], private["id"])
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "group_not_found"
    assert post(APIClient(), group["id"]).status_code == 401
    assert not GroupPost.objects.exists()


def test_private_content_is_404_to_non_members(campus, private):
    made = post(campus.clients["student"], private["id"]).json()
    client = campus.clients["outsider"]
    assert client.get(f"{API}/groups/{private['id']}/posts/").status_code == 404
    for response in (
        client.get(f"{API}/posts/{made['id']}/comments/"),
        client.patch(f"{API}/posts/{made['id']}/", {"text": "x"}, format="json"),
        client.delete(f"{API}/posts/{made['id']}/"),
        client.put(f"{API}/posts/{made['id']}/reactions/", {"emoji": "👍"}, format="json"),
        client.post(f"{API}/posts/{made['id']}/comments/", {"text": "x"}, format="json"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "post_not_found"
    comment = (
        campus.clients["student"]
        .post(f"{API}/posts/{made['id']}/comments/", {"text": "moi"}, format="json")
        .json()
    )
    gone = client.delete(f"{API}/comments/{comment['id']}/")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "comment_not_found"
    assert GroupComment.objects.count() == 1


@pytest.mark.parametrize(
    "body", [{}, {"text": ""}, {"text": "<p></p>"}, {"text": "x" * 5001}, {"text": "ok", "x": 1}]
)
def test_bad_post_is_400_and_stores_nothing(campus, group, body):
    response = campus.clients["student"].post(
        f"{API}/groups/{group['id']}/posts/", body, format="json"
    )
    assert response.status_code == 400
    assert not GroupPost.objects.exists()


def test_moderation_blocks_and_flags(campus, group):
    blocked = post(campus.clients["student2"], group["id"], "Espèce de connard")
    assert blocked.status_code == 400
    assert blocked.json()["error"]["code"] == "content_blocked"
    assert not GroupPost.objects.exists()
    flagged = post(campus.clients["student2"], group["id"], "Attention à cette arnaque")
    assert flagged.status_code == 201
    stored = GroupPost.objects.get()
    assert stored.flagged and "arnaque" in stored.moderation_reason
    comment = campus.clients["student"].post(
        f"{API}/posts/{stored.pk}/comments/", {"text": "fuck you"}, format="json"
    )
    assert comment.status_code == 400 and comment.json()["error"]["code"] == "content_blocked"
    assert not GroupComment.objects.exists()


def test_author_edits_others_do_not(campus, group):
    made = post(campus.clients["student2"], group["id"]).json()
    url = f"{API}/posts/{made['id']}/"
    refused = campus.clients["student"].patch(url, {"text": "censuré"}, format="json")
    assert refused.status_code == 403
    stranger = campus.clients["outsider"].patch(url, {"text": "x"}, format="json")
    assert stranger.status_code == 403 and stranger.json()["error"]["code"] == "not_a_member"
    bad = campus.clients["student2"].patch(url, {"text": ""}, format="json")
    assert bad.status_code == 400
    response = campus.clients["student2"].patch(url, {"text": "Bonjour, corrigé"}, format="json")
    assert response.status_code == 200
    assert response.json()["text"] == "Bonjour, corrigé" and response.json()["edited_at"]
    assert (
        campus.clients["student2"]
        .patch(f"{API}/posts/nope/", {"text": "x"}, format="json")
        .status_code
        == 404
    )


def test_delete_by_author_or_moderator(campus, group):
    first = post(campus.clients["student"], group["id"]).json()
    second = post(campus.clients["student"], group["id"]).json()
    # A plain member may not delete someone else's post.
    member = campus.clients["student2"].delete(f"{API}/posts/{first['id']}/")
    assert member.status_code == 403 and member.json()["error"]["code"] == "group_role_too_low"
    assert campus.clients["student"].delete(f"{API}/posts/{first['id']}/").status_code == 204
    GroupMembership.objects.filter(user=campus.student2).update(role=GroupRole.MODERATOR)
    assert campus.clients["student2"].delete(f"{API}/posts/{second['id']}/").status_code == 204
    assert not GroupPost.objects.exists()


# --- Comments ------------------------------------------------------------------------------------


def test_comments(campus, group):
    made = post(campus.clients["student"], group["id"]).json()
    url = f"{API}/posts/{made['id']}/comments/"
    response = campus.clients["student2"].post(url, {"text": "Merci !"}, format="json")
    assert response.status_code == 201
    comment = response.json()
    assert comment["text"] == "Merci !" and comment["post"] == made["id"]
    assert campus.clients["outsider"].post(url, {"text": "moi"}, format="json").status_code == 403
    assert campus.clients["student2"].post(url, {"text": ""}, format="json").status_code == 400
    assert (
        campus.clients["student2"].post(url, {"text": "x" * 2001}, format="json").status_code == 400
    )
    listing = campus.clients["outsider"].get(url).json()
    assert [c["id"] for c in listing["results"]] == [comment["id"]]
    feed = campus.clients["student"].get(f"{API}/groups/{group['id']}/posts/").json()
    assert feed["results"][0]["comments_count"] == 1
    # The comment's author or a moderator deletes it; a plain member does not.
    other = campus.clients["student"].post(url, {"text": "de l'admin"}, format="json").json()
    refused = campus.clients["student2"].delete(f"{API}/comments/{other['id']}/")
    assert refused.status_code == 403
    assert campus.clients["student2"].delete(f"{API}/comments/{comment['id']}/").status_code == 204
    assert campus.clients["student"].delete(f"{API}/comments/{other['id']}/").status_code == 204
    assert not GroupComment.objects.exists()


# --- Reactions ------------------------------------------------------------------------------------


def test_one_reaction_per_user_changeable(campus, group):
    made = post(campus.clients["student"], group["id"]).json()
    url = f"{API}/posts/{made['id']}/reactions/"
    first = campus.clients["student2"].put(url, {"emoji": "👍"}, format="json")
    assert first.status_code == 201
    assert first.json()["reactions"]["👍"] == 1 and first.json()["my_reaction"] == "👍"
    changed = campus.clients["student2"].put(url, {"emoji": "🎉"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["reactions"]["👍"] == 0 and changed.json()["reactions"]["🎉"] == 1
    campus.clients["student"].put(url, {"emoji": "🎉"}, format="json")
    assert GroupReaction.objects.count() == 2
    bad = campus.clients["student2"].put(url, {"emoji": "💩"}, format="json")
    assert bad.status_code == 400
    assert GroupReaction.objects.get(user=campus.student2).emoji == "🎉"
    stranger = campus.clients["outsider"].put(url, {"emoji": "👍"}, format="json")
    assert stranger.status_code == 403
    removed = campus.clients["student2"].delete(url)
    assert removed.status_code == 200
    assert removed.json()["reactions"]["🎉"] == 1 and removed.json()["my_reaction"] is None
    again = campus.clients["student2"].delete(url)
    assert again.status_code == 404 and again.json()["error"]["code"] == "reaction_not_found"
    assert APIClient().put(url, {"emoji": "👍"}, format="json").status_code == 401


def test_feed_queries_do_not_grow_with_the_page(campus, group, django_assert_max_num_queries):
    """Reaction counts per emoji, my reaction and comment counts: a fixed number of
    queries for 3 posts and for 40."""
    group_row = CampusGroup.objects.get(pk=group["id"])
    users = [campus.student, campus.student2]

    def add_posts(count):
        for index in range(count):
            made = GroupPost.objects.create(
                group=group_row, author=campus.student, text=f"p{index}"
            )
            for user, emoji in zip(users, ("👍", "❤️"), strict=True):
                GroupReaction.objects.create(post=made, user=user, emoji=emoji)
            GroupComment.objects.create(post=made, author=campus.student2, text="c")

    client = campus.clients["student"]
    url = f"{API}/groups/{group['id']}/posts/?page_size=100"
    add_posts(3)
    client.get(url)  # warm the token/session caches
    with django_assert_max_num_queries(8):
        small = client.get(url).json()
    add_posts(37)
    with django_assert_max_num_queries(8):
        big = client.get(url).json()
    assert len(small["results"]) == 3 and len(big["results"]) == 40
    assert all(p["reactions"]["👍"] == 1 and p["reactions"]["❤️"] == 1 for p in big["results"])
    assert all(p["my_reaction"] == "👍" and p["comments_count"] == 1 for p in big["results"])
