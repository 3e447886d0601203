"""The GDPR side of the real-estate product (``Product.user_exporters``). Each part adds
its exporter in its own section."""

from __future__ import annotations

from typing import Any


# --- visits section ---
def visits_user_export(*, user) -> dict[str, Any]:
    """The visits the user booked as a visitor (one query): the property, the agency,
    when, the status, their message and their feedback. The agency's own notes are its
    working record, not the visitor's data, and are left out."""
    from .selectors.visits import visits_of_visitor

    return {
        "visits": [
            {
                "id": str(visit.pk),
                "property": visit.property.title,
                "agency": visit.organization.name,
                "starts_at": visit.starts_at,
                "ends_at": visit.ends_at,
                "status": visit.status,
                "message": visit.message,
                "interest_level": visit.interest_level,
                "feedback": visit.feedback,
                "created_at": visit.created_at,
            }
            for visit in visits_of_visitor(user=user).order_by("-starts_at")
        ]
    }
