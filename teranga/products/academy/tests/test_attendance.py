"""Attendance over HTTP: the member's signed check-in link (the API and the page it
opens), valid only around the session; the instructor's roll call; a session's
attendance and each member's completion rate; the dashboard."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from teranga.platform.organizations.models import Membership, Role
from teranga.products.academy.models import Attendance, EnrolmentStatus, SessionStatus

from .conftest import assert_error
from .factories import FormationFactory, SessionFactory, enrolled

BASE = "/api/v1/academy"


def live_session(academy, **extra):
    now = timezone.now()
    return SessionFactory(
        formation=academy.formation,
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(minutes=80),
        **extra,
    )


def link_of(client, session):
    response = client.get(f"{BASE}/sessions/{session.pk}/checkin-link/")
    assert response.status_code == 200, response.content
    return response.json()


def token_of(url: str) -> str:
    return urlparse(url).path.rstrip("/").rsplit("/", 1)[-1]


def test_a_member_checks_in_with_their_link_during_the_session(academy):
    session = live_session(academy)
    enrolled(academy.member, academy.formation)
    link = link_of(academy.clients["member"], session)
    assert link["url"].startswith("http") and "/academy/checkin/" in link["url"]
    token = token_of(link["url"])
    response = academy.clients["member"].post(f"{BASE}/checkin/", {"token": token}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["present"] is True and response.json()["method"] == "link"
    again = academy.clients["member"].post(f"{BASE}/checkin/", {"token": token}, format="json")
    assert again.status_code == 200
    assert (
        Attendance.objects.filter(session=session, user=academy.member, present=True).count() == 1
    )


def test_the_check_in_page_records_on_confirmation_only(academy):
    session = live_session(academy)
    enrolled(academy.member, academy.formation)
    path = urlparse(link_of(academy.clients["member"], session)["url"]).path
    browser = Client()
    page = browser.get(path)
    assert page.status_code == 200 and b"Trading Forex" in page.content
    assert not Attendance.objects.exists()  # opening the link records nothing
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    done = browser.post(path, {"csrfmiddlewaretoken": csrf.decode()})
    assert done.status_code == 200 and b'data-outcome="checked_in"' in done.content
    assert Attendance.objects.get().method == "link"
    assert Client().get("/academy/checkin/forged-token/").status_code == 404


def test_a_link_works_only_around_the_session_and_only_for_its_member(academy):
    later = SessionFactory(formation=academy.formation)  # in two days
    live = live_session(academy)
    enrolled(academy.member, academy.formation)
    member = academy.clients["member"]
    token = token_of(link_of(member, later)["url"])
    assert_error(
        member.post(f"{BASE}/checkin/", {"token": token}, format="json"), 409, "checkin_not_open"
    )
    live_token = token_of(link_of(member, live)["url"])
    # Someone else's link, or a forged one.
    assert_error(
        academy.clients["member2"].post(f"{BASE}/checkin/", {"token": live_token}, format="json"),
        400,
        "checkin_invalid",
    )
    assert_error(
        member.post(f"{BASE}/checkin/", {"token": live_token[:-3] + "abc"}, format="json"),
        400,
        "checkin_invalid",
    )
    assert_error(member.post(f"{BASE}/checkin/", {}, format="json"), 400, "invalid")
    # Not enrolled: no link.
    assert_error(
        academy.clients["member2"].get(f"{BASE}/sessions/{live.pk}/checkin-link/"),
        403,
        "not_enrolled",
    )
    assert not Attendance.objects.exists()
    live.status = SessionStatus.CANCELLED
    live.save()
    assert_error(
        member.post(f"{BASE}/checkin/", {"token": live_token}, format="json"),
        409,
        "session_cancelled",
    )
    assert not Attendance.objects.exists()


def test_the_instructor_takes_the_roll_call(academy):
    session = live_session(academy)
    enrolled(academy.member, academy.formation)
    enrolled(academy.member2, academy.formation)
    url = f"{BASE}/sessions/{session.pk}/roll-call/"
    entries = [
        {"user": str(academy.member.pk), "present": True},
        {"user": str(academy.member2.pk), "present": False},
    ]
    response = academy.clients["instructor"].post(url, {"entries": entries}, format="json")
    assert response.status_code == 200, response.content
    assert {(row["member"], row["present"]) for row in response.json()} == {
        (str(academy.member.pk), True),
        (str(academy.member2.pk), False),
    }
    # A later mark replaces the earlier one.
    academy.clients["instructor"].post(
        url, {"entries": [{"user": str(academy.member2.pk), "present": True}]}, format="json"
    )
    attendance = academy.clients["instructor"].get(f"{BASE}/sessions/{session.pk}/attendance/")
    assert attendance.status_code == 200
    assert {
        (row["member"], row["present"], row["method"]) for row in attendance.json()["results"]
    } == {
        (str(academy.member.pk), True, "roll_call"),
        (str(academy.member2.pk), True, "roll_call"),
    }


def test_the_roll_call_refuses_strangers_and_outsiders_and_changes_nothing(academy):
    session = live_session(academy)
    enrolled(academy.member, academy.formation)
    enrolled(academy.member2, academy.formation, status=EnrolmentStatus.PENDING)
    url = f"{BASE}/sessions/{session.pk}/roll-call/"
    entries = [
        {"user": str(academy.member.pk), "present": True},
        {"user": str(academy.member2.pk), "present": True},
    ]
    assert_error(
        academy.clients["instructor"].post(url, {"entries": entries}, format="json"),
        400,
        "not_enrolled",
    )
    assert_error(
        academy.clients["instructor"].post(url, {"entries": []}, format="json"), 400, "invalid"
    )
    ok = {"entries": entries[:1]}
    low = Membership.objects.create(
        organization=academy.org, user=academy.member2, role=Role.MEMBER
    )
    assert_error(academy.clients["member2"].post(url, ok, format="json"), 403)
    low.delete()
    assert_error(academy.clients["member"].post(url, ok, format="json"), 404, "session_not_found")
    assert_error(
        academy.clients["other_manager"].post(url, ok, format="json"), 404, "session_not_found"
    )
    assert_error(
        academy.clients["other_manager"].get(f"{BASE}/sessions/{session.pk}/attendance/"), 404
    )
    future = SessionFactory(formation=academy.formation)
    assert_error(
        academy.clients["instructor"].post(
            f"{BASE}/sessions/{future.pk}/roll-call/", ok, format="json"
        ),
        409,
        "checkin_not_open",
    )
    assert not Attendance.objects.exists()


def test_completion_rate_per_member_and_the_dashboard(academy):
    now = timezone.now()
    held = [
        SessionFactory(
            formation=academy.formation,
            starts_at=now - timedelta(days=days),
            ends_at=now - timedelta(days=days) + timedelta(hours=1),
        )
        for days in (9, 7, 2, 1)
    ]
    SessionFactory(formation=academy.formation)  # still to come: not counted
    enrolled(academy.member, academy.formation)
    enrolled(academy.member2, academy.formation)
    for session in held[:3]:
        Attendance.objects.create(
            organization=academy.org,
            session=session,
            user=academy.member,
            present=True,
            method="link",
        )
    Attendance.objects.create(
        organization=academy.org,
        session=held[0],
        user=academy.member2,
        present=True,
        method="roll_call",
    )
    Attendance.objects.create(
        organization=academy.org,
        session=held[1],
        user=academy.member2,
        present=False,
        method="roll_call",
    )
    mine = academy.clients["member"].get(f"{BASE}/me/enrolments/").json()["results"][0]
    assert (mine["sessions_held"], mine["sessions_attended"], mine["completion_rate"]) == (
        4,
        3,
        0.75,
    )
    rows = (
        academy.clients["manager"]
        .get(f"{BASE}/formations/{academy.formation.pk}/enrolments/")
        .json()["results"]
    )
    assert {row["member"]: row["completion_rate"] for row in rows} == {
        str(academy.member.pk): 0.75,
        str(academy.member2.pk): 0.25,
    }
    FormationFactory(organization=academy.org, title="Zeta")
    url = f"{BASE}/organizations/{academy.org.pk}/dashboard/"
    client = academy.clients["manager"]
    client.get(url)  # warm the access caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    first = response.json()["formations"][0]
    assert first["title"] == "Trading Forex — les bases"
    assert (first["enrolments_active"], first["sessions_held"], first["attendances"]) == (2, 4, 4)
    assert first["attendance_rate"] == 0.5 and first["revenue"] == 0
    for _extra in range(3):
        FormationFactory(organization=academy.org)
    with CaptureQueriesContext(connection) as more:
        assert len(client.get(url).json()["formations"]) == 5
    assert len(more) == len(queries)  # a fixed number of queries
    assert_error(academy.clients["instructor"].get(url), 403)
    assert_error(academy.clients["other_manager"].get(url), 404, "organization_not_found")
