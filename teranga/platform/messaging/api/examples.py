"""OpenAPI examples of messaging's main flow: sending a message."""

from drf_spectacular.utils import OpenApiExample

CONVERSATION_ID = "81512601-3716-4f5a-b869-07378e586f9f"

MESSAGE_SEND = [
    OpenApiExample(
        "Send a text message",
        summary="`client_id` makes a retry safe",
        request_only=True,
        value={"body": "Bonjour, mon rendez-vous tient toujours ?", "client_id": "msg-2026-0001"},
    ),
    OpenApiExample(
        "The message, as the other participants get it",
        response_only=True,
        status_codes=["201"],
        value={
            "id": "8793cb5f-be99-4e57-a8c1-d0d2c24b926e",
            "conversation": CONVERSATION_ID,
            "seq": 2,
            "kind": "text",
            "sender": {
                "id": "becb2a21-36be-4901-812e-4659bdfa9941",
                "name": "Fatou Sow",
                "avatar": None,
            },
            "body": "Bonjour, mon rendez-vous tient toujours ?",
            "attachments": [],
            "client_id": "msg-2026-0001",
            "created_at": "2026-03-02T08:00:00Z",
            "edited_at": None,
            "deleted_at": None,
        },
    ),
]
