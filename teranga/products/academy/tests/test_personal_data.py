"""The academy's GDPR side: a member's enrolments and attendance marks are in their export
(``GET /api/v1/me/export/``, through ``Product.user_exporters``), and nobody else's are."""

from __future__ import annotations

import json

from teranga.products.academy.models import Attendance, AttendanceMethod

from .factories import SessionFactory, enrolled

EXPORT = "/api/v1/me/export/"


def test_enrolments_and_attendance_are_in_the_members_export_only(academy):
    enrolment = enrolled(academy.member, academy.formation)
    enrolled(academy.member2, academy.formation)
    session = SessionFactory(formation=academy.formation)
    Attendance.objects.create(
        organization=academy.org,
        session=session,
        user=academy.member,
        present=True,
        method=AttendanceMethod.ROLL_CALL,
        recorded_by=academy.instructor,
    )

    exported = academy.clients["member"].get(EXPORT)
    assert exported.status_code == 200, exported.content
    data = json.loads(exported.content)["products"]["academy.enrolments"]
    assert [row["id"] for row in data["enrolments"]] == [str(enrolment.pk)]
    assert data["enrolments"][0]["formation"] == "Trading Forex — les bases"
    assert data["enrolments"][0]["academy"] == "Calmness Trading"
    assert [(row["formation"], row["present"]) for row in data["attendance"]] == [
        ("Trading Forex — les bases", True)
    ]

    other = json.loads(academy.clients["member2"].get(EXPORT).content)
    assert len(other["products"]["academy.enrolments"]["enrolments"]) == 1
    assert other["products"]["academy.enrolments"]["attendance"] == []
