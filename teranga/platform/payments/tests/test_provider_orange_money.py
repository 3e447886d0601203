"""The Orange Money adapter against the documented Web Payment API shapes (token, web
payment, transaction status, notification), mocked at the transport."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction

from teranga.core.http import use_transport
from teranga.platform.payments.models import ProviderEvent
from teranga.platform.payments.providers.base import (
    CheckoutRequest,
    Credentials,
    PaymentRef,
    ProviderError,
    RefundRequest,
    WebhookRejected,
)
from teranga.platform.payments.providers.orange_money import OrangeMoneyProvider

CLIENT_ID = "om-client-id-123"
CLIENT_SECRET = "om-client-secret-456"
MERCHANT_KEY = "4e3c2b1a"
ACCESS_TOKEN = "IW3gdUVOvQVcO7mGNsOZgwdhDNvE"
PAYMENT_ID = "8c3a9f7b-2d1e-4a8c-9b5f-6e4d3c2a1b0c"
ORDER_ID = "8c3a9f7b2d1e4a8c9b5f6e4d3c2a1b"  # the UUID's hex cut to 30 characters
PAY_TOKEN = "f5720dd906203c62033ffe64ed75614785878b0ab2231d9c582b2908fca0ab9a"
NOTIF_TOKEN = "dd497bda3b250e536186fc0663f32f40"
PAYMENT_URL = f"https://webpayment.orange-money.com/payment/pay_token/{PAY_TOKEN}"
WEBHOOK_URL = "https://teranga.example/api/v1/payments/webhooks/orange_money/"
WEBPAY = "/orange-money-webpay/sn/v1/webpayment"
STATUS = "/orange-money-webpay/sn/v1/transactionstatus"
TOKEN = "/oauth/v3/token"

adapter = OrangeMoneyProvider()


def creds(**extra) -> Credentials:
    values = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
              "merchant_key": MERCHANT_KEY, **extra}
    return Credentials(values)


TOKEN_ANSWER = (200, {"token_type": "Bearer", "access_token": ACCESS_TOKEN, "expires_in": 3600})
WEBPAY_ANSWER = (
    201,
    {"status": 201, "message": "OK", "pay_token": PAY_TOKEN, "payment_url": PAYMENT_URL,
     "notif_token": NOTIF_TOKEN},
)


class FakeOrange:
    """Orange's side: answers per (method, path) from a queue; records every request."""

    def __init__(self):
        self.requests: list[httpx2.Request] = []
        self.routes: dict[tuple[str, str], list] = {}

    def on(self, method: str, path: str, *answers) -> None:
        self.routes[(method, path)] = list(answers)

    def calls(self, path: str) -> list[httpx2.Request]:
        return [r for r in self.requests if r.url.path == path]

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
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
    fake.on("POST", TOKEN, TOKEN_ANSWER)
    with use_transport(httpx2.MockTransport(fake)):
        yield fake


def checkout_request(**overrides) -> CheckoutRequest:
    values = {
        "payment_id": PAYMENT_ID,
        "amount": 15000,
        "currency": "XOF",
        "description": "Abonnement Calmness",
        "return_url": "https://teranga.example/pay/done",
        "cancel_url": "https://teranga.example/pay/cancel",
        "webhook_url": WEBHOOK_URL,
    }
    return CheckoutRequest(**{**values, **overrides})


def ref(**data) -> PaymentRef:
    return PaymentRef(
        payment_id=PAYMENT_ID, reference=PAY_TOKEN, amount=15000, currency="XOF",
        data=data or {"pay_token": PAY_TOKEN, "notif_token": NOTIF_TOKEN, "order_id": ORDER_ID},
    )


# -- token and checkout --------------------------------------------------------------------


def test_checkout_gets_a_token_then_posts_the_documented_web_payment(orange):
    orange.on("POST", WEBPAY, WEBPAY_ANSWER)

    checkout = adapter.create_checkout(request=checkout_request(), credentials=creds())

    assert checkout.reference == PAY_TOKEN
    assert checkout.redirect_url == PAYMENT_URL
    assert checkout.data == {"pay_token": PAY_TOKEN, "notif_token": NOTIF_TOKEN,
                             "order_id": ORDER_ID}
    token_call, webpay_call = orange.requests
    assert token_call.method == "POST"
    assert str(token_call.url) == "https://api.orange.com/oauth/v3/token"
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert token_call.headers["authorization"] == f"Basic {basic}"
    assert parse_qs(token_call.content.decode()) == {"grant_type": ["client_credentials"]}
    assert webpay_call.method == "POST"
    assert str(webpay_call.url) == f"https://api.orange.com{WEBPAY}"
    assert webpay_call.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert json.loads(webpay_call.content) == {
        "merchant_key": MERCHANT_KEY,
        "currency": "XOF",
        "order_id": ORDER_ID,
        "amount": 15000,
        "return_url": "https://teranga.example/pay/done",
        "cancel_url": "https://teranga.example/pay/cancel",
        "notif_url": f"{WEBHOOK_URL}?payment={PAYMENT_ID}",
        "lang": "fr",
        "reference": "Abonnement Calmness",
    }


def test_notif_url_keeps_an_existing_query(orange):
    orange.on("POST", WEBPAY, WEBPAY_ANSWER)

    adapter.create_checkout(
        request=checkout_request(webhook_url=f"{WEBHOOK_URL}?account=acc-1"),
        credentials=creds(),
    )

    notif_url = json.loads(orange.calls(WEBPAY)[0].content)["notif_url"]
    parts = urlsplit(notif_url)
    assert notif_url.startswith(WEBHOOK_URL + "?")
    assert parse_qs(parts.query) == {"account": ["acc-1"], "payment": [PAYMENT_ID]}


def test_development_platform_uses_its_country_path_and_ouv(orange):
    orange.on("POST", "/orange-money-webpay/dev/v1/webpayment", WEBPAY_ANSWER)

    adapter.create_checkout(
        request=checkout_request(locale="en"),
        credentials=creds(country_path="dev", currency_code="OUV", reference="Teranga"),
    )

    [webpay_call] = orange.calls("/orange-money-webpay/dev/v1/webpayment")
    body = json.loads(webpay_call.content)
    assert (body["currency"], body["lang"], body["reference"]) == ("OUV", "en", "Teranga")


def test_token_is_fetched_once_and_cached_across_calls(orange):
    orange.on("POST", WEBPAY, WEBPAY_ANSWER)
    orange.on("POST", STATUS, (201, {"status": "SUCCESS", "order_id": ORDER_ID,
                                     "txnid": "MP150709.1341.A00073"}))

    adapter.create_checkout(request=checkout_request(), credentials=creds())
    adapter.fetch_status(payment=ref(), credentials=creds())

    assert len(orange.calls(TOKEN)) == 1
    assert [r.headers["authorization"] for r in orange.calls(STATUS)] == [
        f"Bearer {ACCESS_TOKEN}"
    ]
    key = adapter._token_cache_key(creds())
    assert cache.get(key) == ACCESS_TOKEN
    assert CLIENT_ID not in key and ACCESS_TOKEN not in key


def test_a_rejected_cached_token_is_replaced_once(orange):
    cache.set(adapter._token_cache_key(creds()), "revoked-token", 600)
    orange.on("POST", WEBPAY, (401, {"code": 42, "message": "Expired credentials"}),
              WEBPAY_ANSWER)

    checkout = adapter.create_checkout(request=checkout_request(), credentials=creds())

    assert checkout.reference == PAY_TOKEN
    assert [r.headers["authorization"] for r in orange.calls(WEBPAY)] == [
        "Bearer revoked-token", f"Bearer {ACCESS_TOKEN}"
    ]
    assert len(orange.calls(TOKEN)) == 1
    assert cache.get(adapter._token_cache_key(creds())) == ACCESS_TOKEN


def test_refused_credentials_raise_without_leaking_them(orange):
    orange.on("POST", TOKEN, (401, {"error": "invalid_client"}))

    with pytest.raises(ProviderError) as caught:
        adapter.create_checkout(request=checkout_request(), credentials=creds())

    assert (caught.value.code, caught.value.retryable) == ("http_401", False)
    assert CLIENT_SECRET not in str(caught.value) and CLIENT_ID not in str(caught.value)
    assert orange.calls(WEBPAY) == []


def test_web_payment_refusal_is_not_retried(orange):
    orange.on("POST", WEBPAY, (400, {"status": 400, "message": "Bad request"}))

    with pytest.raises(ProviderError) as caught:
        adapter.create_checkout(request=checkout_request(), credentials=creds())

    assert caught.value.code == "http_400"
    assert len(orange.calls(WEBPAY)) == 1


def test_web_payment_5xx_is_not_retried_without_an_idempotency_key(orange):
    orange.on("POST", WEBPAY, (503, {"message": "unavailable"}))

    with pytest.raises(ProviderError) as caught:
        adapter.create_checkout(request=checkout_request(), credentials=creds())

    assert (caught.value.code, caught.value.retryable) == ("http_503", True)
    assert len(orange.calls(WEBPAY)) == 1


def test_checkout_needs_every_credential_and_xof(orange):
    with pytest.raises(ProviderError) as missing:
        adapter.create_checkout(
            request=checkout_request(),
            credentials=Credentials({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}),
        )
    with pytest.raises(ProviderError) as currency:
        adapter.create_checkout(request=checkout_request(currency="EUR"), credentials=creds())

    assert missing.value.code == "not_configured"
    assert currency.value.code == "unsupported_currency"
    assert orange.requests == []


# -- status --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("orange_status", "expected"),
    [("INITIATED", "pending"), ("PENDING", "pending"), ("SUCCESS", "succeeded"),
     ("FAILED", "failed"), ("EXPIRED", "expired")],
)
def test_status_maps_every_documented_value(orange, orange_status, expected):
    orange.on("POST", STATUS, (201, {"status": orange_status, "order_id": ORDER_ID,
                                     "txnid": "MP150709.1341.A00073"}))

    status = adapter.fetch_status(payment=ref(), credentials=creds())

    assert (status.status, status.reference, status.detail) == (expected, PAY_TOKEN, "")
    [call] = orange.calls(STATUS)
    assert str(call.url) == f"https://api.orange.com{STATUS}"
    assert call.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert json.loads(call.content) == {"order_id": ORDER_ID, "amount": 15000,
                                        "pay_token": PAY_TOKEN}


def test_status_of_an_undocumented_value_changes_nothing(orange):
    orange.on("POST", STATUS, (200, {"status": "SOMETHING_NEW"}))

    status = adapter.fetch_status(payment=ref(), credentials=creds())

    assert status.status == "pending"
    assert "SOMETHING_NEW" in status.detail


def test_status_query_is_retried_after_a_503(orange):
    orange.on("POST", STATUS, (503, {"message": "busy"}), (201, {"status": "SUCCESS"}))

    status = adapter.fetch_status(payment=ref(), credentials=creds())

    assert status.status == "succeeded"
    assert len(orange.calls(STATUS)) == 2


def test_status_timeout_is_retryable_after_the_bounded_retries(orange, settings):
    settings.PAYMENTS_HTTP_RETRIES = 2
    orange.on("POST", STATUS, httpx2.ConnectTimeout)

    with pytest.raises(ProviderError) as caught:
        adapter.fetch_status(payment=ref(), credentials=creds())

    assert (caught.value.code, caught.value.retryable) == ("unreachable", True)
    assert len(orange.calls(STATUS)) == 3


def test_status_without_stored_data_derives_the_order_id(orange):
    orange.on("POST", STATUS, (201, {"status": "PENDING"}))

    adapter.fetch_status(
        payment=PaymentRef(payment_id=PAYMENT_ID, reference=PAY_TOKEN, amount=15000,
                           currency="XOF"),
        credentials=creds(),
    )

    body = json.loads(orange.calls(STATUS)[0].content)
    assert (body["order_id"], body["pay_token"]) == (ORDER_ID, PAY_TOKEN)


# -- notifications -------------------------------------------------------------------------


def notification(status="SUCCESS", txnid="MP150709.1341.A00073", **extra) -> bytes:
    return json.dumps({"status": status, "notif_token": NOTIF_TOKEN, "txnid": txnid,
                       **extra}).encode()


def parse(body: bytes, query: dict | None = None):
    return adapter.parse_webhook(
        body=body,
        headers={"content-type": "application/json"},
        query={"payment": PAYMENT_ID} if query is None else query,
        credentials=creds(),
    )


def test_notification_names_the_payment_and_carries_the_token_for_comparison():
    [notice] = parse(notification())

    digest = hashlib.sha256(f"{PAYMENT_ID}|SUCCESS|MP150709.1341.A00073".encode()).hexdigest()
    assert notice.event_id == f"om:{digest}"
    assert notice.payment_id == PAYMENT_ID
    assert notice.status is None  # the services ask transactionstatus before acting
    assert notice.authoritative is False
    assert notice.shared_token == NOTIF_TOKEN
    assert notice.token_key == "notif_token"


def test_different_notifications_have_different_event_ids():
    [success] = parse(notification("SUCCESS"))
    [failed] = parse(notification("FAILED", txnid=""))

    assert success.event_id != failed.event_id


@pytest.mark.django_db
def test_a_replayed_notification_has_the_same_id_and_is_refused_by_the_event_ledger():
    [first] = parse(notification())
    [again] = parse(notification())
    ProviderEvent.objects.create(
        provider="orange_money", event_id=first.event_id, event_type=first.event_type,
        outcome="applied",
    )

    assert again.event_id == first.event_id
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderEvent.objects.create(
            provider="orange_money", event_id=again.event_id, outcome="applied"
        )


@pytest.mark.parametrize("query", [{}, {"payment": ""}, {"payment": "not-a-uuid"}])
def test_notification_without_a_payment_is_rejected(query):
    with pytest.raises(WebhookRejected) as caught:
        parse(notification(), query)

    assert caught.value.reason == "invalid_signature"


@pytest.mark.parametrize(
    "body", [b'{"status": "SUCCESS", "txnid": "MP1"}', b'{"status": "SUCCESS", "notif_token": ""}']
)
def test_notification_without_its_token_is_rejected(body):
    with pytest.raises(WebhookRejected) as caught:
        parse(body)

    assert caught.value.reason == "invalid_signature"


@pytest.mark.parametrize("body", [b"status=SUCCESS", b"[1, 2]", b"\xff"])
def test_unreadable_notification_is_malformed(body):
    with pytest.raises(WebhookRejected) as caught:
        parse(body)

    assert caught.value.reason == "malformed"


def test_notification_needs_the_credentials_that_confirm_it():
    with pytest.raises(ProviderError) as caught:
        adapter.parse_webhook(
            body=notification(), headers={}, query={"payment": PAYMENT_ID},
            credentials=Credentials({"merchant_key": MERCHANT_KEY}),
        )

    assert caught.value.code == "not_configured"


# -- refunds -------------------------------------------------------------------------------


def test_refund_is_unsupported(orange):
    request = RefundRequest(refund_id=str(uuid.uuid4()), payment=ref(), amount=15000)

    with pytest.raises(ProviderError) as caught:
        adapter.refund(request=request, credentials=creds())

    assert caught.value.code == "refund_unsupported"
    assert orange.requests == []


def test_adapter_declares_the_protocol_attributes():
    assert adapter.name == "orange_money"
    assert adapter.label == "Orange Money"
    assert adapter.currencies == frozenset({"XOF"})
    assert adapter.supports_refunds is False
    assert adapter.credential_fields == ("client_id", "client_secret", "merchant_key")
    assert adapter.webhook_credential_fields == ("client_id", "client_secret", "merchant_key")
