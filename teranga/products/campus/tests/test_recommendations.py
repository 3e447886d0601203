"""``GET /api/v1/campus/events/recommended/``: the score's signals, what is left out, the
reasons, and a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from teranga.products.campus.models import (
    EventStatus,
    EventVisibility,
    OrganizerFollow,
    Tag,
    TagFollow,
)

from .factories import EventFactory, TicketTypeFactory, issued_ticket

URL = "/api/v1/campus/events/recommended/"


def _event(organization, title, *, days=3, tags=(), **fields):
    event = EventFactory(
        organization=organization,
        title=title,
        starts_at=timezone.now() + timedelta(days=days),
        **fields,
    )
    event.tags.set([Tag.objects.get_or_create(slug=slug)[0] for slug in tags])
    return event


def _titles(response):
    return [row["event"]["title"] for row in response.json()]


def _reasons(response, title):
    row = next(row for row in response.json() if row["event"]["title"] == title)
    return {reason["code"] for reason in row["reasons"]}


@pytest.fixture
def world(campus):
    student = campus.student
    profile = student.campus_profile
    tech = Tag.objects.create(slug="tech")
    profile.interests.set([tech])
    TagFollow.objects.create(user=student, tag=Tag.objects.create(slug="musique"))
    OrganizerFollow.objects.create(user=student, organization=campus.club)
    # student and student2 went out together twice: friends.
    for n in range(2):
        past = _event(campus.other, f"Passé {n}", days=-10 - n)
        kind = TicketTypeFactory(event=past)
        issued_ticket(kind, student)
        issued_ticket(kind, campus.student2)
    events = {
        "own": _event(campus.university, "À l'université", days=20),
        "interest": _event(campus.other, "Hackathon", days=20, tags=["tech"]),
        "followed_tag": _event(campus.other, "Concert", days=20, tags=["musique"]),
        "club": _event(campus.club, "Réunion du club", days=20, university=campus.university),
        "friend": _event(campus.other, "Soirée", days=20),
        "plain": _event(campus.other, "Autre", days=20),
        "soon": _event(campus.other, "Demain", days=1),
        # Left out:
        "started": _event(campus.university, "Déjà commencé", days=-0.01),
        "held": _event(campus.university, "J'ai mon billet", days=5),
        "draft": _event(campus.university, "Brouillon", status=EventStatus.DRAFT),
        "closed": _event(campus.other, "Réservé UGB", visibility=EventVisibility.UNIVERSITY),
        "far": _event(campus.university, "Dans trois mois", days=90),
    }
    issued_ticket(TicketTypeFactory(event=events["friend"]), campus.student2)
    issued_ticket(TicketTypeFactory(event=events["held"]), student)
    return events


def test_scores_each_signal_and_says_why(campus, world):
    response = campus.clients["student"].get(URL, {"limit": 50})
    assert response.status_code == 200, response.content
    titles = _titles(response)
    for left_out in (
        "Déjà commencé",
        "J'ai mon billet",
        "Brouillon",
        "Réservé UGB",
        "Dans trois mois",
        "Passé 0",
    ):
        assert left_out not in titles
    # The followed club of the student's own university comes first (4 + 3), then a
    # matching interest or tag (2 each) or the own university (3), friends (1.5), then
    # plain events, the sooner first.
    assert titles[0] == "Réunion du club"
    assert _reasons(response, "Réunion du club") >= {"followed_organizer", "university"}
    assert "university" in _reasons(response, "À l'université")
    assert "interest" in _reasons(response, "Hackathon")
    assert "followed_tag" in _reasons(response, "Concert")
    assert "friends" in _reasons(response, "Soirée")
    assert titles.index("Soirée") < titles.index("Autre")
    assert titles.index("Demain") < titles.index("Autre")
    scores = [row["score"] for row in response.json()]
    assert scores == sorted(scores, reverse=True)
    row = response.json()[0]
    assert row["score"] == pytest.approx(sum(reason["points"] for reason in row["reasons"]))
    assert all(reason["text"] for reason in row["reasons"])


def test_reasons_are_in_the_readers_language(campus, world):
    client = campus.clients["student"]
    english = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").json()
    wolof = client.get(URL, HTTP_ACCEPT_LANGUAGE="wo").json()
    texts_en = {r["code"]: r["text"] for row in english for r in row["reasons"]}
    texts_wo = {r["code"]: r["text"] for row in wolof for r in row["reasons"]}
    assert texts_en["followed_organizer"] == "By an organiser you follow"
    assert texts_wo["followed_organizer"] != texts_en["followed_organizer"]


def test_limit_is_bounded_and_anonymous_is_refused(campus, world, api):
    assert len(campus.clients["student"].get(URL, {"limit": 2}).json()) == 2
    bad = campus.clients["student"].get(URL, {"limit": 0})
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["limit"]
    assert api.get(URL).status_code == 401


def test_queries_do_not_grow_with_the_events(campus, world, django_assert_max_num_queries):
    client = campus.clients["student"]
    client.get(URL)  # warm the session and the user
    with django_assert_max_num_queries(14):
        few = client.get(URL, {"limit": 50})
    for n in range(20):
        _event(campus.other, f"Encore {n}", days=10, tags=["tech"])
    with django_assert_max_num_queries(14):
        many = client.get(URL, {"limit": 50})
    assert len(many.json()) == len(few.json()) + 20
