"""Inbound SMS webhook: signatures (Twilio's SDK, the sandbox's HMAC), each message
handled once, handlers in order, the reply through the outbox, throttling per sender."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import override_settings
from twilio.request_validator import RequestValidator

from teranga.core.registry import Registry, thawed
from teranga.platform.notifications import inbound
from teranga.platform.notifications.models import InboundSms, SmsMessage

pytestmark = pytest.mark.django_db

SANDBOX_URL = "/api/v1/notifications/sms/inbound/sandbox/"
TWILIO_URL = "/api/v1/notifications/sms/inbound/twilio/"
FORM = "application/x-www-form-urlencoded"  # what Twilio posts
SECRET = "inbound-secret"
TOKEN = "twilio-auth-token"
TWILIO = {"twilio": {"account_sid": "AC1", "auth_token": TOKEN, "from": "+15005550006"}}


@pytest.fixture
def handlers(monkeypatch):
    """A fresh handler registry: an echo that answers ``PING`` and a silent one."""
    registry = Registry("inbound SMS handler")
    calls = []

    def silent(sender, text, language):
        calls.append(("silent", sender, text, language))
        return "" if text == "QUIET" else None

    def echo(sender, text, language):
        calls.append(("echo", sender, text, language))
        if text == "BOOM":
            raise RuntimeError("handler bug")
        return f"PONG {language}" if text == "PING" else None

    with thawed():
        registry.register("silent", silent)
        registry.register("echo", echo)
    monkeypatch.setattr(inbound, "sms_inbound_handlers", registry)
    return calls


def post_sandbox(api, payload: dict, *, secret=SECRET, signature=None):
    body = json.dumps(payload).encode()
    sig = signature if signature is not None else inbound.sandbox_signature(body, secret)
    return api.generic(
        "POST", SANDBOX_URL, body, content_type="application/json", HTTP_X_TERANGA_SIGNATURE=sig
    )


@override_settings(SMS_INBOUND_SECRET=SECRET)
def test_a_signed_message_is_answered_once(api, handlers, django_capture_on_commit_callbacks):
    payload = {"from": "77 123 45 67", "body": " PING ", "id": "sbx-1"}
    with django_capture_on_commit_callbacks(execute=True):
        response = post_sandbox(api, payload)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "answered" and response.json()["duplicate"] is False
    message = InboundSms.objects.get()
    assert message.from_number == "+221771234567" and message.handler == "echo"
    assert message.reply.body == "PONG fr" and message.reply.purpose == "sms_reply"
    assert message.reply.to == "+221771234567" and message.reply.status == "sent"
    assert [c[0] for c in handlers] == ["silent", "echo"]  # in registration order
    replay = post_sandbox(api, payload)  # the provider retries
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    assert InboundSms.objects.count() == 1 and SmsMessage.objects.count() == 1
    assert len(handlers) == 2


@override_settings(SMS_INBOUND_SECRET=SECRET)
def test_bad_signatures_store_nothing(api, handlers):
    payload = {"from": "+221771234567", "body": "PING", "id": "sbx-2"}
    for response in (
        post_sandbox(api, payload, secret="wrong"),
        post_sandbox(api, payload, signature=""),
        api.post(SANDBOX_URL, payload, format="json"),
    ):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_signature"
    with override_settings(SMS_INBOUND_SECRET=""):  # no secret configured: all refused
        assert post_sandbox(api, payload, secret="").status_code == 400
    assert not InboundSms.objects.exists() and not SmsMessage.objects.exists()
    assert handlers == []


@override_settings(SMS_INBOUND_SECRET=SECRET)
def test_bad_input_and_unknown_provider(api, handlers):
    assert post_sandbox(api, {"from": "+221771234567", "id": "x"}).status_code == 400
    assert (
        post_sandbox(api, {"from": "+221771234567", "body": "a", "id": "x", "more": 1}).status_code
        == 400
    )
    bad_phone = post_sandbox(api, {"from": "12", "body": "PING", "id": "x"})
    assert bad_phone.status_code == 400 and bad_phone.json()["error"]["code"] == "invalid_phone"
    unknown = api.post("/api/v1/notifications/sms/inbound/pigeon/", {}, format="json")
    assert unknown.status_code == 404
    assert not InboundSms.objects.exists()


@override_settings(SMS_INBOUND_SECRET=SECRET)
def test_silent_unanswered_and_failing_handlers(api, handlers):
    quiet = post_sandbox(api, {"from": "+221771234567", "body": "QUIET", "id": "q"}).json()
    assert quiet["status"] == "unanswered"
    assert InboundSms.objects.get(provider_message_id="q").handler == "silent"
    nobody = post_sandbox(api, {"from": "+221771234567", "body": "HELLO", "id": "h"}).json()
    assert nobody["status"] == "unanswered"
    boom = post_sandbox(api, {"from": "+221771234567", "body": "BOOM", "id": "b"})
    assert boom.status_code == 200 and boom.json()["status"] == "failed"
    assert "handler bug" in InboundSms.objects.get(provider_message_id="b").error
    assert not SmsMessage.objects.exists()


@override_settings(SMS_INBOUND_SECRET=SECRET, SMS_INBOUND_PER_SENDER_PER_HOUR=2)
def test_a_flooding_sender_is_recorded_not_answered(api, handlers):
    statuses = [
        post_sandbox(api, {"from": "+221771234567", "body": "PING", "id": f"f{i}"}).json()["status"]
        for i in range(3)
    ]
    assert statuses == ["answered", "answered", "throttled"]
    other = post_sandbox(api, {"from": "+221781234567", "body": "PING", "id": "o"}).json()
    assert other["status"] == "answered"
    assert SmsMessage.objects.count() == 3 and InboundSms.objects.count() == 4


def test_twilio_messages_are_verified_with_the_sdk(api, handlers, make_user):
    make_user("awa@example.com", phone="+221771234567", phone_verified=True, language="wo")
    params = {"From": "+221771234567", "Body": "PING", "MessageSid": "SM1"}
    url = f"http://testserver{TWILIO_URL}"
    with override_settings(SMS_PROVIDERS=TWILIO):
        bad = api.post(
            TWILIO_URL,
            urlencode(params),
            content_type=FORM,
            HTTP_X_TWILIO_SIGNATURE=RequestValidator("wrong").compute_signature(url, params),
        )
        assert bad.status_code == 400 and not InboundSms.objects.exists()
        signature = RequestValidator(TOKEN).compute_signature(url, params)
        good = api.post(
            TWILIO_URL, urlencode(params), content_type=FORM, HTTP_X_TWILIO_SIGNATURE=signature
        )
    assert good.status_code == 200, good.content
    assert good["Content-Type"].startswith("text/xml") and b"<Response/>" in good.content
    message = InboundSms.objects.get(provider="twilio", provider_message_id="SM1")
    assert message.reply.body == "PONG wo"  # the verified phone's account speaks Wolof
