"""A JSON body nested too deeply answers 400 ``malformed_request``, never 500.

A few kilobytes of ``[`` made Python's JSON decoder raise RecursionError: 500 from
allauth's headless API (which decodes ``request.body`` itself) and from every DRF view
(DRF's JSONParser catches ValueError only). BodySanityMiddleware now refuses such a body
before any view; our DRF parser answers the same should decoding recurse anyway.
"""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/_allauth/app/v1/auth/login"
TWILIO_RECEIPT = "/api/v1/notifications/receipts/twilio/"
COUPON_VALIDATE = "/api/v1/coupons/validate/"
ME = "/api/v1/me/"

ARRAYS = "[" * 1000
OBJECTS = '{"a":' * 1000
CLOSED = "[" * 1000 + "]" * 1000

FR = "Le corps JSON est imbriqué trop profondément."
EN = "The JSON body is nested too deeply."


def assert_malformed(response, message: str | None = None) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == "malformed_request", body
    assert body["error"]["fields"] == {}, body
    assert body["error"]["message"], body
    if message is not None:
        assert body["error"]["message"] == message, body
    return body["error"]


@pytest.mark.parametrize("url", [LOGIN, TWILIO_RECEIPT, COUPON_VALIDATE])
@pytest.mark.parametrize("payload", [ARRAYS, OBJECTS, CLOSED], ids=["arrays", "objects", "closed"])
def test_anonymous_deep_json_answers_400(url, payload):
    response = Client().post(url, payload, content_type="application/json")
    assert_malformed(response, FR)


@pytest.mark.parametrize("url", [LOGIN, TWILIO_RECEIPT])
def test_whatever_the_content_type(url):
    # allauth decodes the body whatever its declared type.
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        assert_malformed(Client().post(url, ARRAYS, content_type=content_type))


def test_the_message_is_in_the_requested_language():
    response = Client().post(
        LOGIN, ARRAYS, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert_malformed(response, EN)
    wolof = Client().post(LOGIN, ARRAYS, content_type="application/json", HTTP_ACCEPT_LANGUAGE="wo")
    message = assert_malformed(wolof)["message"]
    assert message not in (FR, EN)


def test_signed_in_json_endpoint_answers_400(make_user, client_for):
    client = client_for(make_user("deep@example.com"))
    for payload in (ARRAYS, OBJECTS):
        assert_malformed(client.patch(ME, payload, content_type="application/json"), FR)
        assert_malformed(client.post(COUPON_VALIDATE, payload, content_type="application/json"))


def test_drf_parser_answers_400_even_past_the_middleware(make_user, client_for, settings):
    """Our DRF parser stands on its own: with the middleware's limit out of reach, the
    decoder's RecursionError still becomes 400."""
    client = client_for(make_user("parser@example.com"))
    settings.JSON_MAX_DEPTH = 10**9
    response = client.patch(ME, ARRAYS, content_type="application/json")
    assert_malformed(response, FR)


def test_ordinary_requests_still_work(make_user, client_for):
    user = make_user("plain@example.com")
    login = Client().post(
        LOGIN,
        {"email": user.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert login.status_code == 200, login.content
    client = client_for(user)
    # Brackets inside strings are text: only real nesting counts.
    name = "[{" * 100
    response = client.patch(ME, {"first_name": name[:60]}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["first_name"] == name[:60]
    # Nesting within the limit reaches the view (which refuses the unknown field).
    nested = '{"extra": ' + "[" * 30 + "]" * 30 + "}"
    response = client.patch(ME, nested, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    # Twilio's form-encoded receipts still reach their view (and its signature check).
    receipt = Client().post(
        TWILIO_RECEIPT,
        "MessageSid=SM1&MessageStatus=delivered",
        content_type="application/x-www-form-urlencoded",
    )
    assert receipt.status_code == 400, receipt.content
    assert receipt.json()["error"]["code"] == "invalid_signature"
