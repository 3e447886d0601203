"""Discord through HTTP: an organisation's managers configure its channel webhooks (the URL
validated, stored encrypted, never shown again; 400 on bad input with nothing stored; 403
below manager; 404 for another organisation's), and announcements go out through the
Discord outbox against the execute-webhook documented shapes, mocked at the HTTP
transport: a message posted, a 429's retry_after honoured, a deleted webhook switched
off, staff broadcasts announced, nothing posted twice; the sandbox by default."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx2
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db.models import TextField
from django.db.models.functions import Cast
from django.test import override_settings

from teranga.core.http import use_transport
from teranga.core.registry import thawed
from teranga.platform.notifications import broadcasts, discord, services
from teranga.platform.notifications.broadcasts import Segment, broadcast_segments
from teranga.platform.notifications.models import (
    Channel,
    DeliveryStatus,
    DiscordMessage,
    DiscordWebhook,
)
from teranga.platform.notifications.providers.registry import discord_providers
from teranga.platform.notifications.types import NotificationType, notification_type_register
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db

WEBHOOK_ID = "1234567890123456789"
WEBHOOK_TOKEN = "aBcD-efGh_ijKL" * 5
URL = f"https://discord.com/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}"
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

with thawed():
    SESSION = notification_type_register(
        NotificationType(
            name="test.discord_session",
            channels=(Channel.WEBSOCKET,),
            title=lambda ctx: f"Live : {ctx.get('session', '')}",
            body=lambda ctx: "La séance commence dans une heure. @everyone",
        )
    )
    if "test.discord_members" not in broadcast_segments:
        broadcast_segments.register(
            "test.discord_members",
            Segment(
                label="Members",
                recipients=lambda organization, params: get_user_model().objects.filter(
                    memberships__organization=organization, memberships__role=Role.MEMBER
                ),
            ),
        )


def api_path(organization, webhook_id=None) -> str:
    base = f"/api/v1/organizations/{organization.pk}/discord-webhooks/"
    return f"{base}{webhook_id}/" if webhook_id else base


@pytest.fixture
def org(make_user):
    organization = OrganizationFactory(name="Calmness Trading")
    other = OrganizationFactory(name="Autre")
    return {
        "org": organization,
        "other": other,
        "manager": member(organization, Role.MANAGER),
        "agent": member(organization, Role.AGENT),
        "student": member(organization, Role.MEMBER),
        "stranger": member(other, Role.OWNER),
    }


@pytest.fixture
def sandbox():
    provider = discord_providers.get("sandbox")
    provider.clear()
    yield provider
    provider.clear()


class DiscordApi:
    """Discord at the HTTP transport: records each call, answers with ``answers`` (one
    per call, the last repeated)."""

    def __init__(self, *answers: tuple[int, dict, dict]):
        self.answers = list(answers)
        self.calls: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.calls.append(request)
        status, body, headers = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return httpx2.Response(status, json=body, headers=headers)


def message_object(message_id: str = "1180000000000000001") -> dict:
    """Execute Webhook's answer with ``?wait=true``: the Message created."""
    return {
        "id": message_id,
        "type": 0,
        "content": "",
        "channel_id": "1170000000000000001",
        "author": {"id": WEBHOOK_ID, "username": "Teranga", "bot": True},
        "embeds": [],
        "timestamp": "2026-03-02T12:00:00.000000+00:00",
        "webhook_id": WEBHOOK_ID,
    }


def webhook(organization, **fields) -> DiscordWebhook:
    values = {
        "name": "#annonces",
        "url": URL,
        "webhook_id": WEBHOOK_ID,
        "kinds": [SESSION.name],
        **fields,
    }
    return DiscordWebhook.objects.create(organization=organization, **values)


# --- Configuration -------------------------------------------------------------------------


def test_a_manager_adds_a_webhook_stored_encrypted(org, client_for):
    client = client_for(org["manager"])
    response = client.post(
        api_path(org["org"]),
        {"name": "#annonces", "url": URL, "kinds": [SESSION.name, "organization.broadcast"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert WEBHOOK_TOKEN not in json.dumps(body)
    assert body["url_hint"] == f"https://discord.com/api/webhooks/{WEBHOOK_ID}/…"
    assert body["webhook_id"] == WEBHOOK_ID
    assert body["kinds"] == sorted([SESSION.name, "organization.broadcast"])
    assert body["language"] == "fr" and body["is_active"] is True

    stored = DiscordWebhook.objects.get(pk=body["id"])
    assert stored.url == URL
    raw = (
        DiscordWebhook.objects.filter(pk=stored.pk)
        .annotate(raw=Cast("url", TextField()))
        .values_list("raw", flat=True)
        .get()
    )
    assert WEBHOOK_TOKEN not in raw and raw != URL

    listed = client.get(api_path(org["org"])).json()
    assert [w["id"] for w in listed["results"]] == [body["id"]]
    assert client.get(api_path(org["org"], body["id"])).json()["name"] == "#annonces"


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"url": "https://example.com/api/webhooks/1/abc"}, "invalid_discord_webhook", "url"),
        (
            {"url": f"http://discord.com/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}"},
            "invalid_discord_webhook",
            "url",
        ),
        (
            {"url": f"https://discord.com.evil.test/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}"},
            "invalid_discord_webhook",
            "url",
        ),
        ({"kinds": ["nope.unknown"]}, "unknown_notification_types", "kinds"),
        ({"kinds": []}, "invalid", "kinds"),
        ({"name": "x" * 101}, "invalid", "name"),
        ({"url": "https://discord.com/" + "a" * 400}, "invalid", "url"),
        ({"language": "de"}, "invalid", "language"),
        ({"colour": "red"}, "invalid", "colour"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(org, client_for, payload, code, field):
    body = {"name": "#annonces", "url": URL, "kinds": [SESSION.name], **payload}
    response = client_for(org["manager"]).post(api_path(org["org"]), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code
    assert field in response.json()["error"]["fields"]
    assert not DiscordWebhook.objects.exists()


def test_changing_and_removing_a_webhook(org, client_for):
    hook = webhook(org["org"], is_active=False, disabled_reason="webhook gone (http_404)")
    client = client_for(org["manager"])
    new_url = f"https://discord.com/api/webhooks/9876543210987654321/{WEBHOOK_TOKEN}"
    response = client.patch(
        api_path(org["org"], hook.pk),
        {"url": new_url, "is_active": True, "language": "wo"},
        format="json",
    )
    assert response.status_code == 200, response.content
    hook.refresh_from_db()
    assert (hook.url, hook.webhook_id, hook.language) == (new_url, "9876543210987654321", "wo")
    assert hook.is_active and hook.disabled_reason == ""
    assert hook.kinds == [SESSION.name]  # left out: unchanged

    bad = client.patch(api_path(org["org"], hook.pk), {"url": "https://x.test/"}, format="json")
    assert bad.status_code == 400
    hook.refresh_from_db()
    assert hook.url == new_url

    assert client.delete(api_path(org["org"], hook.pk)).status_code == 204
    assert not DiscordWebhook.objects.exists()
    assert client.delete(api_path(org["org"], hook.pk)).status_code == 404


def test_below_manager_is_403(org, client_for):
    hook = webhook(org["org"])
    for person in ("agent", "student"):
        client = client_for(org[person])
        assert client.get(api_path(org["org"])).status_code == 403
        response = client.post(
            api_path(org["org"]), {"name": "x", "url": URL, "kinds": [SESSION.name]}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        assert (
            client.patch(api_path(org["org"], hook.pk), {"name": "y"}, format="json").status_code
            == 403
        )
        assert client.delete(api_path(org["org"], hook.pk)).status_code == 403
    assert DiscordWebhook.objects.get().name == "#annonces"


def test_another_organisations_webhooks_are_404(org, client_for):
    theirs = webhook(org["other"])
    # A stranger to the organisation: 404, whatever the method.
    stranger = client_for(org["stranger"])
    assert stranger.get(api_path(org["org"])).status_code == 404
    response = stranger.post(
        api_path(org["org"]), {"name": "x", "url": URL, "kinds": [SESSION.name]}, format="json"
    )
    assert response.status_code == 404
    # A manager naming another organisation's webhook under their own: 404 too.
    manager = client_for(org["manager"])
    for method in ("get", "patch", "delete"):
        answer = getattr(manager, method)(api_path(org["org"], theirs.pk), {}, format="json")
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "discord_webhook_not_found"
    assert DiscordWebhook.objects.filter(organization=org["org"]).count() == 0
    assert DiscordWebhook.objects.get(pk=theirs.pk).name == "#annonces"


def test_an_organisation_has_at_most_ten_webhooks(org, client_for):
    for _ in range(discord.MAX_WEBHOOKS):
        webhook(org["org"])
    response = client_for(org["manager"]).post(
        api_path(org["org"]), {"name": "x", "url": URL, "kinds": [SESSION.name]}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "discord_webhook_limit_reached"
    assert DiscordWebhook.objects.count() == discord.MAX_WEBHOOKS


def test_the_list_reads_a_fixed_number_of_queries(org, client_for, django_assert_max_num_queries):
    client = client_for(org["manager"])
    webhook(org["org"])
    with django_assert_max_num_queries(12) as few:
        client.get(api_path(org["org"]))
    for _ in range(5):
        webhook(org["org"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(api_path(org["org"])).json()["results"]) == 6


# --- Announcements -------------------------------------------------------------------------


def announce(organization, key: str = "session-1"):
    return services.discord_announce(
        organization=organization,
        kind=SESSION.name,
        context={"session": "Analyse technique"},
        idempotency_key=key,
        link="/o/clinic.visit/1/",
    )


def test_an_announcement_is_posted_to_discord(org, django_capture_on_commit_callbacks):
    hook = webhook(org["org"])
    webhook(org["org"], kinds=["organization.broadcast"])  # another kind: not posted there
    webhook(org["org"], is_active=False)  # switched off: not posted there
    webhook(org["other"])  # another organisation's
    api = DiscordApi((200, message_object(), {}))
    with (
        override_settings(DISCORD_PROVIDER="discord"),
        use_transport(httpx2.MockTransport(api)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        (message,) = announce(org["org"])

    message.refresh_from_db()
    assert message.webhook_id == hook.pk
    assert message.status == DeliveryStatus.SENT
    assert (message.provider, message.provider_message_id) == ("discord", "1180000000000000001")
    (request,) = api.calls
    assert request.method == "POST"
    assert str(request.url) == f"{URL}?wait=true"
    payload = json.loads(request.content)
    assert payload["allowed_mentions"] == {"parse": []}  # no @everyone from a text
    (embed,) = payload["embeds"]
    assert embed["title"] == "Live : Analyse technique"
    assert embed["description"].startswith("La séance commence")
    assert embed["url"].endswith("/o/clinic.visit/1/")

    # Told again (a retried job): nothing more is written or posted.
    with (
        override_settings(DISCORD_PROVIDER="discord"),
        use_transport(httpx2.MockTransport(api)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert [m.pk for m in announce(org["org"])] == [message.pk]
    assert DiscordMessage.objects.count() == 1 and len(api.calls) == 1


def test_a_429_is_retried_after_retry_after(org, django_capture_on_commit_callbacks):
    webhook(org["org"])
    limited = {"message": "You are being rate limited.", "retry_after": 90.5, "global": False}
    api = DiscordApi((429, limited, {"Retry-After": "91"}), (200, message_object("77"), {}))
    with (
        time_machine.travel(START, tick=False) as clock,
        override_settings(DISCORD_PROVIDER="discord"),
        use_transport(httpx2.MockTransport(api)),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            (message,) = announce(org["org"])
        message.refresh_from_db()
        assert message.status == DeliveryStatus.QUEUED and message.attempts == 1
        assert message.next_attempt_at == START + timedelta(seconds=90.5)

        clock.move_to(START + timedelta(seconds=60))
        assert discord.discord_messages_deliver_due(older_than_seconds=60) == 0
        clock.move_to(START + timedelta(seconds=91))
        assert discord.discord_messages_deliver_due(older_than_seconds=60) == 1
    message.refresh_from_db()
    assert message.status == DeliveryStatus.SENT and message.provider_message_id == "77"
    assert len(api.calls) == 2


def test_a_deleted_webhook_is_switched_off(org, django_capture_on_commit_callbacks):
    hook = webhook(org["org"])
    api = DiscordApi((404, {"message": "Unknown Webhook", "code": 10015}, {}))
    with (
        override_settings(DISCORD_PROVIDER="discord"),
        use_transport(httpx2.MockTransport(api)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        (message,) = announce(org["org"])
    message.refresh_from_db()
    assert message.status == DeliveryStatus.FAILED
    hook.refresh_from_db()
    assert hook.is_active is False and hook.disabled_reason.startswith("webhook gone")
    # Nothing more goes there.
    assert announce(org["org"], key="session-2") == []


def test_a_lost_task_is_recovered_by_the_periodic_job(org, sandbox):
    webhook(org["org"])
    with time_machine.travel(START, tick=False) as clock:
        (message,) = announce(org["org"])  # no commit callbacks run: the task is lost
        assert DiscordMessage.objects.get().status == DeliveryStatus.QUEUED
        clock.move_to(START + timedelta(seconds=61))
        assert discord.discord_messages_deliver_due(older_than_seconds=60) == 1
    message.refresh_from_db()
    assert message.status == DeliveryStatus.SENT and message.provider == "sandbox"
    (sent,) = sandbox.sent
    assert sent.to == WEBHOOK_ID and sent.title == "Live : Analyse technique"


def test_a_staff_broadcast_is_announced(
    org, client_for, sandbox, django_capture_on_commit_callbacks
):
    webhook(org["org"], kinds=["organization.broadcast"], language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(org["manager"]).post(
            f"/api/v1/organizations/{org['org'].pk}/broadcasts/",
            {
                "segment": "test.discord_members",
                "title": "Fermeture samedi",
                "body": "Pas de séance samedi.",
                "channels": ["websocket", "telegram"],
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    message = DiscordMessage.objects.get()
    assert message.kind == broadcasts.BROADCAST_KIND
    assert message.status == DeliveryStatus.SENT
    assert message.title == "Fermeture samedi"
    assert message.body.startswith("Pas de séance samedi.")
    assert "Sent by Calmness Trading." in message.body  # in the webhook's language
    assert [m.title for m in sandbox.sent] == ["Fermeture samedi"]
