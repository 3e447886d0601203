"""The GDPR export of a user, on Campus's side (``Product.user_exporters``): the student
profile (university, interests), student-ID verifications (the matricule and the
decision, not the card's file), orders, tickets held, favourites and follows. The
erasure is in :mod:`.erasure`."""

from __future__ import annotations

from typing import Any

from .models import (
    EventFavourite,
    Order,
    OrganizerFollow,
    StudentProfile,
    StudentVerification,
    TagFollow,
    Ticket,
)


def campus_user_export(*, user) -> dict[str, Any]:
    profile = (
        StudentProfile.objects.select_related("university")
        .prefetch_related("interests")
        .filter(user=user)
        .first()
    )
    verifications = StudentVerification.objects.filter(user=user).select_related("university")
    orders = Order.objects.filter(buyer=user).select_related("event").order_by("-created_at")
    tickets = (
        Ticket.objects.filter(holder=user)
        .select_related("event", "ticket_type")
        .order_by("-created_at")
    )
    favourites = EventFavourite.objects.filter(user=user).select_related("event")
    return {
        "student_profile": None
        if profile is None
        else {
            "university": profile.university.name if profile.university else None,
            "interests": sorted(tag.slug for tag in profile.interests.all()),
        },
        "student_verifications": [
            {
                "university": v.university.name if v.university else None,
                "matricule": v.matricule,
                "status": v.status,
                "reason": v.reason,
                "created_at": v.created_at,
                "decided_at": v.decided_at,
            }
            for v in verifications.order_by("-created_at")
        ],
        "orders": [
            {
                "id": str(o.pk),
                "event": o.event.title,
                "status": o.status,
                "total": o.total,
                "currency": o.currency,
                "paid_at": o.paid_at,
                "created_at": o.created_at,
            }
            for o in orders
        ],
        "tickets": [
            {
                "id": str(t.pk),
                "event": t.event.title,
                "ticket_type": t.ticket_type.name,
                "status": t.status,
                "price": t.price,
            }
            for t in tickets
        ],
        "favourite_events": sorted(f.event.title for f in favourites),
        "followed_organizers": sorted(
            OrganizerFollow.objects.filter(user=user).values_list("organization__name", flat=True)
        ),
        "followed_tags": sorted(
            TagFollow.objects.filter(user=user).values_list("tag__slug", flat=True)
        ),
    }
