"""The PayPal adapter against PayPal's documented JSON shapes (Orders v2, Payments v2,
OAuth 2, Webhooks v1), mocked at the transport: ``responses`` for the SDK's ``requests``
calls, ``httpx2.MockTransport`` for the webhook verification we make ourselves."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx2
import pytest
import requests
import responses

from teranga.core.http import use_transport
from teranga.platform.payments.providers import paypal as paypal_module
from teranga.platform.payments.providers.base import (
    CheckoutRequest,
    Credentials,
    PaymentRef,
    ProviderError,
    RefundRequest,
    WebhookRejected,
)
from teranga.platform.payments.providers.paypal import PayPalProvider

BASE = "https://api-m.sandbox.paypal.com"
CLIENT_ID = "AeTerangaSandboxClientId"
CLIENT_SECRET = "EKTerangaSandboxSecretNeverShown"
WEBHOOK_ID = "1JE4291016473214C"
ACCESS_TOKEN = "A21AAFEpH4PsADK7qSS7pSRsgzfENtu-Q1ysgEDVDESseMHBYXVJYE8ovjj68elIDy8nF26Aw"
PAYMENT_ID = "0b7c1f7e-3a4d-4f6b-9a57-5d0f2f6f9e11"
REFUND_ID = "5e0c2d4a-8f7b-4c3e-9d21-1a2b3c4d5e6f"
ORDER_ID = "5O190127TN364715T"
CAPTURE_ID = "3C679366HH908993F"

adapter = PayPalProvider()
creds = Credentials(
    {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "webhook_id": WEBHOOK_ID,
        "environment": "sandbox",
    }
)


@pytest.fixture(autouse=True)
def _fresh_tokens(settings):
    settings.PAYMENTS_HTTP_RETRIES = 2
    settings.PAYMENTS_HTTP_BACKOFF = 0.0
    paypal_module.forget_tokens()
    yield
    paypal_module.forget_tokens()


@pytest.fixture
def mocked():
    with responses.RequestsMock() as rsps:
        yield rsps


def token_response() -> dict:
    """POST /v1/oauth2/token, as PayPal documents it."""
    return {
        "scope": "https://uri.paypal.com/services/payments/refund openid",
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "app_id": "APP-80W284485P519543T",
        "expires_in": 31668,
        "nonce": "2020-04-03T15:35:36ZaYZlGvEkV4yVSz8g6bAKFoGSEzuy3CQcz3ljhibkOHg",
    }


def with_token(mocked) -> None:
    mocked.post(f"{BASE}/v1/oauth2/token", json=token_response())


def purchase_unit(**extra) -> dict:
    unit = {
        "reference_id": PAYMENT_ID,
        "amount": {"currency_code": "EUR", "value": "12.50"},
        "payee": {"email_address": "merchant@example.com", "merchant_id": "7KNGBPH2U58GQ"},
        "description": "Billet concert Paris",
        "custom_id": PAYMENT_ID,
        "invoice_id": PAYMENT_ID,
    }
    unit.update(extra)
    return unit


def capture(status: str = "COMPLETED") -> dict:
    return {
        "id": CAPTURE_ID,
        "status": status,
        "amount": {"currency_code": "EUR", "value": "12.50"},
        "final_capture": True,
        "seller_protection": {"status": "ELIGIBLE"},
        "custom_id": PAYMENT_ID,
        "invoice_id": PAYMENT_ID,
        "create_time": "2026-03-01T10:00:00Z",
        "update_time": "2026-03-01T10:00:00Z",
    }


def order(status: str, *, capture_status: str | None = None) -> dict:
    """GET /v2/checkout/orders/{id} (and the capture answer) as PayPal documents it."""
    unit = purchase_unit()
    if capture_status:
        unit["payments"] = {"captures": [capture(capture_status)]}
    return {
        "id": ORDER_ID,
        "intent": "CAPTURE",
        "status": status,
        "payment_source": {
            "paypal": {"email_address": "payer@example.fr", "account_id": "QYR5Z8XDVJNXQ"}
        },
        "purchase_units": [unit],
        "create_time": "2026-03-01T09:58:00Z",
        "links": [
            {"href": f"{BASE}/v2/checkout/orders/{ORDER_ID}", "rel": "self", "method": "GET"}
        ],
    }


def paypal_error(name: str, issue: str, message: str = "") -> dict:
    return {
        "name": name,
        "details": [{"issue": issue, "description": message or issue}],
        "message": message or "The requested action could not be performed.",
        "debug_id": "f7ad8fc36b2d9",
        "links": [],
    }


def sent_json(call) -> dict:
    return json.loads(call.request.body)


def basic_auth() -> str:
    return "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


# -- checkout -------------------------------------------------------------------------


def checkout_request(**overrides) -> CheckoutRequest:
    values = {
        "payment_id": PAYMENT_ID,
        "amount": 1250,
        "currency": "EUR",
        "description": "Billet concert Paris",
        "return_url": "https://teranga.example/pay/done",
        "cancel_url": "https://teranga.example/pay/cancel",
        "webhook_url": "https://teranga.example/api/v1/payments/webhooks/paypal/",
        "idempotency_key": "checkout-key-1",
    }
    values.update(overrides)
    return CheckoutRequest(**values)


def test_checkout_creates_a_capture_order_and_returns_the_payer_action_link(mocked):
    with_token(mocked)
    mocked.post(
        f"{BASE}/v2/checkout/orders",
        status=200,
        json={
            "id": ORDER_ID,
            "status": "PAYER_ACTION_REQUIRED",
            "payment_source": {"paypal": {}},
            "links": [
                {"href": f"{BASE}/v2/checkout/orders/{ORDER_ID}", "rel": "self", "method": "GET"},
                {
                    "href": f"https://www.sandbox.paypal.com/checkoutnow?token={ORDER_ID}",
                    "rel": "payer-action",
                    "method": "GET",
                },
            ],
        },
    )

    checkout = adapter.create_checkout(request=checkout_request(), credentials=creds)

    assert checkout.reference == ORDER_ID
    assert checkout.redirect_url == f"https://www.sandbox.paypal.com/checkoutnow?token={ORDER_ID}"
    token_call, order_call = mocked.calls
    assert token_call.request.headers["Authorization"] == basic_auth()
    assert token_call.request.body == "grant_type=client_credentials"
    assert order_call.request.method == "POST"
    assert order_call.request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert order_call.request.headers["PayPal-Request-Id"] == "checkout-key-1"
    assert sent_json(order_call) == {
        "intent": "CAPTURE",
        "purchase_units": [
            {
                "reference_id": PAYMENT_ID,
                "custom_id": PAYMENT_ID,
                "invoice_id": PAYMENT_ID,
                "amount": {"currency_code": "EUR", "value": "12.50"},
                "description": "Billet concert Paris",
            }
        ],
        "payment_source": {
            "paypal": {
                "experience_context": {
                    "return_url": "https://teranga.example/pay/done",
                    "cancel_url": "https://teranga.example/pay/cancel",
                    "user_action": "PAY_NOW",
                    "shipping_preference": "NO_SHIPPING",
                    "locale": "fr-FR",
                }
            }
        },
    }


def test_checkout_takes_the_approve_link_and_defaults_the_request_id(mocked):
    with_token(mocked)
    mocked.post(
        f"{BASE}/v2/checkout/orders",
        status=201,
        json={
            "id": ORDER_ID,
            "status": "CREATED",
            "links": [
                {"href": f"{BASE}/v2/checkout/orders/{ORDER_ID}", "rel": "self", "method": "GET"},
                {
                    "href": f"https://www.sandbox.paypal.com/checkoutnow?token={ORDER_ID}",
                    "rel": "approve",
                    "method": "GET",
                },
                {
                    "href": f"{BASE}/v2/checkout/orders/{ORDER_ID}/capture",
                    "rel": "capture",
                    "method": "POST",
                },
            ],
        },
    )

    checkout = adapter.create_checkout(
        request=checkout_request(amount=1000, idempotency_key=""), credentials=creds
    )

    assert checkout.redirect_url.endswith(f"token={ORDER_ID}")
    order_call = mocked.calls[1]
    assert order_call.request.headers["PayPal-Request-Id"] == PAYMENT_ID
    assert sent_json(order_call)["purchase_units"][0]["amount"]["value"] == "10.00"


def test_checkout_refuses_xof_without_calling_paypal(mocked):
    with pytest.raises(ProviderError) as exc:
        adapter.create_checkout(request=checkout_request(currency="XOF"), credentials=creds)
    assert exc.value.code == "unsupported_currency"
    assert len(mocked.calls) == 0


def test_missing_credentials_are_refused_before_any_call(mocked):
    with pytest.raises(ProviderError) as exc:
        adapter.create_checkout(
            request=checkout_request(), credentials=Credentials({"client_id": CLIENT_ID})
        )
    assert exc.value.code == "not_configured"
    assert len(mocked.calls) == 0


def test_refused_client_credentials_are_a_provider_error_without_the_secret(mocked):
    mocked.post(
        f"{BASE}/v1/oauth2/token",
        status=401,
        json={"error": "invalid_client", "error_description": "Client Authentication failed"},
    )
    with pytest.raises(ProviderError) as exc:
        adapter.create_checkout(request=checkout_request(), credentials=creds)
    assert exc.value.code == "authentication_failed"
    assert exc.value.retryable is False
    assert CLIENT_SECRET not in str(exc.value)
    assert CLIENT_ID not in str(exc.value)


def test_the_access_token_is_reused_until_it_expires(mocked):
    with_token(mocked)
    mocked.get(f"{BASE}/v2/checkout/orders/{ORDER_ID}", json=order("PAYER_ACTION_REQUIRED"))

    for _ in range(2):
        adapter.fetch_status(payment=payment_ref(), credentials=creds)

    paths = [call.request.path_url for call in mocked.calls]
    assert paths == ["/v1/oauth2/token", f"/v2/checkout/orders/{ORDER_ID}",
                     f"/v2/checkout/orders/{ORDER_ID}"]


# -- status ---------------------------------------------------------------------------


def payment_ref(**data) -> PaymentRef:
    return PaymentRef(
        payment_id=PAYMENT_ID, reference=ORDER_ID, amount=1250, currency="EUR", data=data
    )


@pytest.mark.parametrize(
    ("order_status", "capture_status", "expected"),
    [
        ("COMPLETED", "COMPLETED", "succeeded"),
        ("COMPLETED", "PENDING", "pending"),
        ("COMPLETED", "DECLINED", "failed"),
        ("COMPLETED", "REFUNDED", "succeeded"),
        ("CREATED", None, "pending"),
        ("SAVED", None, "pending"),
        ("PAYER_ACTION_REQUIRED", None, "pending"),
        ("VOIDED", None, "cancelled"),
    ],
)
def test_fetch_status_maps_order_statuses(mocked, order_status, capture_status, expected):
    with_token(mocked)
    mocked.get(
        f"{BASE}/v2/checkout/orders/{ORDER_ID}",
        json=order(order_status, capture_status=capture_status),
    )

    status = adapter.fetch_status(payment=payment_ref(), credentials=creds)

    assert status.status == expected
    assert status.reference == ORDER_ID
    assert status.amount == 1250
    assert status.currency == "EUR"
    assert len(mocked.calls) == 2  # token and lookup: no capture


@pytest.mark.parametrize(
    ("capture_status", "expected"), [("COMPLETED", "succeeded"), ("PENDING", "pending")]
)
def test_an_approved_order_is_captured(mocked, capture_status, expected):
    with_token(mocked)
    mocked.get(f"{BASE}/v2/checkout/orders/{ORDER_ID}", json=order("APPROVED"))
    mocked.post(
        f"{BASE}/v2/checkout/orders/{ORDER_ID}/capture",
        status=201,
        json=order("COMPLETED", capture_status=capture_status),
    )

    status = adapter.fetch_status(payment=payment_ref(), credentials=creds)

    assert status.status == expected
    assert status.amount == 1250
    capture_call = mocked.calls[2]
    assert capture_call.request.method == "POST"
    assert capture_call.request.headers["PayPal-Request-Id"] == f"capture-{PAYMENT_ID}"
    assert capture_call.request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def test_a_declined_funding_source_at_capture_is_a_failure(mocked):
    with_token(mocked)
    mocked.get(f"{BASE}/v2/checkout/orders/{ORDER_ID}", json=order("APPROVED"))
    mocked.post(
        f"{BASE}/v2/checkout/orders/{ORDER_ID}/capture",
        status=422,
        json=paypal_error("UNPROCESSABLE_ENTITY", "INSTRUMENT_DECLINED"),
    )

    status = adapter.fetch_status(payment=payment_ref(), credentials=creds)

    assert status.status == "failed"
    assert status.detail == "instrument_declined"
    assert status.amount == 1250


def test_an_order_captured_meanwhile_is_read_again(mocked):
    with_token(mocked)
    mocked.get(f"{BASE}/v2/checkout/orders/{ORDER_ID}", json=order("APPROVED"))
    mocked.post(
        f"{BASE}/v2/checkout/orders/{ORDER_ID}/capture",
        status=422,
        json=paypal_error("UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED"),
    )
    mocked.get(
        f"{BASE}/v2/checkout/orders/{ORDER_ID}",
        json=order("COMPLETED", capture_status="COMPLETED"),
    )

    status = adapter.fetch_status(payment=payment_ref(), credentials=creds)

    assert status.status == "succeeded"


def test_an_unknown_order_is_a_provider_error_with_paypal_issue(mocked):
    with_token(mocked)
    mocked.get(
        f"{BASE}/v2/checkout/orders/{ORDER_ID}",
        status=404,
        json=paypal_error("RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID"),
    )
    with pytest.raises(ProviderError) as exc:
        adapter.fetch_status(payment=payment_ref(), credentials=creds)
    assert exc.value.code == "invalid_resource_id"
    assert exc.value.retryable is False
    assert "f7ad8fc36b2d9" in str(exc.value)  # PayPal's debug id, for their support


def test_a_paypal_outage_is_retried_a_bounded_number_of_times(mocked):
    with_token(mocked)
    mocked.get(
        f"{BASE}/v2/checkout/orders/{ORDER_ID}",
        status=503,
        json=paypal_error("SERVICE_UNAVAILABLE", "SERVICE_UNAVAILABLE"),
    )
    with pytest.raises(ProviderError) as exc:
        adapter.fetch_status(payment=payment_ref(), credentials=creds)
    assert exc.value.retryable is True
    lookups = [c for c in mocked.calls if c.request.path_url.startswith("/v2/checkout/orders")]
    assert len(lookups) == 3  # the first try and PAYMENTS_HTTP_RETRIES = 2 retries


def test_an_unreachable_paypal_is_a_retryable_provider_error(mocked):
    # (urllib3 retries connection errors itself; ``responses`` answers above it, once)
    with_token(mocked)
    mocked.get(
        f"{BASE}/v2/checkout/orders/{ORDER_ID}",
        body=requests.exceptions.ConnectionError("connection refused"),
    )
    with pytest.raises(ProviderError) as exc:
        adapter.fetch_status(payment=payment_ref(), credentials=creds)
    assert exc.value.retryable is True
    assert exc.value.code == "unreachable"


def test_live_credentials_call_the_live_api(mocked):
    live = Credentials({**dict(creds), "environment": "live"})
    mocked.post("https://api-m.paypal.com/v1/oauth2/token", json=token_response())
    mocked.get(
        f"https://api-m.paypal.com/v2/checkout/orders/{ORDER_ID}", json=order("CREATED")
    )
    assert adapter.fetch_status(payment=payment_ref(), credentials=live).status == "pending"


# -- webhooks -------------------------------------------------------------------------


def now_iso(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_headers(**overrides) -> dict[str, str]:
    headers = {
        "paypal-auth-algo": "SHA256withRSA",
        "paypal-cert-url": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
        "paypal-transmission-id": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
        "paypal-transmission-sig": (
            "lmI95Jx3Y9nhR5SJWlHVIWpg4AgFk7n9bCHSRxbrd8A9zrhdu2rMyFrmz+Zjh3s3boXB07VXCXUZy/"
            "UFzUlnGJn0wDugt7FlSvdKeIJenLRemUxYCPVoEZzg9VFNqOa48gMkvF+XTpxBeUx/kWy6B5cp7GkT2+"
            "pOowfRK7OaynuxUoKW3JcMWw272VKjLTtTAShncla7tGF+55rxyt2KNZIIqxNMJ48RDZheGU5w1npu9"
        ),
        "paypal-transmission-time": now_iso(),
    }
    headers.update(overrides)
    return headers


def capture_event(event_type: str = "PAYMENT.CAPTURE.COMPLETED", status: str = "COMPLETED",
                  event_id: str = "WH-58D329510W468432D-8HN650336L201105X") -> bytes:
    resource = capture(status)
    resource["supplementary_data"] = {"related_ids": {"order_id": ORDER_ID}}
    resource["links"] = [
        {"href": f"{BASE}/v2/payments/captures/{CAPTURE_ID}", "rel": "self", "method": "GET"}
    ]
    return json.dumps(
        {
            "id": event_id,
            "create_time": "2026-03-01T10:00:01.940Z",
            "resource_type": "capture",
            "event_type": event_type,
            "summary": "Payment completed for EUR 12.50",
            "resource": resource,
            "links": [],
            "event_version": "1.0",
            "resource_version": "2.0",
        }
    ).encode()


def order_event(event_type: str, status: str) -> bytes:
    return json.dumps(
        {
            "id": "WH-COC11055RA711503B-4YM959094A144403T",
            "create_time": "2026-03-01T09:59:49.000Z",
            "resource_type": "checkout-order",
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": "An order has been approved by buyer",
            "resource": {
                "id": ORDER_ID,
                "intent": "CAPTURE",
                "status": status,
                "purchase_units": [purchase_unit()],
                "create_time": "2026-03-01T09:58:00Z",
                "links": [],
            },
            "links": [],
            "event_version": "1.0",
        },
        separators=(",", ":"),
    ).encode()


class PayPalStub:
    """PayPal's OAuth and verify-webhook-signature endpoints, for httpx2."""

    def __init__(self, verification_status: str = "SUCCESS", verify_http_status: int = 200):
        self.verification_status = verification_status
        self.verify_http_status = verify_http_status
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if request.url.path == "/v1/oauth2/token":
            return httpx2.Response(200, json=token_response())
        if request.url.path == "/v1/notifications/verify-webhook-signature":
            if self.verify_http_status != 200:
                return httpx2.Response(
                    self.verify_http_status, json={"name": "INTERNAL_SERVER_ERROR"}
                )
            return httpx2.Response(200, json={"verification_status": self.verification_status})
        return httpx2.Response(404, json={"name": "RESOURCE_NOT_FOUND"})

    @property
    def verifications(self) -> list[httpx2.Request]:
        return [r for r in self.requests if r.url.path.endswith("verify-webhook-signature")]


def parse(body: bytes, headers: dict[str, str], stub: PayPalStub):
    with use_transport(httpx2.MockTransport(stub)):
        return adapter.parse_webhook(body=body, headers=headers, query={}, credentials=creds)


def test_a_verified_capture_completed_event_gives_a_success_notice():
    stub = PayPalStub()
    body = capture_event()
    headers = signed_headers()

    (notice,) = parse(body, headers, stub)

    assert notice.event_id == "WH-58D329510W468432D-8HN650336L201105X"
    assert notice.event_type == "PAYMENT.CAPTURE.COMPLETED"
    assert notice.status == "succeeded"
    assert notice.authoritative is True
    assert notice.payment_id == PAYMENT_ID
    assert notice.reference == ORDER_ID
    assert notice.amount == 1250
    assert notice.currency == "EUR"
    token_request, verify = stub.requests
    assert token_request.method == "POST"
    assert token_request.url == f"{BASE}/v1/oauth2/token"
    assert token_request.headers["authorization"] == basic_auth()
    assert token_request.content == b"grant_type=client_credentials"
    assert verify.method == "POST"
    assert verify.url == f"{BASE}/v1/notifications/verify-webhook-signature"
    assert verify.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert verify.headers["content-type"] == "application/json"
    assert json.loads(verify.content) == {
        "auth_algo": "SHA256withRSA",
        "cert_url": headers["paypal-cert-url"],
        "transmission_id": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
        "transmission_sig": headers["paypal-transmission-sig"],
        "transmission_time": headers["paypal-transmission-time"],
        "webhook_id": WEBHOOK_ID,
        "webhook_event": json.loads(body),
    }
    assert body in verify.content  # embedded byte for byte, as PayPal sent it


def test_a_signature_paypal_does_not_confirm_is_rejected():
    stub = PayPalStub(verification_status="FAILURE")
    with pytest.raises(WebhookRejected) as exc:
        parse(capture_event(), signed_headers(), stub)
    assert exc.value.reason == "invalid_signature"
    assert len(stub.verifications) == 1


@pytest.mark.parametrize("missing", sorted(paypal_module.SIGNATURE_HEADERS.values()))
def test_a_missing_signature_header_is_rejected_without_asking_paypal(missing):
    stub = PayPalStub()
    headers = signed_headers()
    del headers[missing]
    with pytest.raises(WebhookRejected) as exc:
        parse(capture_event(), headers, stub)
    assert exc.value.reason == "invalid_signature"
    assert stub.requests == []


def test_an_expired_transmission_time_is_stale_without_asking_paypal():
    stub = PayPalStub()
    headers = signed_headers(**{"paypal-transmission-time": now_iso(-timedelta(minutes=6))})
    with pytest.raises(WebhookRejected) as exc:
        parse(capture_event(), headers, stub)
    assert exc.value.reason == "stale_timestamp"
    assert stub.requests == []


def test_an_unreadable_transmission_time_is_rejected():
    stub = PayPalStub()
    with pytest.raises(WebhookRejected) as exc:
        parse(capture_event(), signed_headers(**{"paypal-transmission-time": "yesterday"}), stub)
    assert exc.value.reason == "invalid_signature"
    assert stub.requests == []


def test_a_replayed_event_parses_to_the_same_event_id():
    stub = PayPalStub()
    body, headers = capture_event(), signed_headers()
    first = parse(body, headers, stub)
    again = parse(body, headers, stub)
    assert first[0].event_id == again[0].event_id == "WH-58D329510W468432D-8HN650336L201105X"
    assert len(stub.verifications) == 2
    assert len(stub.requests) == 3  # one token, reused


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_a_malformed_body_is_rejected_without_asking_paypal(body):
    stub = PayPalStub()
    with pytest.raises(WebhookRejected) as exc:
        parse(body, signed_headers(), stub)
    assert exc.value.reason == "malformed"
    assert stub.requests == []


def test_an_approved_order_asks_the_services_to_confirm():
    (notice,) = parse(order_event("CHECKOUT.ORDER.APPROVED", "APPROVED"), signed_headers(),
                      PayPalStub())
    assert notice.event_id == "WH-COC11055RA711503B-4YM959094A144403T"
    assert notice.status is None
    assert notice.authoritative is False
    assert notice.reference == ORDER_ID
    assert notice.payment_id == PAYMENT_ID
    assert notice.amount == 1250


def test_a_voided_order_is_cancelled():
    (notice,) = parse(order_event("CHECKOUT.ORDER.VOIDED", "VOIDED"), signed_headers(),
                      PayPalStub())
    assert notice.status == "cancelled"
    assert notice.authoritative is True
    assert notice.reference == ORDER_ID


@pytest.mark.parametrize(
    ("event_type", "status", "expected"),
    [
        ("PAYMENT.CAPTURE.DENIED", "DECLINED", "failed"),
        ("PAYMENT.CAPTURE.DECLINED", "DECLINED", "failed"),
        ("PAYMENT.CAPTURE.PENDING", "PENDING", "pending"),
        ("PAYMENT.CAPTURE.REVERSED", "REVERSED", None),  # stored, then ignored
    ],
)
def test_capture_events_map_to_our_statuses(event_type, status, expected):
    (notice,) = parse(capture_event(event_type, status), signed_headers(), PayPalStub())
    assert notice.event_type == event_type
    assert notice.status == expected


def test_a_refunded_capture_gives_a_refund_notice():
    body = json.dumps(
        {
            "id": "WH-1GE84257G0350133W-6RW800890C634293G",
            "create_time": "2026-03-02T08:00:00.000Z",
            "resource_type": "refund",
            "event_type": "PAYMENT.CAPTURE.REFUNDED",
            "summary": "A EUR 5.00 EUR capture payment was refunded",
            "resource": {
                "id": "1JU08902781691411",
                "amount": {"currency_code": "EUR", "value": "5.00"},
                "note_to_payer": "Annulation",
                "custom_id": REFUND_ID,
                "invoice_id": PAYMENT_ID,
                "status": "COMPLETED",
                "create_time": "2026-03-02T08:00:00Z",
                "links": [
                    {"href": f"{BASE}/v2/payments/refunds/1JU08902781691411", "rel": "self",
                     "method": "GET"},
                    {"href": f"{BASE}/v2/payments/captures/{CAPTURE_ID}", "rel": "up",
                     "method": "GET"},
                ],
            },
            "links": [],
            "event_version": "1.0",
            "resource_version": "2.0",
        }
    ).encode()

    (notice,) = parse(body, signed_headers(), PayPalStub())

    assert notice.event_id == "WH-1GE84257G0350133W-6RW800890C634293G"
    assert notice.refund_reference == "1JU08902781691411"
    assert notice.refund_id == REFUND_ID
    assert notice.refund_status == "succeeded"
    assert notice.payment_id == PAYMENT_ID
    assert notice.status is None


def test_a_verification_outage_is_a_retryable_provider_error():
    stub = PayPalStub(verify_http_status=503)
    with pytest.raises(ProviderError) as exc:
        parse(capture_event(), signed_headers(), stub)
    assert exc.value.retryable is True
    assert len(stub.verifications) == 3  # bounded retries


def test_a_verification_request_paypal_refuses_is_an_invalid_signature():
    stub = PayPalStub(verify_http_status=400)
    with pytest.raises(WebhookRejected) as exc:
        parse(capture_event(), signed_headers(**{"paypal-auth-algo": "nonsense!"}), stub)
    assert exc.value.reason == "invalid_signature"


# -- refunds --------------------------------------------------------------------------


def refund_request(**data) -> RefundRequest:
    return RefundRequest(
        refund_id=REFUND_ID, payment=payment_ref(**data), amount=500, reason="Annulation"
    )


@pytest.mark.parametrize(
    ("paypal_status", "expected"),
    [
        ("COMPLETED", "succeeded"),
        ("PENDING", "pending"),
        ("FAILED", "failed"),
        ("CANCELLED", "failed"),
    ],
)
def test_refund_of_a_known_capture(mocked, paypal_status, expected):
    with_token(mocked)
    mocked.post(
        f"{BASE}/v2/payments/captures/{CAPTURE_ID}/refund",
        status=201,
        json={
            "id": "1JU08902781691411",
            "status": paypal_status,
            "links": [
                {"href": f"{BASE}/v2/payments/refunds/1JU08902781691411", "rel": "self",
                 "method": "GET"},
            ],
        },
    )

    outcome = adapter.refund(request=refund_request(capture_id=CAPTURE_ID), credentials=creds)

    assert outcome.status == expected
    assert outcome.reference == "1JU08902781691411"
    refund_call = mocked.calls[1]
    assert refund_call.request.headers["PayPal-Request-Id"] == REFUND_ID
    assert refund_call.request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert sent_json(refund_call) == {
        "amount": {"currency_code": "EUR", "value": "5.00"},
        "custom_id": REFUND_ID,
        "note_to_payer": "Annulation",
    }


def test_refund_finds_the_capture_on_the_order(mocked):
    with_token(mocked)
    mocked.get(
        f"{BASE}/v2/checkout/orders/{ORDER_ID}",
        json=order("COMPLETED", capture_status="COMPLETED"),
    )
    mocked.post(
        f"{BASE}/v2/payments/captures/{CAPTURE_ID}/refund",
        status=201,
        json={"id": "1JU08902781691411", "status": "COMPLETED", "links": []},
    )

    outcome = adapter.refund(request=refund_request(), credentials=creds)

    assert outcome.status == "succeeded"
    assert [c.request.method for c in mocked.calls] == ["POST", "GET", "POST"]


def test_refund_of_an_uncaptured_order_is_refused(mocked):
    with_token(mocked)
    mocked.get(f"{BASE}/v2/checkout/orders/{ORDER_ID}", json=order("APPROVED"))
    with pytest.raises(ProviderError) as exc:
        adapter.refund(request=refund_request(), credentials=creds)
    assert exc.value.code == "not_captured"


def test_a_refused_refund_is_a_provider_error_with_paypal_issue(mocked):
    with_token(mocked)
    mocked.post(
        f"{BASE}/v2/payments/captures/{CAPTURE_ID}/refund",
        status=422,
        json=paypal_error(
            "UNPROCESSABLE_ENTITY",
            "REFUND_AMOUNT_EXCEEDED",
            "The refund amount must be less than or equal to the capture amount.",
        ),
    )
    with pytest.raises(ProviderError) as exc:
        adapter.refund(request=refund_request(capture_id=CAPTURE_ID), credentials=creds)
    assert exc.value.code == "refund_amount_exceeded"
    assert exc.value.retryable is False
    assert CLIENT_SECRET not in str(exc.value)
