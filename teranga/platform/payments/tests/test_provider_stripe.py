"""The Stripe adapter against Stripe's documented HTTP shapes, mocked at the transport
(the SDK uses ``requests``: ``responses`` answers for api.stripe.com)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qsl

import pytest
import requests
import responses
import stripe as stripe_sdk

from teranga.platform.payments.providers.base import (
    CheckoutRequest,
    Credentials,
    PaymentRef,
    ProviderError,
    RefundRequest,
    WebhookRejected,
)
from teranga.platform.payments.providers.stripe import StripeProvider

API = "https://api.stripe.com/v1"
SECRET_KEY = "sk_test_51TerangaNeverShowThisKey"
WEBHOOK_SECRET = "whsec_teranga_test_secret"
PAYMENT_ID = "0b7c1f7e-3a4d-4f6b-9a57-5d0f2f6f9e11"
REFUND_ID = "5e0c2d4a-8f7b-4c3e-9d21-1a2b3c4d5e6f"
PI_ID = "pi_3MtwBwLkdIwHu7ix28a3tqPa"

adapter = StripeProvider()
creds = Credentials({"secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET})


@pytest.fixture(autouse=True)
def _bounded_retries(settings):
    settings.PAYMENTS_HTTP_RETRIES = 2
    settings.PAYMENTS_HTTP_TIMEOUT = 10.0


@pytest.fixture
def mocked():
    with responses.RequestsMock() as rsps:
        yield rsps


@pytest.fixture
def no_sleep(monkeypatch):
    """Stripe's SDK sleeps at least 0.5 s between retries: record instead of waiting."""
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    return sleeps


def payment_intent(**overrides) -> dict:
    """A PaymentIntent as Stripe documents it (API reference, "The PaymentIntent object")."""
    body = {
        "id": PI_ID,
        "object": "payment_intent",
        "amount": 15000,
        "amount_capturable": 0,
        "amount_received": 0,
        "automatic_payment_methods": {"enabled": True},
        "capture_method": "automatic",
        "client_secret": f"{PI_ID}_secret_YrKJUKribcBjcG8HVhfZluoGH",
        "confirmation_method": "automatic",
        "created": 1680800504,
        "currency": "xof",
        "description": "Billet concert Dakar",
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": {"payment_id": PAYMENT_ID},
        "next_action": None,
        "payment_method": None,
        "payment_method_types": ["card"],
        "receipt_email": None,
        "status": "requires_payment_method",
    }
    body.update(overrides)
    return body


def stripe_refund(**overrides) -> dict:
    """A Refund as Stripe documents it ("The Refund object")."""
    body = {
        "id": "re_1Nispe2eZvKYlo2Cd31jOCgZ",
        "object": "refund",
        "amount": 5000,
        "balance_transaction": "txn_1Nispe2eZvKYlo2CYezqFhEx",
        "charge": "ch_1NirD82eZvKYlo2CIvbtLWuY",
        "created": 1692942318,
        "currency": "xof",
        "metadata": {"refund_id": REFUND_ID, "payment_id": PAYMENT_ID},
        "payment_intent": PI_ID,
        "reason": None,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    body.update(overrides)
    return body


def event(event_type: str, obj: dict, *, event_id: str = "evt_1NG8Du2eZvKYlo2CUI79vXWy") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2024-06-20",
            "created": 1686089970,
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
    ).encode()


def signature(body: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """``Stripe-Signature`` as Stripe documents it: HMAC-SHA256 of ``"<t>.<payload>"``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def parse(body: bytes, header: str | None = None):
    headers = {} if header is None else {"stripe-signature": header}
    return adapter.parse_webhook(body=body, headers=headers, query={}, credentials=creds)


def checkout_request(**overrides) -> CheckoutRequest:
    values = {
        "payment_id": PAYMENT_ID,
        "amount": 15000,
        "currency": "XOF",
        "description": "Billet concert Dakar",
        "return_url": "https://teranga.example/pay/done",
        "cancel_url": "https://teranga.example/pay/cancel",
        "webhook_url": "https://teranga.example/api/v1/payments/webhooks/stripe/",
        "idempotency_key": "checkout-key-1",
    }
    values.update(overrides)
    return CheckoutRequest(**values)


def payment_ref() -> PaymentRef:
    return PaymentRef(payment_id=PAYMENT_ID, reference=PI_ID, amount=15000, currency="XOF")


def form(call) -> dict[str, str]:
    return dict(parse_qsl(call.request.body))


# -- checkout -------------------------------------------------------------------------


def test_checkout_creates_a_payment_intent_with_xof_amount_as_is(mocked):
    mocked.post(f"{API}/payment_intents", json=payment_intent())

    checkout = adapter.create_checkout(request=checkout_request(), credentials=creds)

    assert checkout.reference == PI_ID
    assert checkout.client_secret == f"{PI_ID}_secret_YrKJUKribcBjcG8HVhfZluoGH"
    assert checkout.redirect_url == ""
    (call,) = mocked.calls
    assert call.request.method == "POST"
    assert call.request.url == f"{API}/payment_intents"
    assert form(call) == {
        "amount": "15000",  # XOF is zero-decimal at Stripe: never multiplied
        "currency": "xof",
        "automatic_payment_methods[enabled]": "true",
        "metadata[payment_id]": PAYMENT_ID,
        "description": "Billet concert Dakar",
    }
    assert call.request.headers["Idempotency-Key"] == "checkout-key-1"
    assert call.request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_checkout_in_eur_sends_cents_receipt_email_and_defaults_the_key_to_the_payment(mocked):
    mocked.post(f"{API}/payment_intents", json=payment_intent(amount=1250, currency="eur"))

    adapter.create_checkout(
        request=checkout_request(
            amount=1250, currency="EUR", payer_email="awa@example.sn", idempotency_key=""
        ),
        credentials=creds,
    )

    (call,) = mocked.calls
    body = form(call)
    assert body["amount"] == "1250"
    assert body["currency"] == "eur"
    assert body["receipt_email"] == "awa@example.sn"
    assert call.request.headers["Idempotency-Key"] == PAYMENT_ID


def test_checkout_refuses_an_unsupported_currency_without_calling_stripe(mocked):
    with pytest.raises(ProviderError) as exc:
        adapter.create_checkout(request=checkout_request(currency="USD"), credentials=creds)
    assert exc.value.code == "unsupported_currency"
    assert len(mocked.calls) == 0


def test_missing_credentials_are_refused_before_any_call(mocked):
    with pytest.raises(ProviderError) as exc:
        adapter.create_checkout(request=checkout_request(), credentials=Credentials({}))
    assert exc.value.code == "not_configured"
    assert "secret_key" in str(exc.value)
    assert len(mocked.calls) == 0


def test_a_card_error_becomes_a_provider_error_with_stripe_code(mocked):
    mocked.post(
        f"{API}/payment_intents",
        status=400,
        json={
            "error": {
                "code": "parameter_invalid_integer",
                "message": "Invalid integer: abc",
                "param": "amount",
                "type": "invalid_request_error",
            }
        },
    )
    with pytest.raises(ProviderError) as exc:
        adapter.create_checkout(request=checkout_request(), credentials=creds)
    assert exc.value.code == "parameter_invalid_integer"
    assert exc.value.retryable is False


# -- status ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stripe_status", "last_error", "expected"),
    [
        ("succeeded", None, "succeeded"),
        ("canceled", None, "cancelled"),
        ("processing", None, "pending"),
        ("requires_action", None, "pending"),
        ("requires_confirmation", None, "pending"),
        ("requires_capture", None, "pending"),
        ("requires_payment_method", None, "pending"),
        (
            "requires_payment_method",
            {
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds.",
                "type": "card_error",
            },
            "failed",
        ),
    ],
)
def test_fetch_status_maps_every_payment_intent_status(mocked, stripe_status, last_error, expected):
    mocked.get(
        f"{API}/payment_intents/{PI_ID}",
        json=payment_intent(status=stripe_status, last_payment_error=last_error),
    )

    status = adapter.fetch_status(payment=payment_ref(), credentials=creds)

    assert status.status == expected
    assert status.reference == PI_ID
    assert status.amount == 15000
    assert status.currency == "XOF"
    (call,) = mocked.calls
    assert call.request.method == "GET"
    assert call.request.headers["Authorization"] == f"Bearer {SECRET_KEY}"


def test_fetch_status_of_an_unknown_intent_is_a_provider_error(mocked):
    mocked.get(
        f"{API}/payment_intents/{PI_ID}",
        status=404,
        json={
            "error": {
                "code": "resource_missing",
                "message": f"No such payment_intent: '{PI_ID}'",
                "param": "intent",
                "type": "invalid_request_error",
            }
        },
    )
    with pytest.raises(ProviderError) as exc:
        adapter.fetch_status(payment=payment_ref(), credentials=creds)
    assert exc.value.code == "resource_missing"
    assert exc.value.retryable is False


# -- webhooks -------------------------------------------------------------------------


def test_a_correctly_signed_succeeded_event_gives_a_success_notice():
    body = event("payment_intent.succeeded", payment_intent(status="succeeded"))

    (notice,) = parse(body, signature(body))

    assert notice.event_id == "evt_1NG8Du2eZvKYlo2CUI79vXWy"
    assert notice.event_type == "payment_intent.succeeded"
    assert notice.payment_id == PAYMENT_ID
    assert notice.reference == PI_ID
    assert notice.status == "succeeded"
    assert notice.authoritative is True
    assert notice.amount == 15000
    assert notice.currency == "XOF"
    assert notice.refund_reference is None


@pytest.mark.parametrize(
    ("event_type", "expected"),
    [
        ("payment_intent.payment_failed", "failed"),
        ("payment_intent.canceled", "cancelled"),
        ("payment_intent.processing", "pending"),
        ("payment_intent.created", None),  # no payment state: stored and ignored
    ],
)
def test_payment_intent_events_map_to_our_statuses(event_type, expected):
    body = event(event_type, payment_intent())
    (notice,) = parse(body, signature(body))
    assert notice.status == expected
    assert notice.reference == PI_ID
    assert notice.payment_id == PAYMENT_ID


def test_an_unrelated_event_type_is_a_notice_without_status():
    body = event(
        "customer.created",
        {"id": "cus_NffrFeUfNV2Hib", "object": "customer", "metadata": {}},
        event_id="evt_other",
    )
    (notice,) = parse(body, signature(body))
    assert notice.event_id == "evt_other"
    assert notice.event_type == "customer.created"
    assert notice.status is None
    assert notice.payment_id is None


@pytest.mark.parametrize(
    ("event_type", "refund_status", "expected"),
    [
        ("refund.created", "pending", "pending"),
        ("refund.updated", "succeeded", "succeeded"),
        ("refund.failed", "failed", "failed"),
        ("charge.refund.updated", "canceled", "failed"),
        ("refund.updated", "requires_action", "pending"),
    ],
)
def test_refund_events_give_refund_notices(event_type, refund_status, expected):
    body = event(event_type, stripe_refund(status=refund_status))

    (notice,) = parse(body, signature(body))

    assert notice.refund_reference == "re_1Nispe2eZvKYlo2Cd31jOCgZ"
    assert notice.refund_id == REFUND_ID
    assert notice.refund_status == expected
    assert notice.reference == PI_ID
    assert notice.payment_id == PAYMENT_ID
    assert notice.status is None


def test_charge_refunded_with_its_refunds_reports_the_newest_refund():
    charge = {
        "id": "ch_1NirD82eZvKYlo2CIvbtLWuY",
        "object": "charge",
        "amount": 15000,
        "amount_refunded": 5000,
        "currency": "xof",
        "metadata": {"payment_id": PAYMENT_ID},
        "payment_intent": PI_ID,
        "refunded": False,
        "refunds": {
            "object": "list",
            "data": [stripe_refund(metadata={"refund_id": REFUND_ID})],
            "has_more": False,
            "url": "/v1/charges/ch_1NirD82eZvKYlo2CIvbtLWuY/refunds",
        },
        "status": "succeeded",
    }
    body = event("charge.refunded", charge)

    (notice,) = parse(body, signature(body))

    assert notice.refund_reference == "re_1Nispe2eZvKYlo2Cd31jOCgZ"
    assert notice.refund_id == REFUND_ID
    assert notice.refund_status == "succeeded"
    assert notice.reference == PI_ID
    assert notice.payment_id == PAYMENT_ID


def test_a_bad_signature_is_rejected():
    body = event("payment_intent.succeeded", payment_intent(status="succeeded"))
    with pytest.raises(WebhookRejected) as exc:
        parse(body, signature(body, secret="whsec_someone_else"))
    assert exc.value.reason == "invalid_signature"


def test_a_tampered_body_is_rejected():
    body = event("payment_intent.succeeded", payment_intent(status="succeeded"))
    header = signature(body)
    tampered = body.replace(b'"amount": 15000', b'"amount": 1')
    assert tampered != body
    with pytest.raises(WebhookRejected) as exc:
        parse(tampered, header)
    assert exc.value.reason == "invalid_signature"


@pytest.mark.parametrize("header", [None, "", "t=abc", "v1=deadbeef", "t=1686089970"])
def test_a_missing_or_garbled_signature_header_is_rejected(header):
    body = event("payment_intent.succeeded", payment_intent(status="succeeded"))
    with pytest.raises(WebhookRejected) as exc:
        parse(body, header)
    assert exc.value.reason == "invalid_signature"


def test_a_replayed_event_parses_to_the_same_event_id():
    body = event("payment_intent.succeeded", payment_intent(status="succeeded"))
    header = signature(body)
    first = parse(body, header)
    again = parse(body, header)
    assert first[0].event_id == again[0].event_id == "evt_1NG8Du2eZvKYlo2CUI79vXWy"


def test_a_correctly_signed_but_old_event_is_stale():
    body = event("payment_intent.succeeded", payment_intent(status="succeeded"))
    old = int(time.time()) - 301
    with pytest.raises(WebhookRejected) as exc:
        parse(body, signature(body, timestamp=old))
    assert exc.value.reason == "stale_timestamp"


def test_an_old_event_with_a_bad_signature_is_an_invalid_signature_not_stale():
    body = event("payment_intent.succeeded", payment_intent(status="succeeded"))
    old = int(time.time()) - 3600
    with pytest.raises(WebhookRejected) as exc:
        parse(body, signature(body, secret="whsec_forged", timestamp=old))
    assert exc.value.reason == "invalid_signature"


def test_an_event_within_tolerance_is_accepted():
    body = event("payment_intent.succeeded", payment_intent(status="succeeded"))
    (notice,) = parse(body, signature(body, timestamp=int(time.time()) - 250))
    assert notice.status == "succeeded"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2, 3]", b'"just a string"'])
def test_a_correctly_signed_malformed_body_is_rejected(body):
    with pytest.raises(WebhookRejected) as exc:
        parse(body, signature(body))
    assert exc.value.reason == "malformed"


def test_webhooks_need_the_webhook_secret_only():
    body = event("payment_intent.succeeded", payment_intent(status="succeeded"))
    only_webhook = Credentials({"webhook_secret": WEBHOOK_SECRET})
    (notice,) = adapter.parse_webhook(
        body=body, headers={"stripe-signature": signature(body)}, query={},
        credentials=only_webhook,
    )
    assert notice.status == "succeeded"
    with pytest.raises(ProviderError) as exc:
        adapter.parse_webhook(
            body=body, headers={"stripe-signature": signature(body)}, query={},
            credentials=Credentials({"secret_key": SECRET_KEY}),
        )
    assert exc.value.code == "not_configured"


# -- refunds --------------------------------------------------------------------------


def refund_request(amount: int = 5000) -> RefundRequest:
    return RefundRequest(
        refund_id=REFUND_ID, payment=payment_ref(), amount=amount, reason="Annulation"
    )


@pytest.mark.parametrize(
    ("stripe_status", "expected"),
    [
        ("succeeded", "succeeded"),
        ("pending", "pending"),
        ("requires_action", "pending"),
        ("failed", "failed"),
        ("canceled", "failed"),
    ],
)
def test_refund_creates_a_stripe_refund(mocked, stripe_status, expected):
    mocked.post(f"{API}/refunds", json=stripe_refund(status=stripe_status))

    outcome = adapter.refund(request=refund_request(), credentials=creds)

    assert outcome.status == expected
    assert outcome.reference == "re_1Nispe2eZvKYlo2Cd31jOCgZ"
    (call,) = mocked.calls
    assert call.request.url == f"{API}/refunds"
    assert form(call) == {
        "payment_intent": PI_ID,
        "amount": "5000",
        "metadata[refund_id]": REFUND_ID,
        "metadata[payment_id]": PAYMENT_ID,
    }
    assert call.request.headers["Idempotency-Key"] == REFUND_ID
    assert call.request.headers["Authorization"] == f"Bearer {SECRET_KEY}"


def test_a_refused_refund_is_a_provider_error_with_stripe_code(mocked):
    mocked.post(
        f"{API}/refunds",
        status=400,
        json={
            "error": {
                "code": "charge_already_refunded",
                "message": "Charge ch_1NirD82eZvKYlo2CIvbtLWuY has already been refunded.",
                "type": "invalid_request_error",
            }
        },
    )
    with pytest.raises(ProviderError) as exc:
        adapter.refund(request=refund_request(), credentials=creds)
    assert exc.value.code == "charge_already_refunded"
    assert exc.value.retryable is False
    assert len(mocked.calls) == 1  # a 400 is not retried


def test_an_authentication_error_never_shows_the_key(mocked):
    mocked.post(
        f"{API}/refunds",
        status=401,
        json={
            "error": {
                "message": "Invalid API Key provided: sk_test_****************Key",
                "type": "invalid_request_error",
            }
        },
    )
    with pytest.raises(ProviderError) as exc:
        adapter.refund(request=refund_request(), credentials=creds)
    assert exc.value.code == "authentication_failed"
    assert exc.value.retryable is False
    assert "sk_test" not in str(exc.value)
    assert SECRET_KEY not in repr(exc.value.args)


def test_a_connection_error_is_retried_a_bounded_number_of_times(mocked, no_sleep):
    mocked.post(f"{API}/refunds", body=requests.exceptions.ConnectionError("connection refused"))

    with pytest.raises(ProviderError) as exc:
        adapter.refund(request=refund_request(), credentials=creds)

    assert exc.value.retryable is True
    assert exc.value.code == "unreachable"
    assert len(mocked.calls) == 3  # the first try and PAYMENTS_HTTP_RETRIES = 2 retries
    assert len(no_sleep) == 2
    # every retry carries the same idempotency key: Stripe refunds once
    assert {call.request.headers["Idempotency-Key"] for call in mocked.calls} == {REFUND_ID}
    assert SECRET_KEY not in str(exc.value)


def test_a_stripe_outage_is_retried_then_retryable(mocked, no_sleep, settings):
    settings.PAYMENTS_HTTP_RETRIES = 1
    mocked.get(
        f"{API}/payment_intents/{PI_ID}",
        status=500,
        json={"error": {"message": "An unknown error occurred", "type": "api_error"}},
    )
    with pytest.raises(ProviderError) as exc:
        adapter.fetch_status(payment=payment_ref(), credentials=creds)
    assert exc.value.retryable is True
    assert len(mocked.calls) == 2


def test_a_retry_that_succeeds_returns_the_result(mocked, no_sleep):
    mocked.get(f"{API}/payment_intents/{PI_ID}", body=requests.exceptions.ConnectTimeout())
    mocked.get(f"{API}/payment_intents/{PI_ID}", json=payment_intent(status="succeeded"))

    status = adapter.fetch_status(payment=payment_ref(), credentials=creds)

    assert status.status == "succeeded"
    assert len(mocked.calls) == 2


def test_the_global_stripe_api_key_is_never_set(mocked):
    mocked.post(f"{API}/payment_intents", json=payment_intent())
    adapter.create_checkout(request=checkout_request(), credentials=creds)
    assert stripe_sdk.api_key is None
