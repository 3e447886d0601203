"""The GDPR side of the academy (``Product.user_exporters``): the member's enrolments
(formation, academy, status, amount) and attendance marks. Nothing to erase: the rows hold
no personal data beyond the account, which the erasure anonymises, and they are the
academy's record of what was paid and attended."""

from __future__ import annotations

from typing import Any

from .models import Attendance, Enrolment


def academy_user_export(*, user) -> dict[str, Any]:
    enrolments = (
        Enrolment.objects.filter(user=user)
        .select_related("formation", "organization")
        .order_by("-created_at")
    )
    marks = (
        Attendance.objects.filter(user=user)
        .select_related("session__formation")
        .order_by("-session__starts_at")
    )
    return {
        "enrolments": [
            {
                "id": str(e.pk),
                "academy": e.organization.name,
                "formation": e.formation.title,
                "status": e.status,
                "amount": e.amount,
                "currency": e.currency,
                "activated_at": e.activated_at,
                "created_at": e.created_at,
            }
            for e in enrolments
        ],
        "attendance": [
            {
                "formation": a.session.formation.title,
                "session_starts_at": a.session.starts_at,
                "present": a.present,
                "method": a.method,
            }
            for a in marks
        ],
    }
