"""Badges: the rules, idempotent awarding (twice → once; concurrent runs with threads →
once), the periodic job over recent activity, the badge endpoints and the leaderboard
(ranking, one query per page whatever its size)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import create_user
from teranga.platform.notifications.models import Notification
from teranga.platform.organizations.models import Membership, Role
from teranga.products.campus.models import BadgeAward, BadgeSweep, EventStatus, Review
from teranga.products.campus.services.badges import (
    BADGES,
    badges_award_for,
    badges_award_recent,
)

from .factories import EventFactory, UniversityFactory, student_of
from .test_reviews_api import checked_in, past_event

API = "/api/v1/campus"


def codes(user) -> set[str]:
    return set(BadgeAward.objects.filter(user=user).values_list("badge", flat=True))


def test_the_registry_has_the_four_rules_with_translated_names():
    from django.utils import translation

    assert set(BADGES) == {"first_event", "events_10", "organizer_5", "reviewer"}
    with translation.override("en"):
        assert str(BADGES["first_event"].name) == "First event"


class TestRules:
    def test_awarding_twice_awards_once_and_notifies_once(self, campus):
        event = past_event(campus.university)
        checked_in(event, campus.student)
        assert badges_award_for(user=campus.student) == ["first_event"]
        assert badges_award_for(user=campus.student) == []
        assert codes(campus.student) == {"first_event"}
        told = Notification.objects.filter(recipient=campus.student, kind="campus.badge_awarded")
        assert told.count() == 1

    def test_nothing_without_activity(self, campus):
        assert badges_award_for(user=campus.student) == []
        # A ticket never scanned is no attendance.
        from .factories import TicketTypeFactory, issued_ticket

        issued_ticket(TicketTypeFactory(event=past_event(campus.university)), campus.student)
        assert badges_award_for(user=campus.student) == []

    def test_ten_events(self, campus):
        for _ in range(9):
            checked_in(past_event(campus.university), campus.student)
        assert badges_award_for(user=campus.student) == ["first_event"]
        checked_in(past_event(campus.university), campus.student)
        assert badges_award_for(user=campus.student) == ["events_10"]

    def test_organiser_of_five_events_that_took_place(self, campus):
        now = timezone.now()
        for _ in range(4):
            past_event(campus.university)  # published and ended
        EventFactory(organization=campus.university, status=EventStatus.DRAFT)
        EventFactory(organization=campus.university)  # still to come
        assert badges_award_for(user=campus.manager) == []
        EventFactory(
            organization=campus.university,
            status=EventStatus.FINISHED,
            starts_at=now - timedelta(days=2),
            ends_at=now - timedelta(days=2) + timedelta(hours=1),
        )
        assert badges_award_for(user=campus.manager) == ["organizer_5"]
        # An agent of the same organiser does not organise.
        assert badges_award_for(user=campus.agent) == []

    def test_reviewer(self, campus):
        event = past_event(campus.university)
        checked_in(event, campus.student)
        Review.objects.create(
            event=event, organization=campus.university, author=campus.student, rating=5
        )
        assert sorted(badges_award_for(user=campus.student)) == ["first_event", "reviewer"]


class TestPeriodicJob:
    def test_recent_activity_is_evaluated_once(self, campus):
        event = past_event(campus.university)
        checked_in(event, campus.student)
        assert badges_award_recent() == 1
        assert codes(campus.student) == {"first_event"}
        sweep = BadgeSweep.objects.get()
        assert badges_award_recent() == 0  # run again: nothing more
        assert BadgeSweep.objects.get().checked_until >= sweep.checked_until
        assert BadgeAward.objects.count() == 1

    def test_the_watermark_leaves_old_activity_alone(self, campus):
        event = past_event(campus.university)
        checked_in(event, campus.student)
        BadgeSweep.objects.create(
            name="activity", checked_until=timezone.now() + timedelta(hours=1)
        )
        assert badges_award_recent() == 0
        assert not BadgeAward.objects.exists()

    def test_managers_of_an_organiser_whose_events_ended(self, campus):
        for _ in range(5):
            past_event(campus.university)
        assert badges_award_recent() == 1
        assert codes(campus.manager) == {"organizer_5"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_award_once():
    university = UniversityFactory()
    student = create_user("racer@ucad.test")
    student_of(student, university)
    checked_in(past_event(university), student)
    Review.objects.create(
        event=student.campus_tickets.first().event,
        organization=university,
        author=student,
        rating=4,
    )
    threads_count = 6
    barrier = threading.Barrier(threads_count, timeout=30)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(badges_award_for(user=student))
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    awarded = sorted(code for result in results for code in result)
    assert awarded == ["first_event", "reviewer"]  # each once, whoever won
    assert BadgeAward.objects.filter(user=student).count() == 2
    assert Notification.objects.filter(recipient=student, kind="campus.badge_awarded").count() == 2


class TestEndpoints:
    def test_my_badges_and_a_public_profile(self, campus):
        checked_in(past_event(campus.university), campus.student)
        campus.student.first_name, campus.student.last_name = "Awa", "Ndiaye"
        campus.student.save()
        badges_award_for(user=campus.student)
        mine = campus.clients["student"].get(f"{API}/me/badges/")
        assert mine.status_code == 200
        assert [b["code"] for b in mine.json()["badges"]] == ["first_event"]
        assert mine.json()["badges"][0]["name"]

        public = campus.clients["student2"].get(f"{API}/users/{campus.student.pk}/badges/")
        assert public.status_code == 200
        assert public.json()["user"] == {"id": str(campus.student.pk), "name": "Awa N."}
        assert "email" not in str(public.json())

        assert APIClient().get(f"{API}/me/badges/").status_code == 401
        assert APIClient().get(f"{API}/users/{campus.student.pk}/badges/").status_code == 401
        for bad in ("nope", "00000000-0000-4000-8000-000000000000"):
            response = campus.clients["student2"].get(f"{API}/users/{bad}/badges/")
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "user_not_found"

    def test_leaderboard_ranks_by_badges_then_events(self, campus):
        # student: 2 events, 1 badge; student2: 1 event + review, 2 badges.
        for _ in range(2):
            checked_in(past_event(campus.university), campus.student)
        event = past_event(campus.university)
        checked_in(event, campus.student2)
        Review.objects.create(
            event=event, organization=campus.university, author=campus.student2, rating=5
        )
        badges_award_for(user=campus.student)
        badges_award_for(user=campus.student2)
        url = f"{API}/universities/{campus.university.pk}/leaderboard/"
        response = campus.clients["outsider"].get(url)
        assert response.status_code == 200
        rows = response.json()["results"]
        assert [(r["user"]["id"], r["rank"], r["badges"], r["events_attended"]) for r in rows] == [
            (str(campus.student2.pk), 1, 2, 1),
            (str(campus.student.pk), 2, 1, 2),
        ]
        assert str(campus.outsider.pk) not in str(rows)  # another university's student

        assert APIClient().get(url).status_code == 401
        for bad in (campus.club.pk, "nope"):
            response = campus.clients["student"].get(f"{API}/universities/{bad}/leaderboard/")
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "university_not_found"

    def test_leaderboard_query_count_does_not_grow(self, campus, django_assert_max_num_queries):
        def add_students(n):
            for _ in range(n):
                user = create_user(f"lb{BadgeAward.objects.count()}-{_}@ucad.test")
                student_of(user, campus.university)
                checked_in(past_event(campus.university), user)
                badges_award_for(user=user)

        add_students(2)
        url = f"{API}/universities/{campus.university.pk}/leaderboard/?page_size=50"
        client = campus.clients["student"]
        with django_assert_max_num_queries(10) as small:
            assert len(client.get(url).json()["results"]) == 4
        add_students(8)
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert len(client.get(url).json()["results"]) == 12


def test_an_inactive_member_role_below_manager_does_not_organise(campus):
    member = create_user("member@ucad.test")
    Membership.objects.create(organization=campus.university, user=member, role=Role.MEMBER)
    for _ in range(5):
        past_event(campus.university)
    assert badges_award_for(user=member) == []


def test_the_periodic_job_is_registered_every_five_minutes(campus):
    from teranga.platform.contract import periodic_jobs

    job = next(job for job in periodic_jobs.values() if job.name == "campus.badges_award")
    assert dict(job.schedule) == {"minute": "*/5"}
    checked_in(past_event(campus.university), campus.student)
    assert job.function() == 1
    assert codes(campus.student) == {"first_event"}
