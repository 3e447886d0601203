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

GROUP_ID = "5b0c7a52-61d3-4a8e-9a51-5f1f4a0e2b10"
INVITATION_ID = "0e6b1f2c-8c1d-4a3e-b1c7-2a9f0d7e6c55"
AWA = {"id": "becb2a21-36be-4901-812e-4659bdfa9941", "name": "Awa Diop", "avatar": None}
MODOU = {"id": "3f9e1c7a-2b4d-4e6f-8a1b-9c0d2e3f4a5b", "name": "Modou Fall", "avatar": None}
INVITATION = {
    "id": INVITATION_ID,
    "conversation": {"id": GROUP_ID, "title": "Club trading UCAD"},
    "user": MODOU,
    "invited_by": AWA,
    "role": "member",
    "status": "pending",
    "created_at": "2026-03-02T08:00:00Z",
    "updated_at": "2026-03-02T08:00:00Z",
}

GROUP_CREATE = [
    OpenApiExample(
        "Create a group",
        summary="Colleagues are added; anyone else is invited",
        request_only=True,
        value={
            "kind": "group",
            "title": "Club trading UCAD",
            "participants": [MODOU["id"]],
        },
    ),
]

PARTICIPANT_ADD = [
    OpenApiExample(
        "Add someone",
        request_only=True,
        value={"user": MODOU["id"], "role": "member"},
    ),
    OpenApiExample(
        "Invited: they share no organisation or conversation with the caller",
        response_only=True,
        status_codes=["202"],
        value=INVITATION,
    ),
]

INVITATION_LIST = [
    OpenApiExample(
        "One pending invitation",
        summary="An item of the page (the page envelope wraps it)",
        response_only=True,
        status_codes=["200"],
        value=INVITATION,
    ),
]

BLOCK_CREATE = [
    OpenApiExample("Block someone", request_only=True, value={"user": MODOU["id"]}),
    OpenApiExample(
        "Blocked",
        response_only=True,
        status_codes=["201"],
        value={"user": MODOU, "created_at": "2026-03-02T08:00:00Z"},
    ),
]
