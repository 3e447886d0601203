"""Telegram through HTTP: linking a chat with the one-time deep link and the bot's webhook
(the right secret, a wrong one, an expired or reused token, a chat moving to another
account, /stop), unlinking, and the Telegram channel of the delivery pipeline against the
Bot API's documented shapes, mocked at the HTTP transport: a message delivered, a user
who blocked the bot unlinked, a 429's retry_after honoured; the sandbox by default."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from teranga.core.http import use_transport
from teranga.core.registry import thawed
from teranga.platform.notifications import services
from teranga.platform.notifications.models import (
    Channel,
    DeliveryStatus,
    NotificationDelivery,
    NotificationPreference,
    TelegramLink,
)
from teranga.platform.notifications.providers.chat_sandbox import BLOCKED_CHAT_ID
from teranga.platform.notifications.providers.registry import telegram_providers
from teranga.platform.notifications.types import NotificationType, notification_type_register

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications/telegram"
WEBHOOK = f"{API}/webhook/"
SECRET = "tg-webhook-secret_0123456789"
BOT_TOKEN = "123456789:AAFakeBotToken-For_Tests_0123456789ab"
BOT = "TerangaTestBot"
CHAT_ID = 5_551_234_567
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

with thawed():
    REMINDER = notification_type_register(
        NotificationType(
            name="test.telegram_reminder",
            channels=(Channel.WEBSOCKET, Channel.TELEGRAM),
            title=lambda ctx: f"Rappel : {ctx.get('session', '')}",
            body=lambda ctx: "La séance commence dans une heure.",
        )
    )


def telegram_settings(**extra):
    config = {
        "bot_token": BOT_TOKEN,
        "bot_username": BOT,
        "webhook_secret": SECRET,
        "api_url": "https://api.telegram.org",
        **extra,
    }
    return override_settings(TELEGRAM=config)


@pytest.fixture(autouse=True)
def _telegram():
    with telegram_settings():
        yield


@pytest.fixture
def sandbox():
    provider = telegram_providers.get("sandbox")
    provider.clear()
    yield provider
    provider.clear()


class BotApi:
    """The Bot API at the HTTP transport: records each call, answers with ``answers``
    (one per call, the last repeated)."""

    def __init__(self, *answers: tuple[int, dict]):
        self.answers = list(answers)
        self.calls: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.calls.append(request)
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return httpx2.Response(status, json=body)


def sent_message(message_id: int = 42, chat_id: int = CHAT_ID, text: str = "") -> dict:
    """sendMessage's answer: the Message sent."""
    return {
        "ok": True,
        "result": {
            "message_id": message_id,
            "from": {"id": 123456789, "is_bot": True, "first_name": "Teranga", "username": BOT},
            "chat": {"id": chat_id, "first_name": "Awa", "username": "awa_d", "type": "private"},
            "date": 1772452800,
            "text": text,
        },
    }


def update(text: str, *, chat_id: int = CHAT_ID, chat_type: str = "private", lang="fr") -> dict:
    """An Update with a message, as Telegram posts it to the webhook."""
    user = {
        "id": chat_id,
        "is_bot": False,
        "first_name": "Awa",
        "username": "awa_d",
        "language_code": lang,
    }
    return {
        "update_id": 10000,
        "message": {
            "message_id": 1365,
            "from": user,
            "chat": {"id": chat_id, "first_name": "Awa", "username": "awa_d", "type": chat_type},
            "date": 1772452800,
            "text": text,
            "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
        },
    }


def post_update(api, body: dict, secret: str | None = SECRET):
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
    return api.post(WEBHOOK, body, format="json", **headers)


def start_link(client) -> str:
    response = client.post(f"{API}/link/")
    assert response.status_code == 201, response.content
    link = response.json()["deep_link"]
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "t.me", f"/{BOT}")
    (token,) = parse_qs(parts.query)["start"]
    assert 1 <= len(token) <= 64
    return token


def linked(user, chat_id: int = CHAT_ID) -> TelegramLink:
    link, _created = TelegramLink.objects.update_or_create(
        user=user, defaults={"chat_id": chat_id, "linked_at": START}
    )
    return link


# --- Linking -----------------------------------------------------------------------------


def test_linking_through_the_deep_link_and_the_webhook(make_user, client_for, api):
    awa = make_user("awa@example.test", language="wo")
    client = client_for(awa)
    assert client.get(f"{API}/").json()["linked"] is False

    token = start_link(client)
    stored = TelegramLink.objects.get(user=awa)
    assert stored.token_hash and token not in stored.token_hash  # only a keyed hash is kept

    response = post_update(api, update(f"/start {token}"))
    assert response.status_code == 200
    reply = response.json()
    assert reply["method"] == "sendMessage" and reply["chat_id"] == CHAT_ID
    assert reply["text"]  # the bot confirms, in the user's language

    state = client.get(f"{API}/").json()
    assert state["linked"] is True
    assert state["username"] == "awa_d"
    assert state["bot_username"] == BOT
    link = TelegramLink.objects.get(user=awa)
    assert link.chat_id == CHAT_ID and link.token_hash == "" and link.token_expires_at is None

    # The token was one-time: sent again (Telegram retrying, someone else), it links nothing.
    bob = make_user("bob@example.test")
    again = post_update(api, update(f"/start {token}", chat_id=777))
    assert again.status_code == 200 and again.json()["method"] == "sendMessage"
    assert not TelegramLink.objects.filter(chat_id=777).exists()
    assert not TelegramLink.objects.filter(user=bob).exists()


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
def test_the_webhook_refuses_a_wrong_secret_and_changes_nothing(make_user, client_for, api, secret):
    awa = make_user("awa@example.test")
    token = start_link(client_for(awa))
    response = post_update(api, update(f"/start {token}"), secret=secret)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert TelegramLink.objects.get(user=awa).chat_id is None


def test_the_webhook_is_refused_while_no_secret_is_configured(make_user, client_for, api):
    awa = make_user("awa@example.test")
    token = start_link(client_for(awa))
    with telegram_settings(webhook_secret=""):
        response = post_update(api, update(f"/start {token}"), secret="")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert TelegramLink.objects.get(user=awa).chat_id is None


def test_the_webhook_refuses_what_is_not_an_update(api):
    response = post_update(api, {"message": "hello"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "update_id" in response.json()["error"]["fields"]


def test_other_updates_are_acknowledged_and_ignored(make_user, client_for, api):
    awa = make_user("awa@example.test")
    token = start_link(client_for(awa))
    # A group chat cannot be linked; a plain message or an edited message is ignored.
    assert post_update(api, update(f"/start {token}", chat_type="group")).json() == {}
    assert post_update(api, update("bonjour")).json() == {}
    assert post_update(api, {"update_id": 3, "edited_message": {"text": "x"}}).json() == {}
    # /start without a token: the bot explains where the link comes from.
    assert post_update(api, update("/start")).json()["method"] == "sendMessage"
    assert TelegramLink.objects.get(user=awa).chat_id is None


def test_an_expired_link_links_nothing(make_user, client_for, api):
    awa = make_user("awa@example.test")
    client = client_for(awa)
    token = start_link(client)
    later = datetime.now(UTC) + timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        response = post_update(api, update(f"/start {token}"))
    assert response.status_code == 200 and response.json()["method"] == "sendMessage"
    assert TelegramLink.objects.get(user=awa).chat_id is None


def test_a_new_link_replaces_the_previous_one(make_user, client_for, api):
    awa = make_user("awa@example.test")
    client = client_for(awa)
    first = start_link(client)
    second = start_link(client)
    post_update(api, update(f"/start {first}"))
    assert TelegramLink.objects.get(user=awa).chat_id is None
    post_update(api, update(f"/start {second}"))
    assert TelegramLink.objects.get(user=awa).chat_id == CHAT_ID


def test_a_chat_belongs_to_one_account(make_user, client_for, api):
    awa, bob = make_user("awa@example.test"), make_user("bob@example.test")
    linked(awa)
    token = start_link(client_for(bob))
    post_update(api, update(f"/start {token}"))
    assert TelegramLink.objects.get(user=bob).chat_id == CHAT_ID
    previous = TelegramLink.objects.get(user=awa)
    assert previous.chat_id is None and previous.unlinked_reason == "linked to another account"


def test_stop_in_the_chat_unlinks(make_user, client_for, api):
    awa = make_user("awa@example.test")
    linked(awa)
    response = post_update(api, update("/stop"))
    assert response.json()["method"] == "sendMessage"
    link = TelegramLink.objects.get(user=awa)
    assert link.chat_id is None and link.unlinked_reason == "stopped from telegram"
    assert client_for(awa).get(f"{API}/").json()["unlinked_reason"] == "stopped from telegram"


def test_unlinking_from_the_app(make_user, client_for):
    awa = make_user("awa@example.test")
    linked(awa)
    client = client_for(awa)
    assert client.delete(f"{API}/").status_code == 204
    assert TelegramLink.objects.get(user=awa).chat_id is None
    again = client.delete(f"{API}/")
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "telegram_not_linked"


def test_another_users_link_is_neither_seen_nor_unlinked(make_user, client_for):
    awa, bob = make_user("awa@example.test"), make_user("bob@example.test")
    linked(awa)
    client = client_for(bob)
    assert client.get(f"{API}/").json()["linked"] is False
    assert client.delete(f"{API}/").status_code == 404
    assert TelegramLink.objects.get(user=awa).chat_id == CHAT_ID


def test_the_endpoints_need_a_signed_in_user(api):
    assert api.get(f"{API}/").status_code == 401
    assert api.post(f"{API}/link/").status_code == 401
    assert api.delete(f"{API}/").status_code == 401


def test_linking_needs_a_configured_bot(make_user, client_for):
    awa = make_user("awa@example.test")
    with telegram_settings(bot_username=""):
        response = client_for(awa).post(f"{API}/link/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "telegram_not_configured"
    assert not TelegramLink.objects.exists()


def test_asking_for_links_is_throttled(make_user, client_for):
    awa = make_user("awa@example.test")
    client = client_for(awa)
    codes = [client.post(f"{API}/link/").status_code for _ in range(11)]
    assert codes[:10] == [201] * 10
    assert codes[10] == 429


# --- Delivery ----------------------------------------------------------------------------


def send(user, key: str = "reminder-1"):
    return services.notification_send(
        recipient=user,
        kind=REMINDER.name,
        context={"session": "Analyse technique"},
        link="/o/clinic.visit/1/",
        idempotency_key=key,
    )


def telegram_delivery(notification) -> NotificationDelivery:
    return NotificationDelivery.objects.get(notification=notification, channel=Channel.TELEGRAM)


def test_a_notification_is_delivered_to_telegram(make_user, django_capture_on_commit_callbacks):
    awa = make_user("awa@example.test")
    linked(awa)
    bot = BotApi((200, sent_message(42)))
    with (
        override_settings(TELEGRAM_PROVIDER="telegram"),
        use_transport(httpx2.MockTransport(bot)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = send(awa)

    delivery = telegram_delivery(notification)
    assert delivery.status == DeliveryStatus.SENT
    assert (delivery.provider, delivery.provider_message_id) == ("telegram", "42")
    (request,) = bot.calls
    assert request.method == "POST"
    assert str(request.url) == f"https://api.telegram.org/bot{BOT_TOKEN}/sendMessage"
    body = json.loads(request.content)
    assert body["chat_id"] == CHAT_ID
    assert body["text"].startswith("Rappel : Analyse technique\n\nLa séance commence")
    assert body["text"].endswith("/o/clinic.visit/1/")
    assert body["link_preview_options"] == {"is_disabled": True}


def test_a_user_who_blocked_the_bot_is_unlinked(make_user, django_capture_on_commit_callbacks):
    awa = make_user("awa@example.test")
    linked(awa)
    blocked = {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was blocked by the user",
    }
    bot = BotApi((403, blocked))
    with (
        override_settings(TELEGRAM_PROVIDER="telegram"),
        use_transport(httpx2.MockTransport(bot)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = send(awa)

    delivery = telegram_delivery(notification)
    assert delivery.status == DeliveryStatus.SKIPPED
    assert "blocked" in delivery.error
    link = TelegramLink.objects.get(user=awa)
    assert link.chat_id is None and link.unlinked_reason == "blocked the bot"

    # Nothing more is sent there: the next notification is skipped without a call.
    with (
        override_settings(TELEGRAM_PROVIDER="telegram"),
        use_transport(httpx2.MockTransport(bot)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        later = send(awa, key="reminder-2")
    assert telegram_delivery(later).status == DeliveryStatus.SKIPPED
    assert len(bot.calls) == 1


def test_a_429_is_retried_after_retry_after(make_user, django_capture_on_commit_callbacks):
    awa = make_user("awa@example.test")
    linked(awa)
    too_many = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 120",
        "parameters": {"retry_after": 120},
    }
    bot = BotApi((429, too_many), (200, sent_message(43)))
    with (
        time_machine.travel(START, tick=False) as clock,
        override_settings(TELEGRAM_PROVIDER="telegram"),
        use_transport(httpx2.MockTransport(bot)),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            notification = send(awa)
        delivery = telegram_delivery(notification)
        assert delivery.status == DeliveryStatus.QUEUED
        assert delivery.attempts == 1
        # Telegram's 120 s, not the first backoff's 30 s.
        assert delivery.next_attempt_at == START + timedelta(seconds=120)

        clock.move_to(START + timedelta(seconds=60))
        services.notification_deliveries_redeliver_stale(older_than_seconds=60)
        assert telegram_delivery(notification).status == DeliveryStatus.QUEUED
        assert len(bot.calls) == 1

        clock.move_to(START + timedelta(seconds=121))
        services.notification_deliveries_redeliver_stale(older_than_seconds=60)
    delivery = telegram_delivery(notification)
    assert delivery.status == DeliveryStatus.SENT and delivery.provider_message_id == "43"
    assert len(bot.calls) == 2
    assert TelegramLink.objects.get(user=awa).chat_id == CHAT_ID


def test_a_server_error_is_retried_and_a_refusal_fails(
    make_user, django_capture_on_commit_callbacks
):
    awa, bob = make_user("awa@example.test"), make_user("bob@example.test")
    linked(awa)
    linked(bob, chat_id=CHAT_ID + 1)
    bot = BotApi(
        (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
        (400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}),
    )
    with (
        override_settings(TELEGRAM_PROVIDER="telegram"),
        use_transport(httpx2.MockTransport(bot)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = send(awa)
        second = send(bob, key="reminder-bob")
    assert telegram_delivery(first).status == DeliveryStatus.QUEUED  # retried later
    refused = telegram_delivery(second)
    assert refused.status == DeliveryStatus.FAILED and "400" in refused.error
    assert TelegramLink.objects.get(user=bob).chat_id == CHAT_ID + 1  # not a gone chat


def test_the_sandbox_is_the_default(make_user, sandbox, django_capture_on_commit_callbacks):
    awa = make_user("awa@example.test")
    linked(awa)
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(awa)
    delivery = telegram_delivery(notification)
    assert delivery.status == DeliveryStatus.SENT and delivery.provider == "sandbox"
    (message,) = sandbox.sent
    assert message.to == str(CHAT_ID) and message.message_id == delivery.provider_message_id
    assert message.text.startswith("Rappel : Analyse technique")


def test_the_sandbox_answers_like_a_blocked_bot(
    make_user, sandbox, django_capture_on_commit_callbacks
):
    awa = make_user("awa@example.test")
    linked(awa, chat_id=BLOCKED_CHAT_ID)
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(awa)
    assert telegram_delivery(notification).status == DeliveryStatus.SKIPPED
    assert TelegramLink.objects.get(user=awa).chat_id is None


def test_no_linked_chat_is_skipped(make_user, sandbox, django_capture_on_commit_callbacks):
    awa = make_user("awa@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(awa)
    delivery = telegram_delivery(notification)
    assert delivery.status == DeliveryStatus.SKIPPED and "no linked" in delivery.error
    assert sandbox.sent == []


def test_telegram_is_a_preference_like_the_other_channels(
    make_user, client_for, sandbox, django_capture_on_commit_callbacks
):
    awa = make_user("awa@example.test")
    linked(awa)
    client = client_for(awa)
    kinds = {t["kind"]: t for t in client.get("/api/v1/notifications/preferences/").json()["types"]}
    assert kinds[REMINDER.name]["channels"] == {"websocket": True, "telegram": True}
    response = client.put(
        "/api/v1/notifications/preferences/",
        {
            "types": [{"kind": REMINDER.name, "channels": {"telegram": False}}],
            "quiet_hours": {"enabled": False},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert NotificationPreference.objects.filter(user=awa, channel="telegram").exists()
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(awa)
    delivery = telegram_delivery(notification)
    assert delivery.status == DeliveryStatus.SKIPPED and delivery.error == "disabled by user"
    assert sandbox.sent == []


def test_erasing_the_account_forgets_the_chat(make_user):
    from teranga.platform.notifications.telegram import telegram_links_erase

    awa = make_user("awa@example.test")
    linked(awa)
    assert telegram_links_erase(user=awa) == 1
    assert not TelegramLink.objects.filter(user=awa).exists()


# --- setWebhook ----------------------------------------------------------------------------


def test_the_webhook_is_registered_with_its_secret():
    bot = BotApi((200, {"ok": True, "result": True, "description": "Webhook was set"}))
    out = StringIO()
    with override_settings(TELEGRAM_PROVIDER="telegram"), use_transport(httpx2.MockTransport(bot)):
        call_command("telegram_webhook_set", stdout=out)
    (request,) = bot.calls
    assert str(request.url) == f"https://api.telegram.org/bot{BOT_TOKEN}/setWebhook"
    body = json.loads(request.content)
    assert body["url"].endswith("/api/v1/notifications/telegram/webhook/")
    assert body["secret_token"] == SECRET
    assert body["allowed_updates"] == ["message"]
    assert BOT_TOKEN not in out.getvalue()
