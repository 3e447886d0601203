"""Push: the FCM adapter against the documented HTTP v1 shapes (firebase-admin over
google-auth's requests session, mocked with ``responses``: the OAuth token endpoint and
``messages:send``), the sandbox provider, and ``push_deliver`` — every active device of
the recipient, invalid tokens deactivated, skipped/retryable outcomes."""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qs

import jwt
import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import override_settings

from teranga.platform.notifications.models import Device, Notification
from teranga.platform.notifications.providers.fcm import FcmPushProvider
from teranga.platform.notifications.providers.push_base import InvalidToken, PushError
from teranga.platform.notifications.providers.registry import push_provider_current, push_providers
from teranga.platform.notifications.push import PushSkipped, push_deliver

PROJECT = "teranga-test"
OAUTH_URL = "https://oauth2.googleapis.com/token"
SEND_URL = f"https://fcm.googleapis.com/v1/projects/{PROJECT}/messages:send"
ACCESS_TOKEN = "ya29.c.test-access-token"
FCM_TOKEN = "fcm-token-" + "a1B2_c3-D4:e5" * 10
MESSAGE_NAME = f"projects/{PROJECT}/messages/0:1500415314455276%31bd1c9631bd1c96"


@pytest.fixture
def service_account():
    """A throwaway service account with a freshly generated RSA key (a new one per test,
    so each test gets its own firebase app and asks for its own OAuth token)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": uuid.uuid4().hex,
        "private_key": pem,
        "client_email": f"firebase-adminsdk@{PROJECT}.iam.gserviceaccount.com",
        "client_id": "109876543210987654321",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": OAUTH_URL,
    }
    return info, key.public_key()


@pytest.fixture
def fcm(service_account):
    info, _public_key = service_account
    with override_settings(
        PUSH_PROVIDER="fcm", FCM={"credentials": json.dumps(info), "project_id": ""}
    ), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(
            responses.POST, OAUTH_URL,
            json={"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"},
        )
        yield mock


def fcm_error(status: int, grpc_status: str, message: str, error_code: str | None = None):
    """An FCM v1 error body (google.rpc.Status, with the FcmError detail)."""
    error = {"code": status, "message": message, "status": grpc_status}
    if error_code:
        error["details"] = [
            {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
             "errorCode": error_code}
        ]
    return {"error": error}


def send_calls(mock):
    return [c for c in mock.calls if c.request.url == SEND_URL]


def test_fcm_sends_the_documented_message(fcm, service_account):
    fcm.add(responses.POST, SEND_URL, json={"name": MESSAGE_NAME})
    message_id = FcmPushProvider().send(
        token=FCM_TOKEN, title="Réservation confirmée", body="Demain à 10 h",
        data={"notification_id": "n-1", "kind": "scheduling.confirmed", "link": "/b/1/"},
    )
    assert message_id == MESSAGE_NAME

    (call,) = send_calls(fcm)
    assert call.request.method == "POST"
    assert call.request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert json.loads(call.request.body) == {
        "message": {
            "token": FCM_TOKEN,
            "notification": {"title": "Réservation confirmée", "body": "Demain à 10 h"},
            "data": {"notification_id": "n-1", "kind": "scheduling.confirmed", "link": "/b/1/"},
            "android": {"priority": "high", "notification": {"sound": "default"}},
            "apns": {"headers": {"apns-priority": "10"}, "payload": {"aps": {"sound": "default"}}},
        }
    }

    # The OAuth token came from a JWT signed with the service account's key.
    (oauth,) = [c for c in fcm.calls if c.request.url == OAUTH_URL]
    form = parse_qs(oauth.request.body if isinstance(oauth.request.body, str)
                    else oauth.request.body.decode())
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    info, public_key = service_account
    claims = jwt.decode(form["assertion"][0], public_key, algorithms=["RS256"], audience=OAUTH_URL)
    assert claims["iss"] == info["client_email"]
    assert "https://www.googleapis.com/auth/cloud-platform" in claims["scope"].split()


def test_fcm_token_is_reused_between_sends(fcm):
    fcm.add(responses.POST, SEND_URL, json={"name": MESSAGE_NAME})
    provider = FcmPushProvider()
    for _ in range(3):
        provider.send(token=FCM_TOKEN, title="t", body="b", data={})
    assert len(send_calls(fcm)) == 3
    assert len([c for c in fcm.calls if c.request.url == OAUTH_URL]) == 1


@pytest.mark.parametrize(
    ("status", "grpc_status", "message", "error_code"),
    [
        (404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED"),
        (403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH"),
        (400, "INVALID_ARGUMENT",
         "The registration token is not a valid FCM registration token", "INVALID_ARGUMENT"),
    ],
)
def test_fcm_token_errors_are_invalid_token(fcm, status, grpc_status, message, error_code):
    fcm.add(responses.POST, SEND_URL, status=status,
            json=fcm_error(status, grpc_status, message, error_code))
    with pytest.raises(InvalidToken) as info:
        FcmPushProvider().send(token=FCM_TOKEN, title="t", body="b", data={})
    assert not info.value.retryable
    assert FCM_TOKEN not in str(info.value)


@pytest.mark.parametrize(
    ("status", "grpc_status", "error_code", "retryable"),
    [
        (429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", True),
        (400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", False),  # about the payload, not the token
        (401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", False),
    ],
)
def test_fcm_other_errors(fcm, status, grpc_status, error_code, retryable):
    message = (
        "Invalid value at 'message.data[0].value'" if error_code == "INVALID_ARGUMENT"
        else "Request failed"
    )
    fcm.add(responses.POST, SEND_URL, status=status,
            json=fcm_error(status, grpc_status, message, error_code))
    with pytest.raises(PushError) as info:
        FcmPushProvider().send(token=FCM_TOKEN, title="t", body="b", data={})
    assert not isinstance(info.value, InvalidToken)
    assert info.value.retryable is retryable


def test_fcm_unreachable_is_retryable(fcm):
    fcm.add(responses.POST, SEND_URL, body=requests.ConnectionError("connection refused"))
    with pytest.raises(PushError) as info:
        FcmPushProvider().send(token=FCM_TOKEN, title="t", body="b", data={})
    assert info.value.retryable and not isinstance(info.value, InvalidToken)


def test_fcm_oauth_refusal_is_not_retryable(service_account):
    info, _key = service_account
    with override_settings(FCM={"credentials": json.dumps(info), "project_id": ""}), \
            responses.RequestsMock() as mock:
        mock.add(responses.POST, OAUTH_URL, status=400,
                 json={"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        with pytest.raises(PushError) as error:
            FcmPushProvider().send(token=FCM_TOKEN, title="t", body="b", data={})
    assert error.value.code == "auth_error" and not error.value.retryable
    assert info["private_key"] not in str(error.value)


def test_fcm_credentials_from_a_file_and_project_override(service_account, tmp_path):
    info, _key = service_account
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(info))
    other_url = SEND_URL.replace(PROJECT, "other-project")
    with override_settings(FCM={"credentials": str(path), "project_id": "other-project"}), \
            responses.RequestsMock() as mock:
        mock.add(responses.POST, OAUTH_URL,
                 json={"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"})
        mock.add(responses.POST, other_url, json={"name": "projects/other-project/messages/1"})
        assert FcmPushProvider().send(token=FCM_TOKEN, title="t", body="b", data={}) == (
            "projects/other-project/messages/1"
        )


@pytest.mark.parametrize("credentials", ["", '{"type": "service_account"}', "/nonexistent.json"])
def test_fcm_not_configured(credentials):
    with override_settings(FCM={"credentials": credentials, "project_id": ""}), \
            responses.RequestsMock() as mock:
        with pytest.raises(PushError) as info:
            FcmPushProvider().send(token=FCM_TOKEN, title="t", body="b", data={})
        # Nothing went to Google (the mock patches requests process-wide: count only ours).
        assert not [call for call in mock.calls if "googleapis.com" in call.request.url]
    assert info.value.code == "not_configured" and not info.value.retryable


def test_registry():
    assert {"sandbox", "fcm"} <= set(push_providers.names())
    assert push_provider_current().name == "sandbox"
    with override_settings(PUSH_PROVIDER="fcm"):
        assert push_provider_current().name == "fcm"


# --- push_deliver -----------------------------------------------------------------------

@pytest.fixture
def sandbox():
    provider = push_providers.get("sandbox")
    provider.clear()
    yield provider
    provider.clear()


def notification_for(user, **extra) -> Notification:
    return Notification.objects.create(
        recipient=user, kind="scheduling.confirmed", title="Réservation confirmée",
        body="Demain à 10 h", link="/app/bookings/1/", idempotency_key=uuid.uuid4().hex,
        **extra,
    )


def device(user, token, **extra) -> Device:
    return Device.objects.create(user=user, token=token, platform="android", **extra)


@pytest.mark.django_db
def test_push_reaches_every_active_device(make_user, sandbox):
    user = make_user("push-all@example.com")
    other = make_user("push-other@example.com")
    device(user, "sandbox-phone-" + "1" * 20)
    device(user, "sandbox-tablet-" + "2" * 20)
    device(user, "sandbox-old-" + "3" * 20, is_active=False, deactivated_reason="superseded")
    device(other, "sandbox-other-" + "4" * 20)
    notification = notification_for(user)

    ids = push_deliver(notification=notification)

    assert len(ids.split(",")) == 2
    assert [m.message_id for m in sandbox.sent] == ids.split(",")
    assert {m.token[:14] for m in sandbox.sent} == {"sandbox-phone-", "sandbox-tablet"}
    first = sandbox.sent[0]
    assert (first.title, first.body) == ("Réservation confirmée", "Demain à 10 h")
    assert first.data == {
        "notification_id": str(notification.pk), "kind": "scheduling.confirmed",
        "link": "/app/bookings/1/",
    }


@pytest.mark.django_db
def test_no_active_device_is_skipped(make_user, sandbox):
    user = make_user("push-none@example.com")
    with pytest.raises(PushSkipped):
        push_deliver(notification=notification_for(user))
    device(user, "sandbox-old-" + "3" * 20, is_active=False)
    with pytest.raises(PushSkipped):
        push_deliver(notification=notification_for(user))
    assert sandbox.sent == []


@pytest.mark.django_db
def test_inactive_recipient_is_skipped(make_user, sandbox):
    user = make_user("push-gone@example.com")
    device(user, "sandbox-phone-" + "1" * 20)
    user.is_active = False
    user.save()
    with pytest.raises(PushSkipped):
        push_deliver(notification=notification_for(user))
    assert sandbox.sent == []


@pytest.mark.django_db
def test_invalid_tokens_are_deactivated(make_user, sandbox):
    user = make_user("push-clean@example.com")
    good = device(user, "sandbox-phone-" + "1" * 20)
    bad = device(user, "sandbox-invalid-" + "5" * 20)
    ids = push_deliver(notification=notification_for(user))
    assert ids == sandbox.sent[0].message_id
    bad.refresh_from_db()
    good.refresh_from_db()
    assert (bad.is_active, bad.deactivated_reason) == (False, "invalid_token:unregistered")
    assert good.is_active and good.deactivated_reason == ""
    # Next time only the good device is tried.
    push_deliver(notification=notification_for(user))
    assert [m.token for m in sandbox.sent] == [good.token, good.token]


@pytest.mark.django_db
def test_only_invalid_tokens_is_skipped(make_user, sandbox):
    user = make_user("push-allbad@example.com")
    device(user, "sandbox-invalid-" + "5" * 20)
    with pytest.raises(PushSkipped):
        push_deliver(notification=notification_for(user))
    assert not Device.objects.filter(user=user, is_active=True).exists()


@pytest.mark.django_db
def test_transient_failure_everywhere_is_retryable(make_user, sandbox):
    user = make_user("push-down@example.com")
    device(user, "sandbox-unavailable-" + "6" * 20)
    device(user, "sandbox-invalid-" + "5" * 20)
    with pytest.raises(PushError) as info:
        push_deliver(notification=notification_for(user))
    assert info.value.retryable
    assert Device.objects.filter(user=user, is_active=True).count() == 1  # the invalid one went


@pytest.mark.django_db
def test_partial_success_counts_as_sent(make_user, sandbox):
    user = make_user("push-partial@example.com")
    device(user, "sandbox-unavailable-" + "6" * 20)
    device(user, "sandbox-phone-" + "1" * 20)
    ids = push_deliver(notification=notification_for(user))
    assert ids == sandbox.sent[0].message_id


@pytest.mark.django_db
def test_push_deliver_through_fcm_cleans_up_unregistered_tokens(make_user, fcm):
    user = make_user("push-fcm@example.com")
    gone = device(user, "fcm-gone-" + "x" * 40)
    alive = device(user, "fcm-alive-" + "y" * 40)

    def answer(request):
        token = json.loads(request.body)["message"]["token"]
        if token == gone.token:
            return 404, {}, json.dumps(
                fcm_error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
            )
        return 200, {}, json.dumps({"name": MESSAGE_NAME})

    fcm.add_callback(responses.POST, SEND_URL, callback=answer, content_type="application/json")
    notification = notification_for(user)
    assert push_deliver(notification=notification) == MESSAGE_NAME
    gone.refresh_from_db()
    alive.refresh_from_db()
    assert not gone.is_active and gone.deactivated_reason == "invalid_token:unregistered"
    assert alive.is_active
    bodies = [json.loads(c.request.body)["message"] for c in send_calls(fcm)]
    assert {b["token"] for b in bodies} == {gone.token, alive.token}
    assert bodies[0]["data"] == {
        "notification_id": str(notification.pk), "kind": "scheduling.confirmed",
        "link": "/app/bookings/1/",
    }


def test_long_texts_are_shortened_for_push(sandbox):
    from teranga.platform.notifications.push import push_payload

    notification = Notification(
        id=uuid.uuid4(), kind="k", title="  Titre\n  sur deux lignes ", body="mot " * 400,
        link="",
    )
    payload = push_payload(notification)
    assert payload["title"] == "Titre sur deux lignes"
    assert len(payload["body"]) <= 1000 and payload["body"].endswith("...")
    assert payload["data"]["link"] == ""
