"""The GDPR side of SmartQueue (``Product.user_exporters`` and ``Product.user_erasers``).

Export: the user's tickets (where, which number, status, the phone they gave),
appointments and last shared location. Erasure (in ``accounts.services.user_erase``'s
transaction, once the account is anonymised): the shared location is deleted; tickets
and appointments stay, pointing at the anonymised account (the queues' statistics and
what was paid), with the phone on the tickets and the appointments' notes blanked.
"""

from __future__ import annotations

from typing import Any

from .models import Appointment, Ticket, UserLocation


def smartqueue_user_export(*, user) -> dict[str, Any]:
    tickets = (
        Ticket.objects.filter(user=user)
        .select_related("organization", "branch", "service")
        .order_by("-created_at")
    )
    appointments = (
        Appointment.objects.filter(user=user)
        .select_related("organization", "branch", "service")
        .order_by("-starts_at")
    )
    location = UserLocation.objects.filter(user=user).first()
    return {
        "tickets": [
            {
                "id": str(t.pk),
                "organization": t.organization.name,
                "branch": t.branch.name,
                "service": t.service.name,
                "day": t.day,
                "number": t.display_number,
                "channel": t.channel,
                "status": t.status,
                "phone": t.phone,
                "created_at": t.created_at,
            }
            for t in tickets
        ],
        "appointments": [
            {
                "id": str(a.pk),
                "organization": a.organization.name,
                "branch": a.branch.name,
                "service": a.service.name,
                "starts_at": a.starts_at,
                "status": a.status,
                "note": a.note,
            }
            for a in appointments
        ],
        "location": None
        if location is None
        else {
            "latitude": location.latitude,
            "longitude": location.longitude,
            "accuracy_m": location.accuracy_m,
            "mode": location.mode,
            "recorded_at": location.recorded_at,
        },
    }


def smartqueue_user_erase(*, user) -> None:
    UserLocation.objects.filter(user=user).delete()
    Ticket.objects.filter(user=user).exclude(phone_hash="").update(phone="", phone_hash="")
    Appointment.objects.filter(user=user).exclude(note="").update(note="")
