"""OpenAPI examples of the Booking product's main flow: booking a slot."""

from drf_spectacular.utils import OpenApiExample

from teranga.core.money import Money

SERVICE_ID = "8b2f6c1e-1d7a-4c55-9a3e-2f6b7d8e9c01"
RESERVATION_ID = "c41d5e2a-7b3f-4e8a-a6d1-0f2e3b4c5d6e"
CLIENT_ID = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"

RESERVATION_CREATE = [
    OpenApiExample(
        "Book a slot of a service with a deposit",
        summary="A one-hour haircut, held until its deposit is paid",
        description="`starts_at` is one of the `slots` of "
        "`GET /api/v1/booking/services/{id}/slots/`. The service takes a 30 % deposit "
        "online, so the reservation is held whatever `hold` says.",
        request_only=True,
        value={
            "service": SERVICE_ID,
            "starts_at": "2026-03-09T10:00:00Z",
            "client_note": "Coupe courte, merci.",
        },
    ),
    OpenApiExample(
        "The reservation, pending until its deposit is paid",
        response_only=True,
        status_codes=["201"],
        value={
            "id": RESERVATION_ID,
            "reference": "C41D5E2A",
            "organization": {
                "id": "3f0c8a52-6a4e-4f5e-9a1e-5b7d2c9e4a10",
                "name": "Salon Awa",
                "slug": "salon-awa",
                "time_zone": "Africa/Dakar",
            },
            "service": {"id": SERVICE_ID, "name": "Coupe", "duration_minutes": 60},
            "client": {
                "id": CLIENT_ID,
                "email": "fatou.sow@example.com",
                "first_name": "Fatou",
                "last_name": "Sow",
                "phone": None,
            },
            "guest": None,
            "status": "pending",
            "starts_at": "2026-03-09T10:00:00Z",
            "ends_at": "2026-03-09T11:00:00Z",
            "time_zone": "Africa/Dakar",
            "price": Money(5000, "XOF").as_dict(),
            "payment_mode": "deposit",
            "amount_due_online": Money(1500, "XOF").as_dict(),
            "amount_due_on_site": Money(3500, "XOF").as_dict(),
            "client_note": "Coupe courte, merci.",
            "hold_expires_at": "2026-03-02T08:05:00Z",
            "confirmed_at": None,
            "cancelled_at": None,
            "cancellation_reason": "",
            "needs_attention": False,
            "attention_reason": "",
            "created_at": "2026-03-02T08:00:00Z",
            "updated_at": "2026-03-02T08:00:00Z",
            "viewer_side": "client",
            "can_cancel": True,
            "can_reschedule": True,
            "cancellation_deadline": "2026-03-08T10:00:00Z",
            "reschedule_deadline": "2026-03-08T10:00:00Z",
            "history": [
                {
                    "action": "created",
                    "from_status": "",
                    "to_status": "pending",
                    "actor": {
                        "id": CLIENT_ID,
                        "name": "Fatou Sow",
                        "email": "fatou.sow@example.com",
                    },
                    "actor_side": "client",
                    "reason": "",
                    "previous_starts_at": None,
                    "starts_at": "2026-03-09T10:00:00Z",
                    "created_at": "2026-03-02T08:00:00Z",
                }
            ],
        },
    ),
]

ORGANIZATION_ID = "3f0c8a52-6a4e-4f5e-9a1e-5b7d2c9e4a10"

SERVICE_CREATE = [
    OpenApiExample(
        "A haircut with a 30 % deposit online",
        request_only=True,
        value={
            "organization": ORGANIZATION_ID,
            "name": "Coupe",
            "price_amount": 5000,
            "payment_mode": "deposit",
            "deposit_percent": 30,
            "duration_minutes": 60,
        },
    ),
    OpenApiExample(
        "A massage paid in full online",
        request_only=True,
        value={
            "organization": ORGANIZATION_ID,
            "name": "Massage",
            "price_amount": 20000,
            "payment_mode": "online_full",
            "duration_minutes": 60,
        },
    ),
    OpenApiExample(
        "A consultation paid at the counter",
        request_only=True,
        value={
            "organization": ORGANIZATION_ID,
            "name": "Consultation",
            "price_amount": 10000,
            "payment_mode": "on_site",
            "duration_minutes": 30,
        },
    ),
]
