"""OpenAPI examples of the payments' main flow: paying online for a product's object
(here a clinic visit held for its client: any payable's ``target_type`` works the same)."""

from drf_spectacular.utils import OpenApiExample

from teranga.core.money import Money

PAYMENT_ID = "b51551f3-e9dc-45f2-8699-1a928274cbf1"
TARGET_ID = "c41d5e2a-7b3f-4e8a-a6d1-0f2e3b4c5d6e"


def _money(amount: int) -> dict:
    return Money(amount, "XOF").as_dict()


PAYMENT_CREATE = [
    OpenApiExample(
        "Pay a held order online",
        summary="A held order, with the sandbox provider",
        description="Sent with an `Idempotency-Key` header; `provider` is one of "
        "`GET /api/v1/payments/providers/?organization=…`.",
        request_only=True,
        value={
            "target_type": "clinic.visit",
            "target_id": TARGET_ID,
            "provider": "sandbox",
            "return_url": "https://app.example/payments/return",
        },
    ),
    OpenApiExample(
        "The payment, waiting for the provider",
        summary="Open `checkout_url`; the webhook settles the payment",
        response_only=True,
        status_codes=["201"],
        value={
            "id": PAYMENT_ID,
            "organization": {"id": "3f0c8a52-6a4e-4f5e-9a1e-5b7d2c9e4a10", "name": "Salon Awa"},
            "target_type": "clinic.visit",
            "target_id": TARGET_ID,
            "description": "Coupe",
            "subtotal": _money(5000),
            "discount": _money(0),
            "total": _money(5000),
            "refunded": _money(0),
            "currency": "XOF",
            "method": "online",
            "provider": "sandbox",
            "status": "pending",
            "fulfilment_status": None,
            "checkout_url": f"https://teranga.example/pay/sandbox/{PAYMENT_ID}/",
            "expires_at": "2026-03-02T08:05:00Z",
            "succeeded_at": None,
            "failure_reason": "",
            "transaction_number": "",
            "created_at": "2026-03-02T08:00:10Z",
            "updated_at": "2026-03-02T08:00:10Z",
            "client_secret": "",
            "lines": [
                {"description": "Coupe", "unit_amount": 5000, "quantity": 1, "vat_rate": None}
            ],
            "payer": None,
            "review_note": "",
            "reviewed_at": None,
            "events": [
                {
                    "action": "created",
                    "from_status": "",
                    "to_status": "created",
                    "source": "api",
                    "refund": None,
                    "created_at": "2026-03-02T08:00:10Z",
                },
                {
                    "action": "status",
                    "from_status": "created",
                    "to_status": "pending",
                    "source": "system",
                    "refund": None,
                    "created_at": "2026-03-02T08:00:10Z",
                },
            ],
            "refunds": [],
        },
    ),
]
