"""OpenAPI examples of SmartQueue's main flow: taking a ticket."""

from drf_spectacular.utils import OpenApiExample

QUEUE_ID = "0d9e8f7a-6b5c-4d3e-9f1a-2b3c4d5e6f70"

TICKET_TAKE = [
    OpenApiExample(
        "Take a ticket from the app",
        summary="From the mobile app, coming by public transport",
        request_only=True,
        value={"channel": "mobile", "travel_mode": "public"},
    ),
    OpenApiExample(
        "The ticket, second in line",
        response_only=True,
        status_codes=["201"],
        value={
            "id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
            "number": "A003",
            "day": "2026-03-02",
            "queue": {"id": QUEUE_ID, "name": "Guichet", "prefix": "A", "kind": "normal"},
            "service": {
                "id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                "name": "Opérations courantes",
            },
            "branch": {
                "id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
                "name": "Agence Plateau",
                "address": "Avenue Léopold Sédar Senghor",
                "commune": "Dakar-Plateau",
            },
            "organization": {
                "id": "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f",
                "name": "Banque Teranga",
            },
            "status": "waiting",
            "channel": "mobile",
            "ticket_class": "normal",
            "code": "JTPBGN9C",
            "counter": None,
            "is_parked": False,
            "created_at": "2026-03-02T08:00:00Z",
            "called_at": None,
            "serving_at": None,
            "served_at": None,
            "no_show_at": None,
            "cancelled_at": None,
            "transferred_at": None,
            "expired_at": None,
            "recall_count": 0,
            "rating": None,
            "rated_at": None,
            "position": 2,
            "estimated_wait_seconds": 450,
            "estimated_call_at": "2026-03-02T08:07:30Z",
            "travel_mode": "public",
            "qr": "data:image/svg+xml;charset=utf-8,%3Csvg%20xmlns%3D%27http%3A%2F%2Fwww.w3.org"
            "%2F2000%2Fsvg%27%20width%3D%27100%27%20height%3D%27100%27%2F%3E",
            "qr_content": "TERANGA-SQ:JTPBGN9C",
            "rating_comment": "",
        },
    ),
]
