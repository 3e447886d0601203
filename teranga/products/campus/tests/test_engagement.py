"""Favourites, follows and the student profile over HTTP; favourites counted exactly
under concurrent requests."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from conftest import create_user
from teranga.platform.organizations.tests.factories import OrganizationFactory
from teranga.products.campus.models import (
    Event,
    EventFavourite,
    EventStatus,
    EventVisibility,
    OrganizerFollow,
    StudentProfile,
    Tag,
    TagFollow,
)
from teranga.products.campus.services import engagement

from .factories import EventFactory, UniversityFactory
from .test_events_api import API, error


class TestFavourites:
    def test_idempotent_and_counted_exactly(self, campus):
        event = EventFactory(organization=campus.university)
        url = f"{API}/events/{event.pk}/favourite/"
        for _ in range(2):
            response = campus.clients["student"].post(url)
            assert response.status_code == 200, response.content
            assert response.json() == {"favourite": True, "favourites_count": 1}
        campus.clients["student2"].post(url)
        event.refresh_from_db()
        assert event.favourites_count == 2
        listed = campus.clients["student"].get(f"{API}/me/favourites/").json()["results"]
        assert [row["id"] for row in listed] == [str(event.pk)]
        assert listed[0]["is_favourite"] is True
        for _ in range(2):
            response = campus.clients["student"].delete(url)
            assert response.json() == {"favourite": False, "favourites_count": 1}
        assert campus.clients["student"].get(f"{API}/me/favourites/").json()["results"] == []
        event.refresh_from_db()
        assert event.favourites_count == 1

    def test_an_event_the_student_may_not_see_is_404(self, campus):
        draft = EventFactory(organization=campus.university, status=EventStatus.DRAFT)
        other_uni = EventFactory(organization=campus.other, visibility=EventVisibility.UNIVERSITY)
        for event in (draft, other_uni):
            error(
                campus.clients["student"].post(f"{API}/events/{event.pk}/favourite/"),
                404,
                "event_not_found",
            )
        error(campus.clients["student"].post(f"{API}/events/{uuid.uuid4()}/favourite/"), 404)
        error(APIClient().post(f"{API}/events/{draft.pk}/favourite/"), 401)
        error(APIClient().get(f"{API}/me/favourites/"), 401)
        assert not EventFavourite.objects.exists()

    def test_my_favourites_query_count_does_not_grow(self, campus, django_assert_max_num_queries):
        client = campus.clients["student"]
        first = EventFactory(organization=campus.university)
        client.post(f"{API}/events/{first.pk}/favourite/")
        client.get(f"{API}/me/favourites/")
        with django_assert_max_num_queries(12) as small:
            client.get(f"{API}/me/favourites/", {"page_size": 1})
        for _ in range(10):
            event = EventFactory(organization=campus.university)
            event.tags.set([Tag.objects.create(slug=f"t-{event.pk.hex[:8]}")])
            engagement.favourite_add(user=campus.student, event=event)
        with django_assert_max_num_queries(len(small.captured_queries)):
            response = client.get(f"{API}/me/favourites/", {"page_size": 11})
        assert len(response.json()["results"]) == 11


def race(function, event, people, repeats=2):
    """Every one of ``people`` calls ``function`` ``repeats`` times, all threads at once."""
    calls = [user for user in people for _ in range(repeats)]
    barrier = threading.Barrier(len(calls), timeout=60)
    errors = []

    def run(user):
        try:
            barrier.wait()
            function(user=user, event=event)
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_favourites_keep_the_count_exact():
    """Ten students favourite at once, each twice; then half of them remove it, each
    twice at once: the counter always equals the rows."""
    event = EventFactory()
    users = [create_user(f"fan{i}@ucad.test") for i in range(10)]
    assert race(engagement.favourite_add, event, users) == []
    event.refresh_from_db()
    assert event.favourites_count == EventFavourite.objects.filter(event=event).count() == 10
    assert race(engagement.favourite_remove, event, users[:5]) == []
    event.refresh_from_db()
    assert event.favourites_count == EventFavourite.objects.filter(event=event).count() == 5


class TestFollows:
    def test_follow_organisers_and_tags(self, campus):
        client = campus.clients["student"]
        tag = Tag.objects.create(slug="tech")
        for _ in range(2):
            response = client.post(f"{API}/organizers/{campus.club.pk}/follow/")
            assert response.status_code == 200 and response.json() == {"following": True}
            assert client.post(f"{API}/tags/tech/follow/").json() == {"following": True}
        assert OrganizerFollow.objects.filter(user=campus.student).count() == 1
        assert TagFollow.objects.filter(user=campus.student, tag=tag).count() == 1
        body = client.get(f"{API}/me/follows/").json()
        assert [row["organizer"]["id"] for row in body["organizers"]] == [str(campus.club.pk)]
        assert [row["tag"] for row in body["tags"]] == ["tech"]
        assert client.delete(f"{API}/organizers/{campus.club.pk}/follow/").json() == {
            "following": False
        }
        assert client.delete(f"{API}/tags/tech/follow/").json() == {"following": False}
        assert client.get(f"{API}/me/follows/").json() == {"organizers": [], "tags": []}

    def test_unknown_targets_and_anonymous(self, campus):
        client = campus.clients["student"]
        business = OrganizationFactory()
        error(client.post(f"{API}/organizers/{business.pk}/follow/"), 404, "organizer_not_found")
        error(client.post(f"{API}/organizers/{uuid.uuid4()}/follow/"), 404, "organizer_not_found")
        error(client.post(f"{API}/tags/nothing/follow/"), 404, "tag_not_found")
        error(APIClient().post(f"{API}/organizers/{campus.club.pk}/follow/"), 401)
        error(APIClient().get(f"{API}/me/follows/"), 401)
        assert not OrganizerFollow.objects.exists() and not TagFollow.objects.exists()


class TestProfile:
    def test_read_and_change(self, campus, make_user):
        newcomer = make_user("new@ucad.test")
        from .conftest import authed_client

        client = authed_client(newcomer)
        assert client.get(f"{API}/me/profile/").json() == {"university": None, "interests": []}
        Tag.objects.bulk_create([Tag(slug="tech"), Tag(slug="sport")])
        response = client.patch(
            f"{API}/me/profile/",
            {"university": str(campus.university.pk), "interests": ["Tech", "#sport"]},
            format="json",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["university"]["id"] == str(campus.university.pk)
        assert body["interests"] == ["sport", "tech"]
        # Now the student sees "university only" events of that university.
        event = EventFactory(organization=campus.university, visibility=EventVisibility.UNIVERSITY)
        assert client.get(f"{API}/events/{event.pk}/").status_code == 200
        response = client.patch(f"{API}/me/profile/", {"university": None}, format="json")
        assert response.json() == {"university": None, "interests": ["sport", "tech"]}

    def test_bad_input_changes_nothing(self, campus):
        client = campus.clients["student"]
        Tag.objects.create(slug="tech")
        error(
            client.patch(f"{API}/me/profile/", {"university": str(campus.club.pk)}, format="json"),
            404,
            "university_not_found",
        )
        error(
            client.patch(f"{API}/me/profile/", {"interests": ["tech", "ghost"]}, format="json"),
            400,
            "tag_not_found",
        )
        error(client.patch(f"{API}/me/profile/", {"colour": "red"}, format="json"), 400, "invalid")
        error(client.patch(f"{API}/me/profile/", {"university": "x"}, format="json"), 400)
        profile = StudentProfile.objects.get(user=campus.student)
        assert profile.university_id == campus.university.pk
        assert not profile.interests.exists()
        error(APIClient().get(f"{API}/me/profile/"), 401)
        error(APIClient().patch(f"{API}/me/profile/", {}, format="json"), 401)
        assert UniversityFactory  # the factory stays importable for other modules
        assert Event.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_simultaneous_views_by_one_viewer_count_once():
    event = EventFactory()
    viewer = create_user("viewer@ucad.test")

    def view(*, user, event):
        engagement.event_view_record(event=event, viewer=str(user.pk), user=user)

    assert race(view, event, [viewer], repeats=8) == []
    event.refresh_from_db()
    assert event.views_count == 1
    assert event.views.count() == 1
