"""The GDPR side of Booking (``Product.user_exporters`` and ``Product.user_erasers``).

Export: the user's reservations (the business, the service, when, its status, their
note, the price). Erasure (in ``accounts.services.user_erase``'s transaction, once the
account is anonymised): the reservations stay, pointing at the anonymised account (what
was booked and paid), with the client's note blanked.
"""

from __future__ import annotations

from typing import Any

from .models import Reservation


def booking_user_export(*, user) -> dict[str, Any]:
    rows = (
        Reservation.objects.filter(booking__client=user)
        .select_related("booking", "service", "organization")
        .order_by("-booking__starts_at")
    )
    return {
        "reservations": [
            {
                "id": str(r.pk),
                "business": r.organization.name,
                "service": r.service.name,
                "starts_at": r.booking.starts_at,
                "ends_at": r.booking.ends_at,
                "status": r.booking.status,
                "client_note": r.client_note,
                "price_amount": r.price_amount,
                "currency": r.currency,
                "created_at": r.created_at,
            }
            for r in rows
        ]
    }


def booking_user_erase(*, user) -> None:
    Reservation.objects.filter(booking__client=user).exclude(client_note="").update(client_note="")
