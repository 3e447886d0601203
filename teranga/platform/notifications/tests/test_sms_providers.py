"""The SMS adapters against the documented request and response shapes, mocked at the
HTTP transport: Twilio (its SDK over ``requests``, mocked with ``responses``) and the
Orange SMS API (httpx2, mocked with a MockTransport); and both behind the outbox."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs

import httpx2
import pytest
import requests
import responses
from django.core.cache import cache
from django.test import override_settings

from teranga.core.http import use_transport
from teranga.platform.notifications.models import SmsStatus
from teranga.platform.notifications.providers.base import SmsProviderError
from teranga.platform.notifications.providers.orange_sms import (
    OrangeSmsProvider,
    outbound_path,
    tel_uri,
)
from teranga.platform.notifications.providers.registry import sms_providers
from teranga.platform.notifications.providers.twilio import TwilioSmsProvider
from teranga.platform.notifications.services import sms_send

TO = "+221771234567"

# --- Twilio -----------------------------------------------------------------------------

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-auth-token-SECRET-9f8e7d"
TWILIO_FROM = "+15005550006"
SERVICE_SID = "MG" + "fedcba9876543210" * 2
MESSAGE_SID = "SM" + "1234567890abcdef" * 2
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def twilio_settings(**extra):
    config = {
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "from": TWILIO_FROM,
        "messaging_service_sid": "",
        "status_callback": "",
        **extra,
    }
    return override_settings(SMS_PROVIDERS={"twilio": config})


def message_resource(**extra) -> dict:
    """A Message resource as Twilio answers a create (201)."""
    return {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": "Bonjour",
        "date_created": "Thu, 24 Aug 2023 05:01:45 +0000",
        "date_sent": None,
        "date_updated": "Thu, 24 Aug 2023 05:01:45 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": TWILIO_FROM,
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": None,
        "sid": MESSAGE_SID,
        "status": "queued",
        "subresource_uris": {
            "media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}/Media.json"
        },
        "to": TO,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}.json",
        **extra,
    }


def form(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


@responses.activate
def test_twilio_sends_the_documented_form():
    responses.add(responses.POST, MESSAGES_URL, json=message_resource(), status=201)
    with twilio_settings():
        result = TwilioSmsProvider().send(to=TO, body="Bonjour é ç", message_id="row-1")
    assert result.provider_message_id == MESSAGE_SID
    (call,) = responses.calls
    assert call.request.method == "POST"
    assert call.request.url == MESSAGES_URL
    expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert call.request.headers["Authorization"] == f"Basic {expected}"
    assert call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(call) == {"To": TO, "From": TWILIO_FROM, "Body": "Bonjour é ç"}


@responses.activate
def test_twilio_with_a_messaging_service_and_status_callback():
    responses.add(
        responses.POST, MESSAGES_URL, json=message_resource(messaging_service_sid=SERVICE_SID),
        status=201,
    )
    callback = "https://teranga.example/api/v1/sms/twilio/status/"
    with twilio_settings(messaging_service_sid=SERVICE_SID, status_callback=callback):
        TwilioSmsProvider().send(to=TO, body="Salut", message_id="row-2")
    body = form(responses.calls[0])
    assert body == {
        "To": TO, "MessagingServiceSid": SERVICE_SID, "Body": "Salut", "StatusCallback": callback,
    }
    assert "From" not in body


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [(400, 21211, False), (401, 20003, False), (400, 21610, False), (429, 20429, True),
     (503, None, True)],
)
@responses.activate
def test_twilio_errors_are_mapped_without_leaking(status, code, retryable):
    error = {
        "code": code,
        "message": f"The 'To' number {TO} is not a valid phone number.",
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    responses.add(responses.POST, MESSAGES_URL, json=error, status=status)
    with twilio_settings(), pytest.raises(SmsProviderError) as info:
        TwilioSmsProvider().send(to=TO, body="x", message_id="row-3")
    text = str(info.value)
    assert f"HTTP {status}" in text
    assert AUTH_TOKEN not in text and TO not in text
    assert info.value.retryable is retryable
    assert info.value.code == (str(code) if code else f"http_{status}")
    assert len(responses.calls) == 1  # a create is never repeated


@responses.activate
def test_twilio_unreachable_is_retryable_and_not_repeated():
    responses.add(responses.POST, MESSAGES_URL, body=requests.ConnectionError("boom"))
    with twilio_settings(), pytest.raises(SmsProviderError) as info:
        TwilioSmsProvider().send(to=TO, body="x", message_id="row-4")
    assert info.value.retryable and info.value.code == "unreachable"
    assert AUTH_TOKEN not in str(info.value)
    assert len(responses.calls) == 1


@responses.activate
def test_twilio_not_configured():
    with twilio_settings(account_sid=""), pytest.raises(SmsProviderError) as info:
        TwilioSmsProvider().send(to=TO, body="x", message_id="row-5")
    assert info.value.code == "not_configured"
    assert len(responses.calls) == 0


@pytest.mark.django_db
@responses.activate
def test_outbox_delivers_through_twilio(django_capture_on_commit_callbacks):
    responses.add(responses.POST, MESSAGES_URL, json=message_resource(), status=201)
    with (
        twilio_settings(),
        override_settings(SMS_PROVIDER="twilio"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = sms_send(to="77 123 45 67", body="Votre code : 123456", purpose="test")
    message.refresh_from_db()
    assert message.provider == "twilio"
    assert message.status == SmsStatus.SENT
    assert message.provider_message_id == MESSAGE_SID
    assert form(responses.calls[0])["To"] == TO


@pytest.mark.django_db
@responses.activate
def test_outbox_marks_a_twilio_refusal_failed(django_capture_on_commit_callbacks):
    responses.add(
        responses.POST, MESSAGES_URL, status=400,
        json={"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400},
    )
    with (
        twilio_settings(),
        override_settings(SMS_PROVIDER="twilio"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = sms_send(to=TO, body="x", purpose="test")
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert "21211" in message.error and AUTH_TOKEN not in message.error


# --- Orange SMS API ---------------------------------------------------------------------

CLIENT_ID = "orange-client-id-42"
CLIENT_SECRET = "orange-client-SECRET-0a1b2c"
SENDER = "+221770000000"
SENDER_PATH = "/smsmessaging/v1/outbound/tel%3A%2B221770000000/requests"
TOKEN_PATH = "/oauth/v3/token"
ACCESS_TOKEN = "i6m2iIcY0SodWSe...L3ojAXXrH"
OTHER_TOKEN = "fresh-token-after-401"
RESOURCE_ID = "f1a3b8e0-7c2d-4e5f-9a6b-1c2d3e4f5a6b"


def orange_settings(**extra):
    config = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "sender": SENDER,
        "sender_name": "",
        "api_url": "https://api.orange.com",
        **extra,
    }
    return override_settings(SMS_PROVIDERS={"orange": config})


def token_answer(token=ACCESS_TOKEN, expires_in="3600"):
    return 200, {"token_type": "Bearer", "access_token": token, "expires_in": expires_in}


def sent_answer(body: str, sender_name: str = ""):
    request = {
        "address": [f"tel:{TO}"],
        "senderAddress": f"tel:{SENDER}",
        "outboundSMSTextMessage": {"message": body},
        "resourceURL": f"https://api.orange.com/smsmessaging/v1/outbound/tel:{SENDER}"
        f"/requests/{RESOURCE_ID}",
    }
    if sender_name:
        request["senderName"] = sender_name
    return 201, {"outboundSMSMessageRequest": request}


class FakeOrange:
    """Orange's side: answers per (method, raw path) from a queue; records requests."""

    def __init__(self):
        self.requests: list[httpx2.Request] = []
        self.routes: dict[tuple[str, str], list] = {}

    def on(self, method, path, *answers):
        self.routes[(method, path)] = list(answers)

    def calls(self, path):
        return [r for r in self.requests if r.url.raw_path.decode() == path]

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.raw_path.decode()))
        if not queue:
            return httpx2.Response(404, json={"code": 404, "message": "Resource not found"})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, type) and issubclass(answer, Exception):
            raise answer("simulated", request=request)
        status, body = answer
        return httpx2.Response(status, json=body)


@pytest.fixture
def orange():
    fake = FakeOrange()
    fake.on("POST", TOKEN_PATH, token_answer())
    with use_transport(httpx2.MockTransport(fake)), orange_settings():
        yield fake


def test_tel_uri_and_path():
    assert tel_uri("+221770000000") == "tel:+221770000000"
    assert tel_uri("tel:+221770000000") == "tel:+221770000000"
    assert tel_uri("00221770000000") == "tel:+221770000000"
    assert tel_uri("221770000000") == "tel:+221770000000"
    assert outbound_path("+221770000000") == SENDER_PATH


def test_orange_token_then_send_with_the_documented_shapes(orange):
    orange.on("POST", SENDER_PATH, sent_answer("Bonjour Awa"))
    result = OrangeSmsProvider().send(to=TO, body="Bonjour Awa", message_id="row-1")
    assert result.provider_message_id == RESOURCE_ID

    token_request, send_request = orange.requests
    assert token_request.method == "POST"
    assert str(token_request.url) == "https://api.orange.com/oauth/v3/token"
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert token_request.headers["Authorization"] == f"Basic {basic}"
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_request.content.decode()) == {"grant_type": ["client_credentials"]}

    assert send_request.method == "POST"
    assert send_request.url.raw_path.decode() == SENDER_PATH  # tel:+ URL-encoded
    assert send_request.url.host == "api.orange.com"
    assert send_request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert send_request.headers["Content-Type"] == "application/json"
    assert json.loads(send_request.content) == {
        "outboundSMSMessageRequest": {
            "address": f"tel:{TO}",
            "senderAddress": f"tel:{SENDER}",
            "outboundSMSTextMessage": {"message": "Bonjour Awa"},
        }
    }


def test_orange_sender_name(orange):
    orange.on("POST", SENDER_PATH, sent_answer("Salut", sender_name="TERANGA"))
    with orange_settings(sender_name="TERANGA"):
        OrangeSmsProvider().send(to=TO, body="Salut", message_id="row-2")
    body = json.loads(orange.calls(SENDER_PATH)[0].content)["outboundSMSMessageRequest"]
    assert body["senderName"] == "TERANGA"
    assert body["senderAddress"] == f"tel:{SENDER}"


def test_orange_token_is_cached_under_a_digest(orange):
    orange.on("POST", SENDER_PATH, sent_answer("a"))
    provider = OrangeSmsProvider()
    provider.send(to=TO, body="a", message_id="row-1")
    provider.send(to=TO, body="a", message_id="row-2")
    assert len(orange.calls(TOKEN_PATH)) == 1
    assert len(orange.calls(SENDER_PATH)) == 2
    key = provider.token_cache_key({"client_id": CLIENT_ID, "api_url": "https://api.orange.com"})
    assert cache.get(key) == ACCESS_TOKEN
    assert CLIENT_SECRET not in key and CLIENT_ID not in key and ACCESS_TOKEN not in key


def test_orange_short_lived_token_is_not_cached(orange):
    orange.on("POST", TOKEN_PATH, token_answer(expires_in=30))
    orange.on("POST", SENDER_PATH, sent_answer("a"))
    provider = OrangeSmsProvider()
    provider.send(to=TO, body="a", message_id="row-1")
    provider.send(to=TO, body="a", message_id="row-2")
    assert len(orange.calls(TOKEN_PATH)) == 2


def test_orange_401_drops_the_token_and_retries_once(orange):
    orange.on("POST", TOKEN_PATH, token_answer(), token_answer(OTHER_TOKEN))
    expired = (401, {"code": 42, "message": "Expired credentials",
                     "description": "The requested service needs credentials, and the ones "
                     "provided were out-of-date."})
    orange.on("POST", SENDER_PATH, expired, sent_answer("a"))
    result = OrangeSmsProvider().send(to=TO, body="a", message_id="row-1")
    assert result.provider_message_id == RESOURCE_ID
    sends = orange.calls(SENDER_PATH)
    assert [r.headers["Authorization"] for r in sends] == [
        f"Bearer {ACCESS_TOKEN}", f"Bearer {OTHER_TOKEN}",
    ]
    assert len(orange.calls(TOKEN_PATH)) == 2


def test_orange_401_twice_fails(orange):
    orange.on("POST", SENDER_PATH, (401, {"code": 42, "message": "Expired credentials"}))
    with pytest.raises(SmsProviderError) as info:
        OrangeSmsProvider().send(to=TO, body="a", message_id="row-1")
    assert info.value.code == "42" and not info.value.retryable
    assert len(orange.calls(SENDER_PATH)) == 2


def test_orange_send_timeout_is_not_repeated(orange):
    orange.on("POST", SENDER_PATH, httpx2.ReadTimeout)
    with pytest.raises(SmsProviderError) as info:
        OrangeSmsProvider().send(to=TO, body="a", message_id="row-1")
    assert info.value.retryable
    assert len(orange.calls(SENDER_PATH)) == 1  # the send may have gone out: never again
    assert CLIENT_SECRET not in str(info.value) and ACCESS_TOKEN not in str(info.value)


def test_orange_send_5xx_is_not_repeated(orange):
    orange.on("POST", SENDER_PATH, (503, {"code": 5, "message": "Service unavailable"}))
    with pytest.raises(SmsProviderError) as info:
        OrangeSmsProvider().send(to=TO, body="a", message_id="row-1")
    assert info.value.retryable
    assert len(orange.calls(SENDER_PATH)) == 1


def test_orange_token_call_is_retried(orange):
    orange.on(
        "POST", TOKEN_PATH, (503, {"code": 5, "message": "unavailable"}), httpx2.ConnectError,
        token_answer(),
    )
    orange.on("POST", SENDER_PATH, sent_answer("a"))
    result = OrangeSmsProvider().send(to=TO, body="a", message_id="row-1")
    assert result.provider_message_id == RESOURCE_ID
    assert len(orange.calls(TOKEN_PATH)) == 3


def test_orange_bad_credentials(orange):
    orange.on("POST", TOKEN_PATH, (401, {"error": "invalid_client",
                                         "error_description": "Invalid client credentials"}))
    with pytest.raises(SmsProviderError) as info:
        OrangeSmsProvider().send(to=TO, body="a", message_id="row-1")
    assert "HTTP 401" in str(info.value) and not info.value.retryable
    assert CLIENT_SECRET not in str(info.value)
    assert orange.calls(SENDER_PATH) == []


@pytest.mark.parametrize(
    ("status", "exception", "message_id"),
    [(400, "serviceException", "SVC0004"), (403, "policyException", "POL0001")],
)
def test_orange_refusals_keep_the_message_id(orange, status, exception, message_id):
    error = {"requestError": {exception: {
        "messageId": message_id,
        "text": "No valid addresses provided in message part %1",
        "variables": f"tel:{TO}",
    }}}
    orange.on("POST", SENDER_PATH, (status, error))
    with pytest.raises(SmsProviderError) as info:
        OrangeSmsProvider().send(to=TO, body="a", message_id="row-1")
    assert info.value.code == message_id and not info.value.retryable
    assert str(info.value) == f"orange answered HTTP {status} ({message_id})"


def test_orange_not_configured():
    with orange_settings(client_secret=""), pytest.raises(SmsProviderError) as info:
        OrangeSmsProvider().send(to=TO, body="a", message_id="row-1")
    assert info.value.code == "not_configured"


@pytest.mark.django_db
def test_outbox_delivers_through_orange(orange, django_capture_on_commit_callbacks):
    orange.on("POST", SENDER_PATH, sent_answer("Votre code : 654321"))
    with override_settings(SMS_PROVIDER="orange"), django_capture_on_commit_callbacks(
        execute=True
    ):
        message = sms_send(to="77 123 45 67", body="Votre code : 654321", purpose="test")
    message.refresh_from_db()
    assert message.provider == "orange"
    assert message.status == SmsStatus.SENT
    assert message.provider_message_id == RESOURCE_ID
    body = json.loads(orange.calls(SENDER_PATH)[0].content)
    assert body["outboundSMSMessageRequest"]["address"] == f"tel:{TO}"


def test_registry_names():
    assert {"sandbox", "twilio", "orange"} <= set(sms_providers.names())
