"""Campus in the platform's moderation queue, through HTTP: flagged posts and comments
open cases for the group's moderators (removed: gone from the feed; approved: the flag
cleared), a blocked comment is refused and logged; a reported review opens a case for
the organiser's managers (approve shows it again, remove keeps it hidden); an event's
blocked text is refused and changes nothing, a flagged club event opens a case for the
university's admins (removed: invite only); the queue's query count with Campus cases
does not grow with the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import authed_client, create_user
from teranga.platform.moderation.models import (
    CaseStatus,
    LogAction,
    ModerationCase,
    ModerationLogEntry,
)
from teranga.platform.organizations.models import Membership, Role
from teranga.products.campus.models import (
    Event,
    EventVisibility,
    GroupComment,
    GroupMembership,
    GroupPost,
    GroupRole,
    Review,
)

from .factories import EventFactory

API = "/api/v1/campus"
CASES = "/api/v1/moderation/cases/"

pytestmark = pytest.mark.django_db


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def make_group(client, **fields) -> dict:
    response = client.post(f"{API}/groups/", {"name": "Club Python", **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def post(client, group_id, text):
    return client.post(f"{API}/groups/{group_id}/posts/", {"text": text}, format="json")


@pytest.fixture
def group(campus):
    """A public group: ``student`` its admin, ``student2`` a member, ``agent`` a
    moderator; ``outsider`` admin of another group."""
    body = make_group(campus.clients["student"])
    for name in ("student2", "agent"):
        assert campus.clients[name].post(f"{API}/groups/{body['id']}/join/").status_code == 200
    GroupMembership.objects.filter(group_id=body["id"], user=campus.agent).update(
        role=GroupRole.MODERATOR
    )
    make_group(campus.clients["outsider"], name="Autre groupe")
    return body


# --- Posts and comments --------------------------------------------------------------------


def test_a_flagged_post_opens_a_case_for_the_groups_moderators_only(campus, group):
    response = post(campus.clients["student2"], group["id"], "Attention à cette arnaque")
    assert response.status_code == 201, response.content
    stored = GroupPost.objects.get()
    assert stored.flagged
    case = ModerationCase.objects.get()
    assert (case.kind, case.object_id, case.status) == (
        "campus.group_post",
        str(stored.pk),
        CaseStatus.OPEN,
    )
    assert case.author == campus.student2
    for moderator in ("student", "agent"):
        assert ids(campus.clients[moderator].get(CASES)) == [str(case.pk)]
    row = campus.clients["agent"].get(f"{CASES}{case.pk}/").json()
    assert row["kind_label"]
    assert row["excerpt"] == "Attention à cette arnaque"
    for other in ("student2", "outsider", "manager"):
        assert ids(campus.clients[other].get(CASES)) == []
        assert campus.clients[other].get(f"{CASES}{case.pk}/").status_code == 404
        refused = campus.clients[other].post(f"{CASES}{case.pk}/remove/", {}, format="json")
        assert refused.status_code == 404
    assert GroupPost.objects.filter(pk=stored.pk).exists()


def test_the_moderator_removes_a_flagged_post_and_the_feed_loses_it(campus, group):
    post(campus.clients["student2"], group["id"], "Attention à cette arnaque")
    kept = post(campus.clients["student2"], group["id"], "Réunion jeudi à 18h").json()
    case = ModerationCase.objects.get()
    response = campus.clients["agent"].post(
        f"{CASES}{case.pk}/remove/", {"note": "hors charte"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "removed"
    feed = campus.clients["student"].get(f"{API}/groups/{group['id']}/posts/").json()
    assert [row["id"] for row in feed["results"]] == [kept["id"]]
    assert GroupPost.objects.count() == 1
    assert ModerationLogEntry.objects.filter(case=case, action=LogAction.REMOVED).exists()


def test_approving_a_flagged_comment_clears_its_flag(campus, group):
    made = post(campus.clients["student"], group["id"], "Bienvenue au club").json()
    response = campus.clients["student2"].post(
        f"{API}/posts/{made['id']}/comments/", {"text": "Envoie le code secret"}, format="json"
    )
    assert response.status_code == 201, response.content
    comment = GroupComment.objects.get()
    assert comment.flagged and comment.moderation_reason
    case = ModerationCase.objects.get(kind="campus.group_comment")
    assert case.object_id == str(comment.pk)
    approved = campus.clients["student"].post(f"{CASES}{case.pk}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.content
    comment.refresh_from_db()
    assert (comment.flagged, comment.moderation_reason) == (False, "")
    again = campus.clients["agent"].post(f"{CASES}{case.pk}/remove/", {}, format="json")
    assert again.status_code == 409
    assert GroupComment.objects.filter(pk=comment.pk).exists()


def test_a_blocked_comment_is_400_and_logged(campus, group):
    made = post(campus.clients["student"], group["id"], "Bienvenue au club").json()
    response = campus.clients["student2"].post(
        f"{API}/posts/{made['id']}/comments/", {"text": "fuck you"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "content_blocked" and "text" in error["fields"]
    assert not GroupComment.objects.exists()
    assert not ModerationCase.objects.exists()
    entry = ModerationLogEntry.objects.get()
    assert (entry.action, entry.kind, entry.actor) == (
        LogAction.BLOCKED,
        "campus.group_comment",
        campus.student2,
    )
    assert entry.excerpt == "fuck you"


def test_a_clubs_organiser_admins_moderate_its_posts(campus):
    club_group = make_group(
        campus.clients["club_admin"], name="Club Tech", kind="club", organizer=str(campus.club.pk)
    )
    assert campus.clients["student"].post(f"{API}/groups/{club_group['id']}/join/").status_code
    owner = create_user("owner@club.test")
    Membership.objects.create(organization=campus.club, user=owner, role=Role.OWNER)
    post(campus.clients["student"], club_group["id"], "Une arnaque de plus")
    case = ModerationCase.objects.get()
    assert case.organization_id == campus.club.pk
    assert ids(authed_client(owner).get(CASES)) == [str(case.pk)]
    assert ids(campus.clients["manager"].get(CASES)) == []


# --- Reviews -------------------------------------------------------------------------------


@pytest.fixture
def reviewed(campus):
    """A past event of the university and ``student``'s review of it."""
    from .test_reviews_api import checked_in, past_event

    event = past_event(campus.university)
    checked_in(event, campus.student)
    response = campus.clients["student"].post(
        f"{API}/events/{event.pk}/reviews/", {"rating": 1, "comment": "Nul"}, format="json"
    )
    assert response.status_code == 201, response.content
    return Review.objects.get(pk=response.json()["id"])


def report(campus, name, review, reason="Insultant"):
    return campus.clients[name].post(
        f"{API}/reviews/{review.pk}/report/", {"reason": reason}, format="json"
    )


def test_a_reported_review_opens_a_case_for_the_organisers_managers(campus, reviewed):
    assert report(campus, "student2", reviewed).status_code == 200
    case = ModerationCase.objects.get()
    assert (case.kind, case.object_id, case.reports) == ("campus.review", str(reviewed.pk), 1)
    assert case.organization_id == campus.university.pk
    assert ids(campus.clients["manager"].get(CASES)) == [str(case.pk)]
    for other in ("agent", "other_manager", "student2", "club_admin"):
        assert ids(campus.clients[other].get(CASES)) == []
    # More reports join the case; the third hides the review as before.
    assert report(campus, "agent", reviewed).status_code == 200
    assert report(campus, "outsider", reviewed).status_code == 200
    reviewed.refresh_from_db()
    assert reviewed.hidden_at is not None
    case.refresh_from_db()
    assert case.reports == reviewed.reports_count
    # Approving shows it again.
    response = campus.clients["manager"].post(f"{CASES}{case.pk}/approve/", {}, format="json")
    assert response.status_code == 200, response.content
    reviewed.refresh_from_db()
    assert reviewed.hidden_at is None
    listed = campus.clients["student2"].get(f"{API}/events/{reviewed.event_id}/reviews/").json()
    assert [row["id"] for row in listed["results"]] == [str(reviewed.pk)]


def test_removing_a_review_hides_it_for_good(campus, reviewed):
    report(campus, "student2", reviewed)
    case = ModerationCase.objects.get()
    response = campus.clients["manager"].post(f"{CASES}{case.pk}/remove/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "removed"
    reviewed.refresh_from_db()
    assert reviewed.hidden_at is not None
    listed = campus.clients["student2"].get(f"{API}/events/{reviewed.event_id}/reviews/").json()
    assert listed["results"] == []


def test_review_texts_are_checked(campus, reviewed):
    url = f"{API}/reviews/{reviewed.pk}/"
    blocked = campus.clients["student"].patch(url, {"comment": "Connard"}, format="json")
    assert blocked.status_code == 400
    assert blocked.json()["error"]["code"] == "content_blocked"
    reviewed.refresh_from_db()
    assert reviewed.comment == "Nul"
    reply = campus.clients["manager"].post(
        f"{url}reply/", {"reply": "Quelle arnaque ce commentaire"}, format="json"
    )
    assert reply.status_code == 200, reply.content
    case = ModerationCase.objects.get()
    assert (case.kind, case.author) == ("campus.review", campus.manager)
    refused = campus.clients["manager"].post(f"{url}reply/", {"reply": "fuck you"}, format="json")
    assert refused.status_code == 400 and "reply" in refused.json()["error"]["fields"]
    assert ModerationLogEntry.objects.filter(action=LogAction.BLOCKED).count() == 2


# --- Events --------------------------------------------------------------------------------


def event_payload(**extra):
    start = (timezone.now() + timedelta(days=5)).replace(microsecond=0)
    return {
        "title": "Soirée du club",
        "description": "<p>Venez nombreux</p>",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        **extra,
    }


def test_an_event_description_with_a_blocked_word_is_400_and_changes_nothing(campus):
    url = f"{API}/organizations/{campus.university.pk}/events/"
    response = campus.clients["manager"].post(
        url, event_payload(description="<p>Bande de connards… enculé</p>"), format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "content_blocked" and "description" in error["fields"]
    assert not Event.objects.exists()
    made = campus.clients["manager"].post(url, event_payload(), format="json").json()
    patch = campus.clients["manager"].patch(
        f"{API}/events/{made['id']}/manage/", {"title": "Salope", "capacity": 3}, format="json"
    )
    assert patch.status_code == 400 and "title" in patch.json()["error"]["fields"]
    event = Event.objects.get()
    assert (event.title, event.capacity) == ("Soirée du club", None)
    assert ModerationLogEntry.objects.filter(kind="campus.event").count() == 2
    assert not ModerationCase.objects.exists()


def test_a_flagged_club_event_opens_a_case_for_the_universitys_admins(campus):
    admin = create_user("admin@ucad.test")
    Membership.objects.create(organization=campus.university, user=admin, role=Role.ADMIN)
    response = campus.clients["club_admin"].post(
        f"{API}/organizations/{campus.club.pk}/events/",
        event_payload(description='<p>Inscriptions : <a href="https://bit.ly/x">ici</a></p>'),
        format="json",
    )
    assert response.status_code == 201, response.content
    event_id = response.json()["id"]
    case = ModerationCase.objects.get()
    assert (case.kind, case.object_id, case.organization_id) == (
        "campus.event",
        event_id,
        campus.club.pk,
    )
    assert case.reasons[0]["code"] == "links"
    admin_api = authed_client(admin)
    assert ids(admin_api.get(CASES)) == [str(case.pk)]
    assert admin_api.get(f"{CASES}{case.pk}/").json()["link"]
    for other in ("manager", "club_admin", "other_manager"):
        assert ids(campus.clients[other].get(CASES)) == []
    published = campus.clients["club_admin"].post(f"{API}/events/{event_id}/publish/")
    assert published.status_code == 200, published.content
    assert ModerationCase.objects.count() == 1  # the open case, joined
    removed = admin_api.post(f"{CASES}{case.pk}/remove/", {}, format="json")
    assert removed.status_code == 200, removed.content
    event = Event.objects.get(pk=event_id)
    assert (event.status, event.visibility) == ("published", EventVisibility.INVITE)
    public = campus.clients["student"].get(f"{API}/events/").json()
    assert event_id not in [row["id"] for row in public["results"]]


def test_a_blocked_title_on_publish_leaves_the_draft(campus):
    event = EventFactory(
        organization=campus.university, status="draft", published_at=None, title="Fils de pute"
    )
    response = campus.clients["manager"].post(f"{API}/events/{event.pk}/publish/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "content_blocked"
    event.refresh_from_db()
    assert event.status == "draft"


# --- The queue's cost ----------------------------------------------------------------------


def test_the_queue_with_campus_cases_costs_the_same_whatever_the_page(campus):
    group = make_group(campus.clients["student"])
    staff = authed_client(create_user("staff@teranga.test", is_staff=True))
    api = campus.clients["student"]

    def cost(client, size):
        with CaptureQueriesContext(connection) as queries:
            assert len(ids(client.get(CASES, {"page_size": size}))) == size
        return len(queries)

    post(api, group["id"], "Première arnaque du jour")
    small = [cost(api, 1), cost(staff, 1)]
    for n in range(6):
        post(api, group["id"], f"Encore une arnaque {n}")
    assert [cost(api, 7), cost(staff, 7)] == small
    assert max(small) <= 6, small
