"""Reviews and ratings through HTTP: only checked-in attendees, once per event, after
the start; the author edits and deletes; the organiser's managers reply; reports hide a
review; the organiser's average; no N+1 on the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import create_user
from teranga.platform.notifications.models import Notification
from teranga.platform.organizations.tests.factories import OrganizationFactory
from teranga.products.campus.models import (
    BadgeAward,
    CheckinList,
    EventVisibility,
    Review,
    ReviewReport,
    Scan,
    ScanDirection,
    ScanResult,
    TicketPresence,
)

from .factories import EventFactory, TicketTypeFactory, issued_ticket, student_of

API = "/api/v1/campus"


def past_event(organization, **fields):
    now = timezone.now()
    return EventFactory(
        organization=organization,
        starts_at=now - timedelta(hours=3),
        ends_at=now - timedelta(hours=1),
        **fields,
    )


def checked_in(event, user, *, by_scan: bool = False):
    """``user`` holds a ticket of ``event`` that was admitted at its door."""
    ticket_type = TicketTypeFactory(event=event)
    ticket = issued_ticket(ticket_type, user)
    door, _ = CheckinList.objects.get_or_create(
        event=event, organization=event.organization, name="Entrée"
    )
    now = timezone.now()
    if by_scan:
        Scan.objects.create(
            checkin_list=door,
            ticket=ticket,
            code=ticket.code,
            direction=ScanDirection.ENTRY,
            result=ScanResult.VALID,
            scanned_at=now,
        )
    else:
        TicketPresence.objects.create(
            checkin_list=door, ticket=ticket, inside=True, first_entry_at=now
        )
    return ticket


@pytest.fixture
def event(campus):
    return past_event(campus.university)


def review(client, event, body):
    return client.post(f"{API}/events/{event.pk}/reviews/", body, format="json")


class TestWrite:
    def test_a_checked_in_student_reviews_once(self, campus, event):
        checked_in(event, campus.student)
        response = review(campus.clients["student"], event, {"rating": 4, "comment": "Super"})
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["rating"] == 4 and body["comment"] == "Super"
        assert body["reply"] is None and body["hidden"] is False
        assert body["author"]["id"] == str(campus.student.pk)
        assert "email" not in body["author"]

        again = review(campus.clients["student"], event, {"rating": 1})
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "already_reviewed"
        assert Review.objects.filter(event=event).count() == 1

    def test_an_accepted_entry_scan_counts_as_checked_in(self, campus, event):
        checked_in(event, campus.student2, by_scan=True)
        response = review(campus.clients["student2"], event, {"rating": 5})
        assert response.status_code == 201, response.content

    def test_a_ticket_never_scanned_may_not_review(self, campus, event):
        issued_ticket(TicketTypeFactory(event=event), campus.student)
        response = review(campus.clients["student"], event, {"rating": 5})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "review_not_allowed"
        assert not Review.objects.exists()

    def test_not_before_the_event_started(self, campus):
        now = timezone.now()
        upcoming = EventFactory(
            organization=campus.university,
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(hours=3),
        )
        checked_in(upcoming, campus.student)
        response = review(campus.clients["student"], upcoming, {"rating": 5})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "event_not_started"
        assert not Review.objects.exists()

    @pytest.mark.parametrize(
        "body",
        [
            {"rating": 0},
            {"rating": 6},
            {"rating": "five"},
            {},
            {"rating": 3, "comment": "x" * 2001},
            {"rating": 3, "stars": 3},
        ],
    )
    def test_bad_input_is_400_and_changes_nothing(self, campus, event, body):
        checked_in(event, campus.student)
        response = review(campus.clients["student"], event, body)
        assert response.status_code == 400
        assert "error" in response.json()
        assert not Review.objects.exists()

    def test_anonymous_is_401(self, campus, event):
        assert review(APIClient(), event, {"rating": 5}).status_code == 401

    def test_an_event_the_user_may_not_see_is_404(self, campus):
        hidden = past_event(campus.university, visibility=EventVisibility.UNIVERSITY)
        checked_in(hidden, campus.student)  # a student of the university: not the outsider
        response = review(campus.clients["outsider"], hidden, {"rating": 5})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "event_not_found"
        bad_id = campus.clients["student"].post(
            f"{API}/events/not-a-uuid/reviews/", {"rating": 5}, format="json"
        )
        assert bad_id.status_code == 404

    def test_a_review_queues_the_badges_of_its_author(
        self, campus, event, django_capture_on_commit_callbacks
    ):
        checked_in(event, campus.student)
        with django_capture_on_commit_callbacks(execute=True):
            assert review(campus.clients["student"], event, {"rating": 5}).status_code == 201
        badges = set(BadgeAward.objects.filter(user=campus.student).values_list("badge", flat=True))
        assert badges == {"first_event", "reviewer"}
        assert (
            Notification.objects.filter(
                recipient=campus.student, kind="campus.badge_awarded"
            ).count()
            == 2
        )


class TestAuthor:
    @pytest.fixture
    def mine(self, campus, event):
        checked_in(event, campus.student)
        response = review(campus.clients["student"], event, {"rating": 3, "comment": "Bien"})
        return Review.objects.get(pk=response.json()["id"])

    def test_the_author_edits_and_deletes(self, campus, mine):
        client = campus.clients["student"]
        response = client.patch(f"{API}/reviews/{mine.pk}/", {"rating": 5}, format="json")
        assert response.status_code == 200
        assert response.json()["rating"] == 5 and response.json()["comment"] == "Bien"
        bad = client.patch(f"{API}/reviews/{mine.pk}/", {"rating": 9}, format="json")
        assert bad.status_code == 400
        mine.refresh_from_db()
        assert mine.rating == 5
        assert client.delete(f"{API}/reviews/{mine.pk}/").status_code == 204
        assert not Review.objects.exists()

    def test_anyone_else_gets_404(self, campus, mine):
        for name in ("student2", "manager"):
            client = campus.clients[name]
            response = client.patch(f"{API}/reviews/{mine.pk}/", {"rating": 1}, format="json")
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "review_not_found"
            assert client.delete(f"{API}/reviews/{mine.pk}/").status_code == 404
        assert APIClient().delete(f"{API}/reviews/{mine.pk}/").status_code == 401
        mine.refresh_from_db()
        assert mine.rating == 3


class TestReply:
    @pytest.fixture
    def posted(self, campus, event):
        checked_in(event, campus.student)
        response = review(campus.clients["student"], event, {"rating": 2})
        return Review.objects.get(pk=response.json()["id"])

    def reply(self, client, posted, body):
        return client.post(f"{API}/reviews/{posted.pk}/reply/", body, format="json")

    def test_the_organisers_manager_replies(self, campus, posted, event):
        response = self.reply(campus.clients["manager"], posted, {"reply": "Merci !"})
        assert response.status_code == 200, response.content
        assert response.json()["reply"]["text"] == "Merci !"
        listed = APIClient().get(f"{API}/events/{event.pk}/reviews/").json()
        assert listed["results"][0]["reply"]["text"] == "Merci !"

    def test_low_role_other_org_anonymous_bad_input(self, campus, posted):
        agent = self.reply(campus.clients["agent"], posted, {"reply": "x"})
        assert agent.status_code == 403
        other = self.reply(campus.clients["other_manager"], posted, {"reply": "x"})
        assert other.status_code == 404
        assert other.json()["error"]["code"] == "review_not_found"
        student = self.reply(campus.clients["student2"], posted, {"reply": "x"})
        assert student.status_code == 404
        assert self.reply(APIClient(), posted, {"reply": "x"}).status_code == 401
        assert self.reply(campus.clients["manager"], posted, {"reply": ""}).status_code == 400
        posted.refresh_from_db()
        assert posted.reply == "" and posted.replied_at is None


class TestReportAndRating:
    def test_three_reports_hide_a_review_and_the_average_follows(self, campus, event):
        checked_in(event, campus.student)
        checked_in(event, campus.student2)
        bad = review(campus.clients["student"], event, {"rating": 1, "comment": "spam"}).json()
        review(campus.clients["student2"], event, {"rating": 5})
        rating_url = f"{API}/organizers/{campus.university.pk}/rating/"
        assert APIClient().get(rating_url).json() == {
            "organization": str(campus.university.pk),
            "average": 3.0,
            "count": 2,
        }

        url = f"{API}/reviews/{bad['id']}/report/"
        first = campus.clients["student2"].post(url, {"reason": "Insultant"}, format="json")
        assert first.status_code == 200 and first.json()["hidden"] is False
        twice = campus.clients["student2"].post(url, {"reason": "Encore"}, format="json")
        assert twice.status_code == 409
        assert twice.json()["error"]["code"] == "already_reported"
        own = campus.clients["student"].post(url, {"reason": "?"}, format="json")
        assert own.status_code == 409
        assert campus.clients["manager"].post(url, {"reason": ""}, format="json").status_code == 400
        assert APIClient().post(url, {"reason": "x"}, format="json").status_code == 401
        assert ReviewReport.objects.count() == 1

        campus.clients["manager"].post(url, {"reason": "Faux"}, format="json")
        third = campus.clients["agent"].post(url, {"reason": "Faux"}, format="json")
        assert third.status_code == 200 and third.json()["hidden"] is True

        listed = APIClient().get(f"{API}/events/{event.pk}/reviews/").json()
        assert [row["rating"] for row in listed["results"]] == [5]
        assert APIClient().get(rating_url).json()["average"] == 5.0
        assert APIClient().get(rating_url).json()["count"] == 1
        # Hidden: others no longer find it; its author still edits it.
        late = create_user("late@ucad.test")
        from conftest import authed_client

        again = authed_client(late).post(url, {"reason": "x"}, format="json")
        assert again.status_code == 404
        edit = campus.clients["student"].patch(
            f"{API}/reviews/{bad['id']}/", {"comment": "ok"}, format="json"
        )
        assert edit.status_code == 200 and edit.json()["hidden"] is True

    def test_rating_of_an_unknown_organiser_is_404(self, campus):
        business = OrganizationFactory()
        for organization_id in (business.pk, "nope"):
            response = APIClient().get(f"{API}/organizers/{organization_id}/rating/")
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "organizer_not_found"
        empty = APIClient().get(f"{API}/organizers/{campus.club.pk}/rating/").json()
        assert empty == {"organization": str(campus.club.pk), "average": None, "count": 0}

    def test_a_private_events_reviews_are_404_to_outsiders(self, campus):
        private = past_event(campus.university, visibility=EventVisibility.UNIVERSITY)
        assert APIClient().get(f"{API}/events/{private.pk}/reviews/").status_code == 404
        response = campus.clients["outsider"].get(f"{API}/events/{private.pk}/reviews/")
        assert response.status_code == 404
        assert (
            campus.clients["student"].get(f"{API}/events/{private.pk}/reviews/").status_code == 200
        )


def test_the_list_query_count_does_not_grow(campus, event, django_assert_max_num_queries):
    def add_reviews(n):
        for i in range(n):
            user = create_user(f"r{Review.objects.count()}-{i}@ucad.test")
            student_of(user, campus.university)
            checked_in(event, user)
            Review.objects.create(
                event=event, organization=campus.university, author=user, rating=4, reply="Merci"
            )

    add_reviews(3)
    client = APIClient()
    url = f"{API}/events/{event.pk}/reviews/?page_size=50"
    with django_assert_max_num_queries(10) as small:
        assert len(client.get(url).json()["results"]) == 3
    add_reviews(12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(url).json()["results"]) == 15


@pytest.mark.django_db(transaction=True)
def test_twin_reviews_at_once_make_one():
    import threading

    from django.db import connection

    from teranga.core.errors import Conflict
    from teranga.products.campus.services.reviews import review_create

    from .factories import UniversityFactory

    university = UniversityFactory()
    student = create_user("twin@ucad.test")
    student_of(student, university)
    event = past_event(university)
    checked_in(event, student)
    count = 5
    barrier = threading.Barrier(count, timeout=30)
    made: list = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            barrier.wait()
            made.append(review_create(user=student, event_id=event.pk, rating=5))
        except Conflict as conflict:
            refused.append(str(conflict.code))
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(made) == 1
    assert refused == ["already_reviewed"] * (count - 1)
    assert Review.objects.filter(event=event).count() == 1
