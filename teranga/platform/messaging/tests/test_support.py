"""Support chat (seed 004): opening a conversation with an organisation, routing to its
agents and their shared inbox, answering (agents join on first reply or read), closing
and reopening, the automatic reply outside business hours (in the organisation's time
zone), the settings (agents read, admins write) and the public widget configuration."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import authed_client
from teranga.platform.messaging.models import (
    Attachment,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    Participant,
    ParticipantRole,
    SupportSettings,
)
from teranga.platform.messaging.notices import CHAT_MESSAGE
from teranga.platform.messaging.services import support_conversation_open
from teranga.platform.notifications.models import Notification
from teranga.platform.organizations.models import VerificationStatus

from .conftest import person

pytestmark = pytest.mark.django_db

OPEN_URL = "/api/v1/support/conversations/"
UPLOAD_URL = "/api/v1/support/conversations/upload/"
WIDGET_URL = "/api/v1/support/widget-config/"
# Dakar is UTC+0 all year: Tuesday 3 March 2026.
TUESDAY_NOON = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
TUESDAY_EVENING = datetime(2026, 3, 3, 20, 0, tzinfo=UTC)
TUESDAY_LATE = datetime(2026, 3, 3, 23, 0, tzinfo=UTC)
WEDNESDAY_EVENING = datetime(2026, 3, 4, 19, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)


def relogged(*users) -> None:
    """New access tokens, issued at the (travelled) current time."""
    for user in users:
        user.api = authed_client(user)


def inbox_url(organization) -> str:
    return f"/api/v1/organizations/{organization.pk}/support/inbox/"


def settings_url(organization) -> str:
    return f"/api/v1/organizations/{organization.pk}/support/settings/"


def open_support(client, organization, body="Bonjour, une question", **extra):
    return client.post(OPEN_URL, {"organization": str(organization), "body": body, **extra})


# --- opening and routing ------------------------------------------------------------------


@time_machine.travel(TUESDAY_NOON, tick=False)
def test_opening_routes_to_the_agents_and_reuses_the_open_conversation(desk):
    relogged(desk.client)
    response = open_support(desk.client.api, desk.organization.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    conversation = body["conversation"]
    assert conversation["kind"] == "support"
    assert conversation["organization"] == str(desk.organization.pk)
    assert conversation["organization_name"] == "Calmness Test"
    assert body["message"]["seq"] == 1
    # No agent has joined yet: every agent and above is told.
    told = set(Notification.objects.filter(kind=CHAT_MESSAGE).values_list("recipient", flat=True))
    assert told == {desk.owner.pk, desk.admin.pk, desk.agent.pk, desk.agent2.pk}
    # By slug, again: the same open conversation.
    again = open_support(desk.client.api, "calmness-test", body="Encore moi")
    assert again.status_code == 200
    assert again.json()["conversation"]["id"] == conversation["id"]
    assert again.json()["message"]["seq"] == 2
    # During business hours: no automatic reply.
    assert not Message.objects.filter(kind=MessageKind.AUTO_REPLY).exists()
    mine = desk.client.api.get(OPEN_URL, {"organization": str(desk.organization.pk)})
    assert [c["id"] for c in mine.json()["results"]] == [conversation["id"]]


@pytest.mark.parametrize(
    "organization, code",
    [
        (lambda desk: str(uuid.uuid4()), "support_unavailable"),
        (lambda desk: "no-such-slug", "support_unavailable"),
        (lambda desk: str(desk.other.pk), "support_unavailable"),  # support not set up
    ],
)
def test_opening_needs_an_organisation_with_support(desk, organization, code):
    response = open_support(desk.client.api, organization(desk))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == code
    assert not Conversation.objects.filter(kind=ConversationKind.SUPPORT).exists()


def test_opening_refuses_disabled_or_unverified_organisations(desk):
    SupportSettings.objects.filter(pk=desk.support.pk).update(enabled=False)
    assert open_support(desk.client.api, desk.organization.pk).status_code == 404
    SupportSettings.objects.filter(pk=desk.support.pk).update(enabled=True)
    desk.organization.verification_status = VerificationStatus.PENDING
    desk.organization.save()
    assert open_support(desk.client.api, desk.organization.pk).status_code == 404
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"body": "hi"},
        {"organization": "calmness-test", "body": ""},
        {"organization": "calmness-test", "body": "hi", "priority": "high"},
        {"organization": "calmness-test", "body": "fils de pute"},
    ],
)
def test_bad_openings_change_nothing(desk, payload):
    response = desk.client.api.post(OPEN_URL, payload)
    assert response.status_code == 400
    assert not Conversation.objects.exists()
    assert not Message.objects.exists()


# --- with attachments (the upload endpoint) -----------------------------------------------


def png_upload(name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@time_machine.travel(TUESDAY_NOON, tick=False)
def test_opening_with_attachments(desk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    relogged(desk.client, desk.agent)
    data = {"organization": "calmness-test", "body": "Voici la facture", "client_id": "s-1"}
    response = desk.client.api.post(
        UPLOAD_URL, {**data, "attachments": [png_upload()]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True and body["conversation"]["kind"] == "support"
    assert [a["content_type"] for a in body["message"]["attachments"]] == ["image/png"]
    again = desk.client.api.post(
        UPLOAD_URL, {**data, "attachments": [png_upload()]}, format="multipart"
    )
    assert again.status_code == 200 and again.json()["message"]["id"] == body["message"]["id"]
    assert Attachment.objects.count() == 1
    agent_view = desk.agent.api.get(body["message"]["attachments"][0]["url"])
    assert agent_view.status_code == 200


@pytest.mark.parametrize(
    "data, status, code",
    [
        ({"organization": "other-org"}, 404, "support_unavailable"),  # support not set up
        ({"organization": str(uuid.uuid4())}, 404, "support_unavailable"),
        ({"organization": "calmness-test", "file": "fake"}, 400, "invalid_attachment"),
        ({"organization": "calmness-test", "file": None}, 400, "invalid"),
        ({"file": "ok"}, 400, "invalid"),
    ],
)
def test_bad_uploads_change_nothing(desk, data, status, code):
    files = {
        "ok": [png_upload()],
        "fake": [SimpleUploadedFile("x.png", b"<html>not an image</html>", "image/png")],
        None: None,
    }[data.pop("file", "ok")]
    payload = {**data, "body": "hi", **({"attachments": files} if files else {})}
    response = desk.client.api.post(UPLOAD_URL, payload, format="multipart")
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not Conversation.objects.exists() and not Attachment.objects.exists()


def test_opening_takes_json_and_the_upload_multipart_only(desk):
    as_form = desk.client.api.post(
        OPEN_URL, {"organization": "calmness-test", "body": "hi"}, format="multipart"
    )
    assert as_form.status_code == 415
    assert as_form.json()["error"]["code"] == "unsupported_media_type"
    as_json = desk.client.api.post(UPLOAD_URL, {"organization": "calmness-test", "body": "hi"})
    assert as_json.status_code == 415
    assert set(as_json.json()["error"]) == {"code", "message", "fields"}
    assert not Conversation.objects.exists()


# --- agents -------------------------------------------------------------------------------


@time_machine.travel(TUESDAY_NOON, tick=False)
def test_agents_share_the_inbox_and_join_on_reply(desk):
    relogged(desk.client, desk.agent, desk.agent2)
    opened = open_support(desk.client.api, desk.organization.pk).json()
    conversation_id = opened["conversation"]["id"]
    inbox = desk.agent.api.get(inbox_url(desk.organization))
    assert inbox.status_code == 200
    row = inbox.json()["results"][0]
    assert row["id"] == conversation_id
    assert row["requester"]["id"] == str(desk.client.pk)
    assert row["agents"] == []
    assert row["unread"] == 1
    # An agent reads and answers through the ordinary endpoints.
    messages = f"/api/v1/conversations/{conversation_id}/messages/"
    assert desk.agent.api.get(messages).status_code == 200
    reply = desk.agent.api.post(messages, {"body": "Bonjour, je vous écoute."})
    assert reply.status_code == 201
    agent_row = Participant.objects.get(conversation_id=conversation_id, user=desk.agent)
    assert agent_row.role == ParticipantRole.AGENT
    assert agent_row.last_read_seq == 2
    # The client is told of the answer.
    assert Notification.objects.filter(kind=CHAT_MESSAGE, recipient=desk.client).exists()
    # Now answered: the next client message goes to the agent who joined only.
    Notification.objects.all().delete()
    desk.client.api.post(messages, {"body": "Merci"})
    told = set(Notification.objects.filter(kind=CHAT_MESSAGE).values_list("recipient", flat=True))
    assert told == {desk.agent.pk}
    # The second agent reads it (joins on read); the inbox shows both.
    read = desk.agent2.api.post(f"/api/v1/conversations/{conversation_id}/read/", {})
    assert read.status_code == 200
    row = desk.agent.api.get(inbox_url(desk.organization)).json()["results"][0]
    assert {a["id"] for a in row["agents"]} == {str(desk.agent.pk), str(desk.agent2.pk)}
    assert row["unread"] == 1  # the client's "Merci", for agent 1
    unread = desk.agent2.api.get(inbox_url(desk.organization), {"unread": "true"})
    assert unread.json()["results"] == []
    # An agent may delete a message of the conversation.
    message_id = reply.json()["id"]
    assert desk.agent2.api.delete(f"{messages}{message_id}/").status_code == 204


def test_inbox_access(desk):
    support_conversation_open(user=desk.client, organization=desk.organization.pk, body="hi")
    url = inbox_url(desk.organization)
    assert desk.plain.api.get(url).status_code == 403
    assert desk.outsider.api.get(url).status_code == 404
    assert desk.client.api.get(url).status_code == 404
    assert desk.owner.api.get(url).status_code == 200
    assert desk.agent.api.get(url, {"status": "pending"}).status_code == 400
    assert desk.agent.api.get(url, {"unread": "sometimes"}).status_code == 400
    # Another organisation's agent never sees the conversation.
    conversation = Conversation.objects.get(kind=ConversationKind.SUPPORT)
    probe = desk.outsider.api.get(f"/api/v1/conversations/{conversation.pk}/messages/")
    assert probe.status_code == 404
    assert desk.plain.api.get(f"/api/v1/conversations/{conversation.pk}/").status_code == 404


def test_an_agent_who_leaves_the_organisation_loses_access(desk):
    conversation, _message, _ = support_conversation_open(
        user=desk.client, organization=desk.organization.pk, body="hi"
    )
    url = f"/api/v1/conversations/{conversation.pk}/messages/"
    assert desk.agent.api.post(url, {"body": "hello"}).status_code == 201
    desk.organization.memberships.filter(user=desk.agent).delete()
    assert desk.agent.api.get(url).status_code == 404


def test_close_and_reopen(desk):
    conversation, _message, _ = support_conversation_open(
        user=desk.client, organization=desk.organization.pk, body="hi"
    )
    close = f"/api/v1/support/conversations/{conversation.pk}/close/"
    assert desk.plain.api.post(close).status_code == 404
    closed = desk.agent.api.post(close)
    assert closed.status_code == 200
    assert closed.json()["closed_at"] is not None
    assert desk.agent.api.post(close).status_code == 200  # idempotent
    closed_only = desk.agent.api.get(inbox_url(desk.organization), {"status": "closed"})
    assert [c["id"] for c in closed_only.json()["results"]] == [str(conversation.pk)]
    # Writing again opens a new conversation (the closed one stays closed) ...
    fresh = open_support(desk.client.api, desk.organization.pk, body="new question")
    assert fresh.status_code == 201
    assert fresh.json()["conversation"]["id"] != str(conversation.pk)
    # ... while a message in the closed conversation reopens it.
    desk.agent.api.post(f"/api/v1/conversations/{conversation.pk}/messages/", {"body": "PS"})
    conversation.refresh_from_db()
    assert conversation.closed_at is None
    # Only support conversations are closed.
    other = person("other")
    private = desk.client.api.post(
        "/api/v1/conversations/", {"kind": "private", "user": str(other.pk)}
    ).json()
    refused = desk.client.api.post(f"/api/v1/support/conversations/{private['id']}/close/")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "not_support"


# --- automatic reply ----------------------------------------------------------------------


def test_auto_reply_once_per_closed_period(desk):
    with time_machine.travel(TUESDAY_EVENING, tick=False):
        relogged(desk.client)
        first = open_support(desk.client.api, desk.organization.pk)
    conversation = Conversation.objects.get(kind=ConversationKind.SUPPORT)
    auto = Message.objects.get(conversation=conversation, kind=MessageKind.AUTO_REPLY)
    assert auto.seq == 2
    assert auto.sender is None
    assert auto.body == desk.support.auto_reply
    assert first.json()["conversation"]["last_seq"] == 2
    with time_machine.travel(TUESDAY_LATE, tick=False):
        relogged(desk.client, desk.agent)
        open_support(desk.client.api, desk.organization.pk, body="toujours là ?")
    assert Message.objects.filter(kind=MessageKind.AUTO_REPLY).count() == 1
    # An agent's message outside hours gets no automatic reply.
    with time_machine.travel(TUESDAY_LATE, tick=False):
        desk.agent.api.post(
            f"/api/v1/conversations/{conversation.pk}/messages/", {"body": "Je suis là"}
        )
    assert Message.objects.filter(kind=MessageKind.AUTO_REPLY).count() == 1
    # The next evening is another closed period.
    with time_machine.travel(WEDNESDAY_EVENING, tick=False):
        relogged(desk.client)
        open_support(desk.client.api, desk.organization.pk, body="re-bonjour")
    assert Message.objects.filter(kind=MessageKind.AUTO_REPLY).count() == 2
    seqs = list(
        Message.objects.filter(conversation=conversation)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    assert seqs == list(range(1, len(seqs) + 1))


def test_auto_reply_uses_the_organisation_time_zone(desk):
    # 11:00 UTC on Saturday is closed in Dakar (no Saturday hours) ...
    with time_machine.travel(SATURDAY, tick=False):
        relogged(desk.client)
        open_support(desk.client.api, desk.organization.pk)
    assert Message.objects.filter(kind=MessageKind.AUTO_REPLY).count() == 1
    # ... and 08:30 UTC on a Tuesday is 09:30 in Paris: open there, closed in Dakar.
    desk.organization.time_zone = "Europe/Paris"
    desk.organization.save()
    Conversation.objects.all().delete()
    with time_machine.travel(datetime(2026, 3, 3, 8, 30, tzinfo=UTC), tick=False):
        relogged(desk.client)
        open_support(desk.client.api, desk.organization.pk)
    assert not Message.objects.filter(kind=MessageKind.AUTO_REPLY).exists()


def test_default_auto_reply_in_the_user_language(desk):
    SupportSettings.objects.filter(pk=desk.support.pk).update(auto_reply="")
    desk.client.language = "en"
    desk.client.save()
    with time_machine.travel(TUESDAY_EVENING, tick=False):
        relogged(desk.client)
        open_support(desk.client.api, desk.organization.pk)
    auto = Message.objects.get(kind=MessageKind.AUTO_REPLY)
    assert auto.body.startswith("Thank you for your message")


# --- settings -----------------------------------------------------------------------------


def test_settings_read_by_agents_and_written_by_admins(desk):
    url = settings_url(desk.organization)
    read = desk.agent.api.get(url)
    assert read.status_code == 200
    body = read.json()
    assert body["configured"] is True
    assert body["whatsapp"] == "+221771234567"
    assert body["telegram"] == "calmness_test"
    assert body["discord"] == "abc123"
    assert body["business_hours"][0] == {"weekday": 0, "opens": "09:00", "closes": "18:00"}
    payload = {
        "enabled": True,
        "business_hours": [
            {"weekday": 0, "opens": "14:00", "closes": "18:00"},
            {"weekday": 0, "opens": "08:30", "closes": "12:30"},
        ],
        "auto_reply": "Fermé",
        "whatsapp": "https://wa.me/221781112233",
        "email": "help@calmness.test",
        "primary_color": "#112233",
    }
    assert desk.agent.api.put(url, payload, format="json").status_code == 403
    assert desk.outsider.api.put(url, payload, format="json").status_code == 404
    assert desk.outsider.api.get(url).status_code == 404
    saved = desk.admin.api.put(url, payload, format="json")
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert body["business_hours"] == [
        {"weekday": 0, "opens": "08:30", "closes": "12:30"},
        {"weekday": 0, "opens": "14:00", "closes": "18:00"},
    ]
    assert body["whatsapp"] == "+221781112233"
    assert body["telegram"] == ""  # PUT replaces: omitted fields get their defaults


def test_settings_of_an_organisation_without_support(desk):
    url = settings_url(desk.other)
    body = desk.outsider.api.get(url).json()
    assert body["configured"] is False
    assert body["enabled"] is False
    created = desk.outsider.api.put(url, {"business_hours": []}, format="json")
    assert created.status_code == 200
    assert created.json()["configured"] is True
    assert SupportSettings.objects.filter(organization=desk.other).exists()


@pytest.mark.parametrize(
    "change, field",
    [
        (
            {"business_hours": [{"weekday": 7, "opens": "09:00", "closes": "18:00"}]},
            "business_hours",
        ),
        (
            {"business_hours": [{"weekday": 1, "opens": "18:00", "closes": "09:00"}]},
            "business_hours",
        ),
        ({"business_hours": [{"weekday": 1, "opens": "9h", "closes": "18:00"}]}, "business_hours"),
        (
            {
                "business_hours": [
                    {"weekday": 1, "opens": "09:00", "closes": "13:00"},
                    {"weekday": 1, "opens": "12:00", "closes": "18:00"},
                ]
            },
            "business_hours",
        ),
        ({"business_hours": {"monday": "9-18"}}, "business_hours"),
        ({"whatsapp": "12"}, "whatsapp"),
        ({"telegram": "a b"}, "telegram"),
        ({"discord": "https://evil.example/x y"}, "discord"),
        ({"email": "not-an-email"}, "email"),
        ({"primary_color": "gold"}, "primary_color"),
        ({"welcome_message": "x" * 301}, "welcome_message"),
        ({"theme": "dark"}, "theme"),
    ],
)
def test_bad_settings_are_400_and_change_nothing(desk, change, field):
    response = desk.admin.api.put(settings_url(desk.organization), change, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    desk.support.refresh_from_db()
    assert desk.support.telegram == "calmness_test"
    assert len(desk.support.business_hours) == 5


# --- widget -------------------------------------------------------------------------------


@time_machine.travel(TUESDAY_NOON, tick=False)
def test_widget_config_is_public(api, desk):
    for reference in (desk.organization.slug, str(desk.organization.pk)):
        response = api.get(WIDGET_URL, {"org": reference})
        assert response.status_code == 200, response.content
    body = response.json()
    assert body["organization"] == {
        "id": str(desk.organization.pk),
        "slug": "calmness-test",
        "name": "Calmness Test",
        "logo_url": None,
    }
    assert body["enabled"] is True
    assert body["open_now"] is True
    assert body["hours_today"] == [{"opens": "09:00", "closes": "18:00"}]
    assert body["time_zone"] == "Africa/Dakar"
    assert body["welcome_message"] == "Bienvenue !"
    assert body["colors"]["primary"] == "#D4AF37"
    assert body["colors"]["primary_hover"] == "#C5A028"
    assert body["channels"] == [
        {"type": "whatsapp", "label": "+221771234567", "url": "https://wa.me/221771234567"},
        {"type": "telegram", "label": "@calmness_test", "url": "https://t.me/calmness_test"},
        {"type": "discord", "label": "Discord", "url": "https://discord.gg/abc123"},
        {
            "type": "email",
            "label": "support@calmness.test",
            "url": "mailto:support@calmness.test",
        },
    ]
    assert body["api"]["websocket"] == "/ws/chat/{conversation_id}/"
    assert body["api"]["open_conversation"] == OPEN_URL


@time_machine.travel(SATURDAY, tick=False)
def test_widget_config_when_closed(api, desk):
    body = api.get(WIDGET_URL, {"org": "calmness-test"}).json()
    assert body["open_now"] is False
    assert body["hours_today"] == []
    assert body["next_opening_at"] == "2026-03-09T09:00:00+00:00"


def test_widget_config_404s(api, desk):
    assert api.get(WIDGET_URL).status_code == 400
    assert api.get(WIDGET_URL, {"org": "other-org"}).status_code == 404
    assert api.get(WIDGET_URL, {"org": str(uuid.uuid4())}).status_code == 404
    SupportSettings.objects.filter(pk=desk.support.pk).update(enabled=False)
    missing = api.get(WIDGET_URL, {"org": "calmness-test"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "support_unavailable"


def test_widget_config_is_throttled(api, desk, settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], support_widget="2/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    assert api.get(WIDGET_URL, {"org": "calmness-test"}).status_code == 200
    assert api.get(WIDGET_URL, {"org": "calmness-test"}).status_code == 200
    assert api.get(WIDGET_URL, {"org": "calmness-test"}).status_code == 429


def test_options_answer_on_every_endpoint(desk, api):
    conversation, message, _ = support_conversation_open(
        user=desk.client, organization=desk.organization.pk, body="hi"
    )
    base = f"/api/v1/conversations/{conversation.pk}/"
    urls = [
        "/api/v1/conversations/",
        base,
        f"{base}messages/",
        f"{base}messages/{message.pk}/",
        f"{base}read/",
        f"{base}participants/",
        f"{base}participants/{desk.client.pk}/",
        OPEN_URL,
        f"/api/v1/support/conversations/{conversation.pk}/close/",
        inbox_url(desk.organization),
        settings_url(desk.organization),
    ]
    for url in urls:
        assert desk.admin.api.options(url).status_code == 200, url
    assert api.options(WIDGET_URL).status_code == 200
