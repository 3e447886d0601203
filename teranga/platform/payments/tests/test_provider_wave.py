"""The Wave adapter against Wave's documented Checkout API shapes, mocked at the transport."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import httpx2
import pytest
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
from teranga.platform.payments.providers.wave import WaveProvider

API_KEY = "wave_sn_prod_test-key-abcdef"
SECRET = "wave_sn_WHS_test-secret"
PAYMENT_ID = "5b0f4a5e-3c1d-4e55-9d0b-1f3a2b4c5d6e"
SESSION_ID = "cos-18qq25rgr100a"
LAUNCH_URL = f"https://pay.wave.com/c/{SESSION_ID}"

adapter = WaveProvider()


def creds(**extra) -> Credentials:
    return Credentials({"api_key": API_KEY, "webhook_secret": SECRET, **extra})


def session(checkout_status="open", payment_status="processing", **extra) -> dict:
    """A checkout session object as documented."""
    return {
        "id": SESSION_ID,
        "amount": "15000",
        "checkout_status": checkout_status,
        "client_reference": PAYMENT_ID,
        "currency": "XOF",
        "error_url": "https://teranga.example/pay/cancel",
        "last_payment_error": None,
        "business_name": "Teranga Events",
        "payment_status": payment_status,
        "success_url": "https://teranga.example/pay/done",
        "transaction_id": None,
        "wave_launch_url": LAUNCH_URL,
        "when_completed": None,
        "when_created": "2026-03-02T10:00:00Z",
        "when_expires": "2026-03-03T10:00:00Z",
        **extra,
    }


class FakeWave:
    """Wave's side: answers per (method, path) from a queue; records every request."""

    def __init__(self):
        self.requests: list[httpx2.Request] = []
        self.routes: dict[tuple[str, str], list] = {}

    def on(self, method: str, path: str, *answers) -> None:
        self.routes[(method, path)] = list(answers)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return httpx2.Response(404, json={"code": "not-found", "message": "…"})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, type) and issubclass(answer, Exception):
            raise answer("simulated", request=request)
        status, body = answer
        if body is None:
            return httpx2.Response(status)
        return httpx2.Response(status, json=body)


@pytest.fixture
def wave():
    fake = FakeWave()
    with use_transport(httpx2.MockTransport(fake)):
        yield fake


def checkout_request(**overrides) -> CheckoutRequest:
    values = {
        "payment_id": PAYMENT_ID,
        "amount": 15000,
        "currency": "XOF",
        "description": "2 tickets — Gala",
        "return_url": "https://teranga.example/pay/done",
        "cancel_url": "https://teranga.example/pay/cancel",
        "webhook_url": "https://teranga.example/api/v1/payments/webhooks/wave/",
        "idempotency_key": "idem-123",
    }
    return CheckoutRequest(**{**values, **overrides})


def ref(**overrides) -> PaymentRef:
    values = {"payment_id": PAYMENT_ID, "reference": SESSION_ID, "amount": 15000,
              "currency": "XOF"}
    return PaymentRef(**{**values, **overrides})


# -- checkout ------------------------------------------------------------------------------


def test_checkout_posts_the_documented_session_request(wave):
    wave.on("POST", "/v1/checkout/sessions", (200, session()))

    checkout = adapter.create_checkout(request=checkout_request(), credentials=creds())

    assert checkout.reference == SESSION_ID
    assert checkout.redirect_url == LAUNCH_URL
    assert checkout.data == {"when_expires": "2026-03-03T10:00:00Z"}
    [sent] = wave.requests
    assert sent.method == "POST"
    assert str(sent.url) == "https://api.wave.com/v1/checkout/sessions"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["idempotency-key"] == "idem-123"
    assert json.loads(sent.content) == {
        "amount": "15000",  # XOF francs as a string, never multiplied by 100
        "currency": "XOF",
        "success_url": "https://teranga.example/pay/done",
        "error_url": "https://teranga.example/pay/cancel",
        "client_reference": PAYMENT_ID,
    }


def test_checkout_without_a_key_uses_the_payment_id_and_the_configured_api_url(wave):
    wave.on("POST", "/v1/checkout/sessions", (200, session()))

    adapter.create_checkout(
        request=checkout_request(idempotency_key=""),
        credentials=creds(api_url="https://wave.test.local"),
    )

    [sent] = wave.requests
    assert str(sent.url) == "https://wave.test.local/v1/checkout/sessions"
    assert sent.headers["idempotency-key"] == f"teranga-checkout-{PAYMENT_ID}"


def test_checkout_is_retried_under_its_idempotency_key_after_a_5xx(wave):
    wave.on("POST", "/v1/checkout/sessions", (503, None), (200, session()))

    checkout = adapter.create_checkout(request=checkout_request(), credentials=creds())

    assert checkout.reference == SESSION_ID
    assert [r.headers["idempotency-key"] for r in wave.requests] == ["idem-123", "idem-123"]


def test_checkout_refusal_carries_waves_error_code_but_no_secret(wave):
    wave.on(
        "POST",
        "/v1/checkout/sessions",
        (400, {"code": "request-validation-error", "message": "amount: invalid"}),
    )

    with pytest.raises(ProviderError) as caught:
        adapter.create_checkout(request=checkout_request(), credentials=creds())

    assert caught.value.code == "request_validation_error"
    assert caught.value.retryable is False
    assert API_KEY not in str(caught.value)
    assert len(wave.requests) == 1  # a refusal is not retried


def test_checkout_needs_the_api_key_and_xof(wave):
    with pytest.raises(ProviderError) as missing:
        adapter.create_checkout(
            request=checkout_request(), credentials=Credentials({"webhook_secret": SECRET})
        )
    with pytest.raises(ProviderError) as currency:
        adapter.create_checkout(request=checkout_request(currency="EUR"), credentials=creds())

    assert missing.value.code == "not_configured"
    assert currency.value.code == "unsupported_currency"
    assert wave.requests == []


def test_checkout_answer_without_a_launch_url_is_an_error(wave):
    wave.on("POST", "/v1/checkout/sessions", (200, {"id": SESSION_ID}))

    with pytest.raises(ProviderError) as caught:
        adapter.create_checkout(request=checkout_request(), credentials=creds())

    assert caught.value.code == "malformed_response"


# -- status --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("checkout_status", "payment_status", "expected"),
    [
        ("open", "processing", "pending"),
        ("complete", "processing", "pending"),
        ("complete", "succeeded", "succeeded"),
        ("expired", "cancelled", "expired"),
        ("expired", "processing", "expired"),
        ("complete", "cancelled", "cancelled"),
        ("open", "cancelled", "cancelled"),
    ],
)
def test_status_maps_every_documented_session_state(
    wave, checkout_status, payment_status, expected
):
    wave.on("GET", f"/v1/checkout/sessions/{SESSION_ID}", (200, session(checkout_status,
                                                                         payment_status)))

    status = adapter.fetch_status(payment=ref(), credentials=creds())

    assert status.status == expected
    assert (status.reference, status.amount, status.currency) == (SESSION_ID, 15000, "XOF")
    [sent] = wave.requests
    assert sent.method == "GET"
    assert str(sent.url) == f"https://api.wave.com/v1/checkout/sessions/{SESSION_ID}"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"


def test_status_reports_the_last_payment_error_of_an_open_session(wave):
    failed_attempt = session(
        last_payment_error={"code": "insufficient-funds", "message": "Solde insuffisant"}
    )
    wave.on("GET", f"/v1/checkout/sessions/{SESSION_ID}", (200, failed_attempt))

    status = adapter.fetch_status(payment=ref(), credentials=creds())

    assert (status.status, status.detail) == ("pending", "insufficient-funds")


def test_status_get_is_retried_after_a_503(wave):
    path = f"/v1/checkout/sessions/{SESSION_ID}"
    wave.on("GET", path, (503, None), (200, session("complete", "succeeded")))

    status = adapter.fetch_status(payment=ref(), credentials=creds())

    assert status.status == "succeeded"
    assert len(wave.requests) == 2


def test_status_gives_up_after_the_bounded_retries_on_5xx(wave, settings):
    settings.PAYMENTS_HTTP_RETRIES = 2
    wave.on("GET", f"/v1/checkout/sessions/{SESSION_ID}", (503, None))

    with pytest.raises(ProviderError) as caught:
        adapter.fetch_status(payment=ref(), credentials=creds())

    assert (caught.value.code, caught.value.retryable) == ("http_503", True)
    assert len(wave.requests) == 3


def test_status_timeout_raises_a_retryable_error_after_the_bounded_retries(wave, settings):
    settings.PAYMENTS_HTTP_RETRIES = 2
    wave.on("GET", f"/v1/checkout/sessions/{SESSION_ID}", httpx2.ReadTimeout)

    with pytest.raises(ProviderError) as caught:
        adapter.fetch_status(payment=ref(), credentials=creds())

    assert (caught.value.code, caught.value.retryable) == ("unreachable", True)
    assert len(wave.requests) == 3


def test_status_of_an_unknown_session_is_not_retried(wave):
    wave.on(
        "GET",
        f"/v1/checkout/sessions/{SESSION_ID}",
        (404, {"code": "checkout-session-not-found", "message": "…"}),
    )

    with pytest.raises(ProviderError) as caught:
        adapter.fetch_status(payment=ref(), credentials=creds())

    assert (caught.value.code, caught.value.retryable) == ("checkout_session_not_found", False)
    assert len(wave.requests) == 1


# -- webhooks ------------------------------------------------------------------------------


def event(event_type="checkout.session.completed", **data) -> bytes:
    payload = {
        "id": "AE_ijzo7oGgrlM8",
        "type": event_type,
        "data": {**session("complete", "succeeded", transaction_id="TCN4Y4ZC3FM"), **data},
    }
    return json.dumps(payload).encode()


def signature(body: bytes, *, timestamp: int | None = None, secret: str = SECRET) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), str(timestamp).encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def parse(body: bytes, header: str | None, credentials: Credentials | None = None):
    headers = {} if header is None else {"wave-signature": header}
    return adapter.parse_webhook(
        body=body, headers=headers, query={}, credentials=credentials or creds()
    )


def test_completed_event_with_a_good_signature():
    body = event()

    [notice] = parse(body, signature(body))

    assert notice.event_id == "AE_ijzo7oGgrlM8"
    assert notice.event_type == "checkout.session.completed"
    assert notice.payment_id == PAYMENT_ID
    assert notice.reference == SESSION_ID
    assert notice.status == "succeeded"
    assert notice.authoritative is True
    assert (notice.amount, notice.currency) == (15000, "XOF")


def test_payment_failed_event_is_a_failure():
    body = event(
        "checkout.session.payment_failed",
        checkout_status="open",
        payment_status="processing",
        last_payment_error={"code": "insufficient-funds", "message": "Solde insuffisant"},
    )

    [notice] = parse(body, signature(body))

    assert (notice.status, notice.payment_id) == ("failed", PAYMENT_ID)


def test_any_of_several_signatures_may_match_while_a_secret_rotates():
    body = event()
    timestamp = int(time.time())
    good = signature(body, timestamp=timestamp).split("v1=")[1]
    old = signature(body, timestamp=timestamp, secret="previous-secret").split("v1=")[1]

    [notice] = parse(body, f"t={timestamp},v1={old},v1={good}")

    assert notice.status == "succeeded"


def test_bad_signature_is_rejected():
    body = event()

    with pytest.raises(WebhookRejected) as caught:
        parse(body, signature(body, secret="not-the-secret"))

    assert caught.value.reason == "invalid_signature"


def test_body_changed_after_signing_is_rejected():
    body = event()
    header = signature(body)
    tampered = body.replace(b'"succeeded"', b'"cancelled"', 1)

    with pytest.raises(WebhookRejected) as caught:
        parse(tampered, header)

    assert caught.value.reason == "invalid_signature"


def test_signature_is_over_timestamp_then_body_without_separator():
    body = event()
    timestamp = int(time.time())
    dotted = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)

    with pytest.raises(WebhookRejected) as caught:
        parse(body, f"t={timestamp},v1={dotted.hexdigest()}")

    assert caught.value.reason == "invalid_signature"


@pytest.mark.parametrize("header", [None, "", "v1=abc", "t=1700000000", "t=soon,v1=abc"])
def test_missing_or_malformed_header_is_rejected(header):
    with pytest.raises(WebhookRejected) as caught:
        parse(event(), header)

    assert caught.value.reason == "invalid_signature"


def test_signature_older_than_five_minutes_is_stale():
    body = event()

    with pytest.raises(WebhookRejected) as caught:
        parse(body, signature(body, timestamp=int(time.time()) - 301))

    assert caught.value.reason == "stale_timestamp"


def test_a_signature_just_inside_the_window_is_accepted():
    body = event()

    [notice] = parse(body, signature(body, timestamp=int(time.time()) - 290))

    assert notice.status == "succeeded"


@pytest.mark.django_db
def test_a_replayed_event_has_the_same_id_and_is_refused_by_the_event_ledger():
    body = event()
    header = signature(body)
    [first] = parse(body, header)
    [again] = parse(body, header)
    ProviderEvent.objects.create(
        provider="wave", event_id=first.event_id, event_type=first.event_type, outcome="applied"
    )

    assert again.event_id == first.event_id
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderEvent.objects.create(
            provider="wave", event_id=again.event_id, event_type=again.event_type,
            outcome="applied",
        )
    assert ProviderEvent.objects.filter(provider="wave").count() == 1


def test_events_about_other_wave_products_are_ignored():
    body = json.dumps(
        {"id": "AE_merchant1", "type": "merchant.payment_received",
         "data": {"id": "T_1", "amount": "500", "currency": "XOF"}}
    ).encode()

    assert parse(body, signature(body)) == []


def test_signed_but_malformed_event_is_rejected():
    body = b'{"id": "AE_1", "type": "checkout.session.completed"}'

    with pytest.raises(WebhookRejected) as caught:
        parse(body, signature(body))

    assert caught.value.reason == "malformed"


def test_webhook_needs_the_secret():
    body = event()

    with pytest.raises(ProviderError) as caught:
        parse(body, signature(body), credentials=Credentials({"api_key": API_KEY}))

    assert caught.value.code == "not_configured"


# -- refunds -------------------------------------------------------------------------------


def refund_request(amount=15000) -> RefundRequest:
    return RefundRequest(refund_id=str(uuid.UUID(int=7)), payment=ref(), amount=amount)


def test_full_refund_posts_to_the_session_refund_endpoint(wave):
    wave.on("POST", f"/v1/checkout/sessions/{SESSION_ID}/refund", (200, None))

    outcome = adapter.refund(request=refund_request(), credentials=creds())

    assert (outcome.status, outcome.reference) == ("succeeded", SESSION_ID)
    [sent] = wave.requests
    assert str(sent.url) == f"https://api.wave.com/v1/checkout/sessions/{SESSION_ID}/refund"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["idempotency-key"] == f"teranga-refund-{uuid.UUID(int=7)}"
    assert sent.content == b""


def test_partial_refund_is_refused_before_any_call(wave):
    with pytest.raises(ProviderError) as caught:
        adapter.refund(request=refund_request(amount=5000), credentials=creds())

    assert caught.value.code == "partial_refund_unsupported"
    assert wave.requests == []


def test_refund_refused_by_wave_carries_its_code(wave):
    wave.on(
        "POST",
        f"/v1/checkout/sessions/{SESSION_ID}/refund",
        (400, {"code": "checkout-refund-failed", "message": "not refundable"}),
    )

    with pytest.raises(ProviderError) as caught:
        adapter.refund(request=refund_request(), credentials=creds())

    assert (caught.value.code, caught.value.retryable) == ("checkout_refund_failed", False)


def test_adapter_declares_the_protocol_attributes():
    assert adapter.name == "wave"
    assert adapter.label == "Wave"
    assert adapter.currencies == frozenset({"XOF"})
    assert adapter.supports_refunds is True
    assert adapter.credential_fields == ("api_key", "webhook_secret")
    assert adapter.webhook_credential_fields == ("webhook_secret",)
