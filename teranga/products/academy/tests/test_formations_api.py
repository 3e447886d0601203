"""Formations and their recurring sessions over HTTP: creating and changing a formation
(managers), the public list, a weekly schedule through the scheduling engine's
recurrence, and moving or cancelling one date (the enrolled members are told)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from teranga.platform.notifications.models import Notification
from teranga.products.academy.models import EnrolmentStatus, Formation, Session

from .conftest import assert_error
from .factories import FormationFactory, SessionFactory, enrolled

BASE = "/api/v1/academy"
PARIS = ZoneInfo("Europe/Paris")


def formation_payload(academy, **extra):
    return {
        "organization": str(academy.org.pk),
        "title": "Analyse technique avancée",
        "level": "intermediate",
        "description": '<p>Price action <script>alert(1)</script><a href="javascript:x">x</a></p>',
        "price_amount": 79_900,
        "platform": "google_meet",
        "meeting_url": "https://meet.google.com/abc-defg-hij",
        "instructor": str(academy.instructor.pk),
        "is_published": True,
        **extra,
    }


def test_a_manager_creates_a_formation_with_a_sanitised_description(academy):
    response = academy.clients["manager"].post(
        f"{BASE}/formations/", formation_payload(academy), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["currency"] == "EUR" and body["price_amount"] == 79_900
    assert body["platform"] == "google_meet" and body["instructor_name"] == "Awa"
    assert "<script" not in body["description"] and "javascript:" not in body["description"]
    assert "Price action" in body["description"]
    listed = academy.clients["member"].get(f"{BASE}/formations/?organization={academy.org.pk}")
    assert {row["title"] for row in listed.json()["results"]} == {
        "Trading Forex — les bases",
        "Analyse technique avancée",
    }


def test_bad_input_changes_nothing(academy):
    client = academy.clients["manager"]
    before = Formation.objects.count()
    assert_error(
        client.post(f"{BASE}/formations/", formation_payload(academy, level="guru"), format="json"),
        400,
        "invalid",
    )
    assert_error(
        client.post(
            f"{BASE}/formations/",
            formation_payload(academy, instructor=str(academy.member.pk)),
            format="json",
        ),
        400,
        "instructor_not_found",
    )
    assert_error(
        client.post(
            f"{BASE}/formations/", formation_payload(academy, title="x" * 201), format="json"
        ),
        400,
    )
    assert Formation.objects.count() == before


def test_permissions_and_other_organisations(academy):
    payload = formation_payload(academy)
    assert_error(
        academy.clients["instructor"].post(f"{BASE}/formations/", payload, format="json"), 403
    )
    assert_error(
        academy.clients["other_manager"].post(f"{BASE}/formations/", payload, format="json"),
        404,
        "organization_not_found",
    )
    url = f"{BASE}/formations/{academy.formation.pk}/"
    assert_error(academy.clients["instructor"].patch(url, {"title": "X"}, format="json"), 403)
    assert_error(
        academy.clients["other_manager"].patch(url, {"title": "X"}, format="json"),
        404,
        "formation_not_found",
    )
    academy.formation.refresh_from_db()
    assert academy.formation.title == "Trading Forex — les bases"
    # An unpublished formation is not public, and hidden from another academy.
    hidden = FormationFactory(organization=academy.org, is_published=False)
    assert_error(academy.clients["member"].get(f"{BASE}/formations/{hidden.pk}/"), 404)
    assert_error(academy.clients["other_manager"].get(f"{BASE}/formations/{hidden.pk}/"), 404)
    assert academy.clients["instructor"].get(f"{BASE}/formations/{hidden.pk}/").status_code == 200
    staff_list = academy.clients["instructor"].get(
        f"{BASE}/organizations/{academy.org.pk}/formations/"
    )
    assert staff_list.json()["count"] == 2
    assert_error(
        academy.clients["other_manager"].get(f"{BASE}/organizations/{academy.org.pk}/formations/"),
        404,
    )


def test_a_manager_changes_a_formation(academy):
    response = academy.clients["manager"].patch(
        f"{BASE}/formations/{academy.formation.pk}/",
        {"price_amount": 59_900, "platform": "teams"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["price_amount"] == 59_900 and response.json()["platform"] == "teams"


def test_sessions_every_tuesday_and_thursday_at_19_paris_time_for_8_weeks(academy):
    first = date(2027, 3, 1)  # a Monday; Paris moves to summer time on 28 March 2027
    response = academy.clients["manager"].post(
        f"{BASE}/formations/{academy.formation.pk}/schedules/",
        {
            "weekdays": [1, 3],
            "start_time": "19:00",
            "duration_minutes": 90,
            "first_date": first.isoformat(),
            "last_date": (first + timedelta(weeks=8) - timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    sessions = list(Session.objects.filter(formation=academy.formation).order_by("starts_at"))
    assert len(sessions) == 16 == len(response.json()["sessions"])
    for session in sessions:
        local = session.starts_at.astimezone(PARIS)
        assert local.weekday() in (1, 3) and (local.hour, local.minute) == (19, 0)
        assert session.ends_at - session.starts_at == timedelta(minutes=90)
    # Winter 18:00 UTC, summer 17:00 UTC: the local time holds across the change.
    assert {s.starts_at.astimezone(ZoneInfo("UTC")).hour for s in sessions} == {17, 18}
    listed = academy.clients["member"].get(f"{BASE}/formations/{academy.formation.pk}/sessions/")
    assert listed.json()["count"] == 16


def test_a_schedule_refuses_bad_rules_and_changes_nothing(academy):
    url = f"{BASE}/formations/{academy.formation.pk}/schedules/"
    client = academy.clients["manager"]
    base = {"weekdays": [1], "start_time": "19:00", "duration_minutes": 90}
    assert_error(
        client.post(
            url, {**base, "first_date": "2027-01-01", "last_date": "2030-01-01"}, format="json"
        ),
        400,
        "schedule_too_many_sessions",
    )
    assert_error(
        client.post(
            url, {**base, "first_date": "2027-03-03", "last_date": "2027-03-05"}, format="json"
        ),
        400,
        "schedule_no_sessions",
    )
    assert_error(
        client.post(
            url,
            {**base, "weekdays": [9], "first_date": "2027-03-01", "last_date": "2027-03-31"},
            format="json",
        ),
        400,
        "invalid",
    )
    assert not Session.objects.exists()
    payload = {**base, "first_date": "2027-03-01", "last_date": "2027-03-31"}
    assert_error(academy.clients["instructor"].post(url, payload, format="json"), 403)
    assert_error(academy.clients["other_manager"].post(url, payload, format="json"), 404)
    assert not Session.objects.exists()


def test_moving_a_session_tells_the_enrolled_members(academy, django_capture_on_commit_callbacks):
    session = SessionFactory(formation=academy.formation)
    enrolled(academy.member, academy.formation)
    enrolled(academy.member2, academy.formation, status=EnrolmentStatus.PENDING)
    starts = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = academy.clients["manager"].patch(
            f"{BASE}/sessions/{session.pk}/",
            {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat()},
            format="json",
        )
    assert response.status_code == 200, response.content
    session.refresh_from_db()
    assert session.starts_at == starts
    notices = Notification.objects.filter(kind="academy.session_moved")
    assert [n.recipient_id for n in notices] == [academy.member.pk]  # active members only
    notice = notices.get()
    assert "Trading Forex" in notice.title and f"/o/academy.session/{session.pk}/" in notice.link


def test_moving_refuses_bad_times_and_changes_nothing(academy):
    session = SessionFactory(formation=academy.formation)
    before = (session.starts_at, session.ends_at)
    url = f"{BASE}/sessions/{session.pk}/"
    client = academy.clients["manager"]
    later = timezone.now() + timedelta(days=5)
    assert_error(
        client.patch(
            url,
            {"starts_at": later.isoformat(), "ends_at": (later - timedelta(hours=1)).isoformat()},
            format="json",
        ),
        400,
        "session_invalid_times",
    )
    past = timezone.now() - timedelta(days=1)
    assert_error(
        client.patch(
            url,
            {"starts_at": past.isoformat(), "ends_at": (past + timedelta(hours=1)).isoformat()},
            format="json",
        ),
        400,
        "session_past",
    )
    moved = {"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=1)).isoformat()}
    assert_error(academy.clients["instructor"].patch(url, moved, format="json"), 403)
    assert_error(
        academy.clients["other_manager"].patch(url, moved, format="json"), 404, "session_not_found"
    )
    session.refresh_from_db()
    assert (session.starts_at, session.ends_at) == before
    assert not Notification.objects.exists()


def test_cancelling_a_session_tells_the_members_once(academy):
    session = SessionFactory(formation=academy.formation)
    enrolled(academy.member, academy.formation)
    url = f"{BASE}/sessions/{session.pk}/cancel/"
    assert_error(academy.clients["instructor"].post(url), 403)
    assert_error(academy.clients["other_manager"].post(url), 404)
    response = academy.clients["manager"].post(url)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert_error(academy.clients["manager"].post(url), 409, "session_cancelled")
    assert Notification.objects.filter(kind="academy.session_cancelled").count() == 1
