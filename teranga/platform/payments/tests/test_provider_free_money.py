"""The Free Money adapter (PayTech aggregator) against PayTech's documented request,
status, IPN and refund shapes, mocked at the transport."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from urllib.parse import parse_qs, urlencode

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
from teranga.platform.payments.providers.freemoney import FreeMoneyProvider

API_KEY = "0528cf38789d400cc03f9ba591fc5c05"
API_SECRET = "566126b0d75afe81e81bf9b78231c798"
PAYMENT_ID = "0d9a7c2e-5b4f-4c8e-a1d2-3e4f5a6b7c8d"
TOKEN = "405gzopuyx0ml"
REDIRECT_URL = f"https://paytech.sn/payment/checkout/{TOKEN}"
WEBHOOK_URL = "https://teranga.example/api/v1/payments/webhooks/free_money/"
REQUEST = "/api/payment/request-payment"
STATUS = "/api/payment/get-status"
REFUND = "/api/payment/refund-payment"

adapter = FreeMoneyProvider()


def creds(**extra) -> Credentials:
    return Credentials({"api_key": API_KEY, "api_secret": API_SECRET, **extra})


class FakePayTech:
    """PayTech's side: answers per (method, path) from a queue; records every request."""

    def __init__(self):
        self.requests: list[httpx2.Request] = []
        self.routes: dict[tuple[str, str], list] = {}

    def on(self, method: str, path: str, *answers) -> None:
        self.routes[(method, path)] = list(answers)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return httpx2.Response(404, json={"success": 0, "message": "not found"})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, type) and issubclass(answer, Exception):
            raise answer("simulated", request=request)
        status, body = answer
        return httpx2.Response(status, json=body)


@pytest.fixture
def paytech():
    fake = FakePayTech()
    with use_transport(httpx2.MockTransport(fake)):
        yield fake


def checkout_request(**overrides) -> CheckoutRequest:
    values = {
        "payment_id": PAYMENT_ID,
        "amount": 15000,
        "currency": "XOF",
        "description": "Consultation — 45 min",
        "return_url": "https://teranga.example/pay/done",
        "cancel_url": "https://teranga.example/pay/cancel",
        "webhook_url": WEBHOOK_URL,
    }
    return CheckoutRequest(**{**values, **overrides})


def ref() -> PaymentRef:
    return PaymentRef(payment_id=PAYMENT_ID, reference=TOKEN, amount=15000, currency="XOF",
                      data={"token": TOKEN})


# -- checkout ------------------------------------------------------------------------------


def test_checkout_posts_the_documented_payment_request(paytech):
    paytech.on("POST", REQUEST, (200, {"success": 1, "token": TOKEN,
                                       "redirect_url": REDIRECT_URL}))

    checkout = adapter.create_checkout(request=checkout_request(), credentials=creds())

    assert (checkout.reference, checkout.redirect_url) == (TOKEN, REDIRECT_URL)
    assert checkout.data == {"token": TOKEN}
    [sent] = paytech.requests
    assert sent.method == "POST"
    assert str(sent.url) == "https://paytech.sn/api/payment/request-payment"
    assert sent.headers["API_KEY"] == API_KEY
    assert sent.headers["API_SECRET"] == API_SECRET
    assert "idempotency-key" not in sent.headers
    assert json.loads(sent.content) == {
        "item_name": "Consultation — 45 min",
        "item_price": 15000,
        "currency": "XOF",
        "ref_command": PAYMENT_ID,
        "command_name": "Consultation — 45 min",
        "env": "prod",
        "ipn_url": WEBHOOK_URL,
        "success_url": "https://teranga.example/pay/done",
        "cancel_url": "https://teranga.example/pay/cancel",
        "target_payment": "Free Money",
        "custom_field": json.dumps({"payment_id": PAYMENT_ID}),
    }


def test_checkout_in_the_test_environment(paytech):
    paytech.on("POST", REQUEST, (200, {"success": 1, "token": TOKEN,
                                       "redirect_url": REDIRECT_URL}))

    adapter.create_checkout(request=checkout_request(), credentials=creds(env="test"))

    assert json.loads(paytech.requests[0].content)["env"] == "test"


def test_checkout_refused_by_paytech(paytech):
    paytech.on("POST", REQUEST, (200, {"success": 0, "message": "Format de requete invalid"}))

    with pytest.raises(ProviderError) as caught:
        adapter.create_checkout(request=checkout_request(), credentials=creds())

    assert (caught.value.code, caught.value.retryable) == ("refused", False)
    assert API_SECRET not in str(caught.value)


def test_checkout_5xx_is_not_retried_without_an_idempotency_key(paytech):
    paytech.on("POST", REQUEST, (502, {"success": -1}))

    with pytest.raises(ProviderError) as caught:
        adapter.create_checkout(request=checkout_request(), credentials=creds())

    assert (caught.value.code, caught.value.retryable) == ("http_502", True)
    assert len(paytech.requests) == 1


def test_checkout_needs_its_credentials_a_valid_env_and_xof(paytech):
    with pytest.raises(ProviderError) as missing:
        adapter.create_checkout(request=checkout_request(),
                                credentials=Credentials({"api_key": API_KEY}))
    with pytest.raises(ProviderError) as env:
        adapter.create_checkout(request=checkout_request(), credentials=creds(env="staging"))
    with pytest.raises(ProviderError) as currency:
        adapter.create_checkout(request=checkout_request(currency="EUR"), credentials=creds())

    assert missing.value.code == "not_configured"
    assert env.value.code == "not_configured"
    assert currency.value.code == "unsupported_currency"
    assert paytech.requests == []


# -- status --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"success": 1, "status": "completed"}, "succeeded"),
        ({"success": 1, "status": "success"}, "succeeded"),
        ({"success": 1, "type_event": "sale_complete"}, "succeeded"),
        ({"success": 1, "status": "canceled"}, "cancelled"),
        ({"success": 1, "status": "pending"}, "pending"),
        ({"success": 1, "status": "failed"}, "failed"),
        ({"success": 1, "payment": {"status": "completed", "ref_command": PAYMENT_ID}},
         "succeeded"),
        ({"success": 1, "data": {"status": "canceled"}}, "cancelled"),
    ],
)
def test_status_maps_paytechs_values(paytech, answer, expected):
    paytech.on("GET", STATUS, (200, answer))

    status = adapter.fetch_status(payment=ref(), credentials=creds())

    assert (status.status, status.reference) == (expected, TOKEN)
    [sent] = paytech.requests
    assert sent.method == "GET"
    assert str(sent.url) == f"https://paytech.sn/api/payment/get-status?token_payment={TOKEN}"
    assert (sent.headers["API_KEY"], sent.headers["API_SECRET"]) == (API_KEY, API_SECRET)


def test_status_of_an_undocumented_value_changes_nothing(paytech):
    paytech.on("GET", STATUS, (200, {"success": 1, "status": "on_hold"}))

    status = adapter.fetch_status(payment=ref(), credentials=creds())

    assert (status.status, status.detail) == ("pending", "unknown status on_hold")


def test_status_of_an_unknown_token(paytech):
    paytech.on("GET", STATUS, (200, {"success": 0, "message": "Token invalide"}))

    with pytest.raises(ProviderError) as caught:
        adapter.fetch_status(payment=ref(), credentials=creds())

    assert caught.value.code == "not_found"


def test_status_get_is_retried_after_a_503(paytech):
    paytech.on("GET", STATUS, (503, {}), (200, {"success": 1, "status": "completed"}))

    status = adapter.fetch_status(payment=ref(), credentials=creds())

    assert status.status == "succeeded"
    assert len(paytech.requests) == 2


def test_status_timeout_is_retryable_after_the_bounded_retries(paytech, settings):
    settings.PAYMENTS_HTTP_RETRIES = 2
    paytech.on("GET", STATUS, httpx2.ReadTimeout)

    with pytest.raises(ProviderError) as caught:
        adapter.fetch_status(payment=ref(), credentials=creds())

    assert (caught.value.code, caught.value.retryable) == ("unreachable", True)
    assert len(paytech.requests) == 3


# -- IPN -----------------------------------------------------------------------------------


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def ipn_fields(type_event="sale_complete", **extra) -> dict[str, str]:
    return {
        "type_event": type_event,
        "custom_field": json.dumps({"payment_id": PAYMENT_ID}),
        "ref_command": PAYMENT_ID,
        "item_name": "Consultation — 45 min",
        "item_price": "15000",
        "final_item_price": "15000",
        "initial_item_price": "15000",
        "currency": "XOF",
        "command_name": "Consultation — 45 min",
        "token": TOKEN,
        "env": "prod",
        "payment_method": "Free Money",
        "client_phone": "+221760000000",
        **extra,
    }


def hashed(fields: dict[str, str], key=API_KEY, secret=API_SECRET) -> dict[str, str]:
    return {**fields, "api_key_sha256": sha(key), "api_secret_sha256": sha(secret)}


def hmaced(fields: dict[str, str], price="15000", secret=API_SECRET) -> dict[str, str]:
    message = f"{price}|{fields['ref_command']}|{API_KEY}".encode()
    return {**fields, "hmac_compute": hmac.new(secret.encode(), message,
                                               hashlib.sha256).hexdigest()}


def form(fields: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    return urlencode(fields).encode(), {"content-type": "application/x-www-form-urlencoded"}


def as_json(fields: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    return json.dumps(fields).encode(), {"content-type": "application/json"}


def parse(payload: tuple[bytes, dict[str, str]], credentials: Credentials | None = None):
    body, headers = payload
    return adapter.parse_webhook(body=body, headers=headers, query={},
                                 credentials=credentials or creds())


def test_form_ipn_with_good_key_hashes():
    [notice] = parse(form(hashed(ipn_fields())))

    assert notice.event_id == f"ptk:{TOKEN}:sale_complete"
    assert notice.event_type == "sale_complete"
    assert (notice.payment_id, notice.reference) == (PAYMENT_ID, TOKEN)
    assert notice.status == "succeeded"
    assert notice.authoritative is False  # the services confirm with get-status


def test_json_ipn_with_good_key_hashes():
    [notice] = parse(as_json(hashed(ipn_fields("sale_canceled"))))

    assert (notice.status, notice.event_id) == ("cancelled", f"ptk:{TOKEN}:sale_canceled")


@pytest.mark.parametrize(
    "fields",
    [
        hashed(ipn_fields(), key="another-key"),
        hashed(ipn_fields(), secret="another-secret"),
        ipn_fields(),  # no proof at all
        {**hashed(ipn_fields()), "api_secret_sha256": ""},
    ],
)
def test_ipn_with_bad_or_missing_key_hashes_is_rejected(fields):
    with pytest.raises(WebhookRejected) as caught:
        parse(form(fields))

    assert caught.value.reason == "invalid_signature"


def test_ipn_with_a_good_hmac():
    [notice] = parse(as_json(hmaced(ipn_fields())))

    assert notice.status == "succeeded"


def test_hmac_over_the_final_price_after_a_promotion():
    fields = ipn_fields(final_item_price="13500", promo_enabled="1", promo_value_percent="10")

    [notice] = parse(form(hmaced(fields, price="13500")))

    assert notice.status == "succeeded"


def test_a_wrong_hmac_is_rejected_even_with_good_key_hashes():
    fields = hmaced(hashed(ipn_fields()), secret="another-secret")

    with pytest.raises(WebhookRejected) as caught:
        parse(form(fields))

    assert caught.value.reason == "invalid_signature"


def test_hmac_covers_the_order_reference():
    fields = {**hmaced(ipn_fields()), "ref_command": str(uuid.uuid4())}

    with pytest.raises(WebhookRejected) as caught:
        parse(as_json(fields))

    assert caught.value.reason == "invalid_signature"


@pytest.mark.django_db
def test_a_replayed_ipn_has_the_same_id_and_is_refused_by_the_event_ledger():
    payload = form(hashed(ipn_fields()))
    [first] = parse(payload)
    [again] = parse(payload)
    ProviderEvent.objects.create(
        provider="free_money", event_id=first.event_id, event_type=first.event_type,
        outcome="applied",
    )

    assert again.event_id == first.event_id
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderEvent.objects.create(provider="free_money", event_id=again.event_id,
                                     outcome="applied")


def test_refund_complete_ipn_is_a_refund_notice():
    [notice] = parse(form(hashed(ipn_fields("refund_complete"))))

    assert notice.event_id == f"ptk:{TOKEN}:refund_complete"
    assert notice.status is None
    assert (notice.refund_reference, notice.refund_status) == (f"{TOKEN}:refund", "succeeded")
    assert notice.payment_id == PAYMENT_ID


def test_transfer_ipns_are_not_payments():
    assert parse(form(hashed(ipn_fields("transfer_success")))) == []


def test_signed_ipn_without_its_order_fields_is_malformed():
    fields = hashed({"type_event": "sale_complete", "item_price": "15000"})

    with pytest.raises(WebhookRejected) as caught:
        parse(form(fields))

    assert caught.value.reason == "malformed"


@pytest.mark.parametrize(
    "payload",
    [
        (b"{not json", {"content-type": "application/json"}),
        (b"[1, 2]", {"content-type": "application/json"}),
        (b"\xff\xfe", {"content-type": "application/x-www-form-urlencoded"}),
    ],
)
def test_unreadable_ipn_is_malformed(payload):
    with pytest.raises(WebhookRejected) as caught:
        parse(payload)

    assert caught.value.reason == "malformed"


def test_ipn_needs_the_keys():
    with pytest.raises(ProviderError) as caught:
        parse(form(hashed(ipn_fields())), credentials=Credentials({"api_key": API_KEY}))

    assert caught.value.code == "not_configured"


# -- refunds -------------------------------------------------------------------------------


def refund_request(amount=15000) -> RefundRequest:
    return RefundRequest(refund_id=str(uuid.UUID(int=9)), payment=ref(), amount=amount)


def test_full_refund_posts_the_order_reference(paytech):
    paytech.on("POST", REFUND, (200, {"success": 1, "message": "Remboursement effectué"}))

    outcome = adapter.refund(request=refund_request(), credentials=creds())

    assert (outcome.status, outcome.reference) == ("pending", f"{TOKEN}:refund")
    [sent] = paytech.requests
    assert str(sent.url) == "https://paytech.sn/api/payment/refund-payment"
    assert (sent.headers["API_KEY"], sent.headers["API_SECRET"]) == (API_KEY, API_SECRET)
    assert parse_qs(sent.content.decode()) == {"ref_command": [PAYMENT_ID]}


def test_partial_refund_is_refused_before_any_call(paytech):
    with pytest.raises(ProviderError) as caught:
        adapter.refund(request=refund_request(amount=5000), credentials=creds())

    assert caught.value.code == "partial_refund_unsupported"
    assert paytech.requests == []


def test_refund_refused_by_paytech(paytech):
    paytech.on("POST", REFUND, (200, {"success": 0, "message": "Transaction introuvable"}))

    with pytest.raises(ProviderError) as caught:
        adapter.refund(request=refund_request(), credentials=creds())

    assert caught.value.code == "refused"
    assert len(paytech.requests) == 1


def test_adapter_declares_the_protocol_attributes():
    assert adapter.name == "free_money"
    assert adapter.label == "Free Money"
    assert adapter.currencies == frozenset({"XOF"})
    assert adapter.supports_refunds is True
    assert adapter.credential_fields == ("api_key", "api_secret")
