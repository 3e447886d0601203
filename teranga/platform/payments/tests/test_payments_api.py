"""Paying through the API with the sandbox provider: initiation, idempotency, the hosted
page, the signed webhook, fulfilment, cancellation, listing and access."""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest
from django.test import Client, override_settings

from teranga.platform.notifications.models import Notification
from teranga.platform.payments.models import (
    Fulfilment,
    Payment,
    PaymentEvent,
    ProviderEvent,
    SandboxCharge,
)
from teranga.platform.payments.providers import sandbox

from .payables import ITEMS

WEBHOOK = "/api/v1/payments/webhooks/sandbox/"


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code, response.json()


def choose(shop, payment_id, outcome="succeeded"):
    """The payer presses a button on the sandbox's hosted page (in a browser, with its
    CSRF cookie and token)."""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(f"/pay/sandbox/{payment_id}/")
    assert page.status_code == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    data = {"outcome": outcome}
    if token:
        data["csrfmiddlewaretoken"] = token.group(1).decode()
    return shop.call(browser.post, f"/pay/sandbox/{payment_id}/", data)


def sandbox_delivery(payment_id, outcome="succeeded", *, event_id=None, timestamp=None):
    charge = SandboxCharge.objects.get(payment_id=payment_id)
    charge.outcome = outcome
    body = json.loads(sandbox.event_body(charge, event_type=f"payment.{outcome}"))
    if event_id:
        body["id"] = event_id
    raw = json.dumps(body).encode()
    return raw, sandbox.sign(raw, timestamp=timestamp)


def post_webhook(shop, raw, signature):
    return shop.call(
        shop.api["anonymous"].post,
        WEBHOOK,
        raw,
        content_type="application/json",
        HTTP_TERANGA_SANDBOX_SIGNATURE=signature,
    )


class TestInitiate:
    def test_sandbox_payment_succeeds_and_fulfils_once(self, shop, api):
        response = shop.pay()
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "pending"
        assert body["total"] == {
            "amount": 15000,
            "currency": "XOF",
            "display": body["total"]["display"],
        }
        assert body["checkout_url"].endswith(f"/pay/sandbox/{body['id']}/")
        assert body["fulfilment_status"] is None
        # The hosted page; the payer pays; the webhook comes back through the task engine.
        page = choose(shop, body["id"])
        assert page.status_code == 200 and b'data-outcome="succeeded"' in page.content
        detail = shop.api["client"].get(f"/api/v1/payments/{body['id']}/").json()
        assert detail["status"] == "succeeded"
        assert detail["fulfilment_status"] == "done"
        assert [
            (e["from_status"], e["to_status"]) for e in detail["events"] if e["action"] == "status"
        ] == [("created", "pending"), ("pending", "succeeded")]
        assert ITEMS.fulfilled[body["id"]] == 1
        assert ProviderEvent.objects.filter(payment_id=body["id"], outcome="applied").count() == 1
        assert (
            Notification.objects.filter(recipient=shop.client, kind="payment.succeeded").count()
            == 1
        )
        # Pressing again changes nothing.
        choose(shop, body["id"], "failed")
        assert Payment.objects.get(pk=body["id"]).status == "succeeded"
        assert ITEMS.fulfilled[body["id"]] == 1

    def test_failure_and_cancellation_from_the_page(self, shop, api):
        failed = shop.pay().json()["id"]
        choose(shop, failed, "failed")
        assert Payment.objects.get(pk=failed).status == "failed"
        assert Notification.objects.filter(recipient=shop.client, kind="payment.failed").exists()
        cancelled = shop.pay().json()["id"]
        choose(shop, cancelled, "cancelled")
        assert Payment.objects.get(pk=cancelled).status == "cancelled"
        assert failed in ITEMS.released_ids and cancelled in ITEMS.released_ids
        assert not Fulfilment.objects.filter(payment_id__in=[failed, cancelled]).exists()

    def test_same_key_same_body_is_the_same_payment(self, shop):
        first = shop.pay(key="order-123456")
        again = shop.pay(key="order-123456")
        assert first.status_code == 201 and again.status_code == 200
        assert first.json()["id"] == again.json()["id"]
        assert Payment.objects.filter(payer=shop.client).count() == 1

    def test_same_key_other_body_is_refused(self, shop):
        shop.pay(key="order-abcdefgh")
        other = ITEMS.add(shop.organization, 2000)
        assert_error(shop.pay(key="order-abcdefgh", item=other), 409, "idempotency_key_reused")
        assert Payment.objects.filter(payer=shop.client).count() == 1

    def test_key_is_required_and_checked(self, shop):
        body = {"target_type": "tests.item", "target_id": shop.item, "provider": "sandbox"}
        response = shop.api["client"].post("/api/v1/payments/", body, format="json")
        assert_error(response, 400, "idempotency_key_required")
        response = shop.api["client"].post(
            "/api/v1/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="no spaces allowed"
        )
        assert_error(response, 400, "idempotency_key_required")
        assert not Payment.objects.exists()

    @pytest.mark.parametrize(
        "change, status, code",
        [
            ({"target_type": "nope.thing"}, 400, "unknown_target_type"),
            ({"target_id": "missing"}, 404, "item_not_found"),
            ({"provider": "nope"}, 400, "provider_unavailable"),
            ({"provider": "wave"}, 400, "provider_unavailable"),  # no credentials here
            ({"provider": ""}, 400, "invalid"),
            ({"surprise": 1}, 400, "invalid"),
            ({"method": "cash"}, 400, "invalid"),  # no transaction number
            ({"return_url": "not a url"}, 400, "invalid"),
        ],
    )
    def test_bad_input_changes_nothing(self, shop, change, status, code):
        body = {
            "target_type": "tests.item",
            "target_id": shop.item,
            "provider": "sandbox",
            **change,
        }
        response = shop.api["client"].post(
            "/api/v1/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY=f"k-{uuid.uuid4().hex}"
        )
        assert_error(response, status, code)
        assert not Payment.objects.exists()

    def test_currency_the_provider_does_not_take(self, shop):
        euro_item = ITEMS.add(shop.organization, 1250, currency="EUR")
        with override_settings(PAYMENT_PROVIDERS={"wave": {"api_key": "k", "webhook_secret": "s"}}):
            assert_error(shop.pay(provider="wave", item=euro_item), 400, "currency_not_supported")

    def test_unverified_organisation_cannot_be_paid(self, shop):
        shop.organization.verification_status = "pending"
        shop.organization.save()
        assert_error(shop.pay(), 409, "organization_not_verified")

    def test_anonymous_cannot_pay(self, shop, api):
        response = api.post(
            "/api/v1/payments/", {}, format="json", HTTP_IDEMPOTENCY_KEY="anonymous-key"
        )
        assert response.status_code == 401

    def test_payer_cancels_an_open_payment(self, shop):
        payment_id = shop.pay().json()["id"]
        assert_error(
            shop.api["agent"].post(f"/api/v1/payments/{payment_id}/cancel/"),
            404,
            "payment_not_found",
        )
        response = shop.call(shop.api["client"].post, f"/api/v1/payments/{payment_id}/cancel/")
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
        assert_error(
            shop.api["client"].post(f"/api/v1/payments/{payment_id}/cancel/"),
            409,
            "invalid_transition",
        )


class TestWebhook:
    def test_replay_and_duplicates_apply_once(self, shop, api):
        payment_id = shop.pay().json()["id"]
        raw, signature = sandbox_delivery(payment_id)
        first = post_webhook(shop, raw, signature)
        assert first.status_code == 200 and first.json()["outcomes"] == ["applied"]
        for _ in range(3):
            again = post_webhook(shop, raw, signature)
            assert again.status_code == 200 and again.json()["outcomes"] == ["duplicate"]
        assert ProviderEvent.objects.count() == 1
        assert (
            PaymentEvent.objects.filter(payment_id=payment_id, to_status="succeeded").count() == 1
        )
        assert ITEMS.fulfilled[payment_id] == 1

    def test_bad_signature_stores_nothing(self, shop, api):
        payment_id = shop.pay().json()["id"]
        raw, signature = sandbox_delivery(payment_id)
        tampered = raw.replace(b"succeeded", b"succeedeX", 1)
        assert_error(post_webhook(shop, tampered, signature), 400, "invalid_signature")
        assert_error(post_webhook(shop, raw, "t=1,v1=deadbeef"), 400, "invalid_signature")
        assert_error(
            api.post(WEBHOOK, raw, content_type="application/json"), 400, "invalid_signature"
        )
        assert not ProviderEvent.objects.exists()
        assert Payment.objects.get(pk=payment_id).status == "pending"

    def test_expired_timestamp_is_refused(self, shop, api):
        payment_id = shop.pay().json()["id"]
        raw, signature = sandbox_delivery(payment_id, timestamp=int(time.time()) - 301)
        assert_error(post_webhook(shop, raw, signature), 400, "stale_timestamp")
        assert Payment.objects.get(pk=payment_id).status == "pending"

    def test_out_of_order_events_never_move_backwards(self, shop, api):
        payment_id = shop.pay().json()["id"]
        post_webhook(shop, *sandbox_delivery(payment_id, "succeeded"))
        late = post_webhook(shop, *sandbox_delivery(payment_id, "failed"))
        assert late.json()["outcomes"] == ["stale"]
        pending = post_webhook(shop, *sandbox_delivery(payment_id, "open"))
        assert pending.json()["outcomes"] == ["stale"]
        assert Payment.objects.get(pk=payment_id).status == "succeeded"
        assert ITEMS.fulfilled[payment_id] == 1

    def test_a_late_success_wins_over_a_failure(self, shop, api):
        payment_id = shop.pay().json()["id"]
        post_webhook(shop, *sandbox_delivery(payment_id, "failed"))
        post_webhook(shop, *sandbox_delivery(payment_id, "succeeded"))
        assert Payment.objects.get(pk=payment_id).status == "succeeded"
        assert ITEMS.fulfilled[payment_id] == 1

    def test_unknown_payment_is_recorded_once(self, shop, api):
        payment_id = shop.pay().json()["id"]
        raw, _sig = sandbox_delivery(payment_id)
        event = json.loads(raw)
        event["data"].update(payment_id=str(uuid.uuid4()), reference="nope")
        raw = json.dumps(event).encode()
        response = post_webhook(shop, raw, sandbox.sign(raw))
        assert response.json()["outcomes"] == ["unknown_payment"]
        assert post_webhook(shop, raw, sandbox.sign(raw)).json()["outcomes"] == ["duplicate"]

    def test_unknown_provider_is_404(self, api):
        assert_error(
            api.post("/api/v1/payments/webhooks/nope/", b"{}", content_type="application/json"),
            404,
            "unknown_provider",
        )


class TestAccess:
    def test_listing_mine_and_my_organisations(self, shop):
        payment_id = shop.pay().json()["id"]
        mine = shop.api["client"].get("/api/v1/payments/").json()
        assert [row["id"] for row in mine["results"]] == [payment_id]
        org = (
            shop.api["agent"]
            .get(f"/api/v1/payments/?organization={shop.organization.pk}&status=pending")
            .json()
        )
        assert [row["id"] for row in org["results"]] == [payment_id]
        assert shop.api["agent"].get("/api/v1/payments/").json()["results"] == []

    def test_other_organisations_and_low_roles(self, shop):
        payment_id = shop.pay().json()["id"]
        assert_error(
            shop.api["outsider"].get(f"/api/v1/payments/?organization={shop.organization.pk}"),
            404,
            "organization_not_found",
        )
        assert_error(
            shop.api["plain"].get(f"/api/v1/payments/?organization={shop.organization.pk}"),
            403,
            "permission_denied",
        )
        for name in ("outsider", "plain"):
            assert_error(
                shop.api[name].get(f"/api/v1/payments/{payment_id}/"), 404, "payment_not_found"
            )
        staff_view = shop.api["agent"].get(f"/api/v1/payments/{payment_id}/").json()
        assert staff_view["client_secret"] == "" and staff_view["payer"]["email"]

    def test_list_query_count_does_not_grow(self, shop, django_assert_max_num_queries):
        for _ in range(6):
            shop.pay(item=ITEMS.add(shop.organization, 15000))
        with django_assert_max_num_queries(8):
            response = shop.api["agent"].get(
                f"/api/v1/payments/?organization={shop.organization.pk}"
            )
        assert response.json()["count"] == 6

    def test_bad_filters(self, shop):
        assert_error(shop.api["client"].get("/api/v1/payments/?status=nope"), 400, "invalid")
        assert_error(shop.api["client"].get("/api/v1/payments/?organization=xyz"), 400, "invalid")

    def test_providers_offered(self, shop, api):
        names = [
            row["name"]
            for row in api.get(
                f"/api/v1/payments/providers/?organization={shop.organization.pk}"
            ).json()
        ]
        assert names == ["sandbox", "manual"]
        with override_settings(PAYMENT_PROVIDERS={"wave": {"api_key": "k", "webhook_secret": "s"}}):
            rows = api.get(
                f"/api/v1/payments/providers/?organization={shop.organization.pk}&currency=XOF"
            ).json()
        assert [row["name"] for row in rows] == ["sandbox", "wave", "manual"]
        with override_settings(PAYMENTS_SANDBOX_ENABLED=False):
            rows = api.get(f"/api/v1/payments/providers/?organization={shop.organization.pk}")
        assert [row["name"] for row in rows.json()] == ["manual"]
        assert_error(api.get("/api/v1/payments/providers/"), 400, "invalid")
        assert_error(
            api.get(f"/api/v1/payments/providers/?organization={uuid.uuid4()}"),
            404,
            "organization_not_found",
        )

    def test_sandbox_page_unknown_or_disabled(self, shop, api):
        assert api.get(f"/pay/sandbox/{uuid.uuid4()}/").status_code == 404
        payment_id = shop.pay().json()["id"]
        with override_settings(PAYMENTS_SANDBOX_ENABLED=False):
            assert api.get(f"/pay/sandbox/{payment_id}/").status_code == 404
        assert api.get(f"/pay/return/{payment_id}/").status_code == 200


class TestProviderAccounts:
    URL = "/api/v1/organizations/{org}/payment-accounts/{provider}/"

    def test_store_use_and_forget_an_organisations_credentials(self, shop, api):
        url = self.URL.format(org=shop.organization.pk, provider="wave")
        response = shop.api["owner"].put(
            url,
            {"credentials": {"api_key": "wave-secret-key", "webhook_secret": "whsec"}},
            format="json",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["configured"] == ["api_key", "webhook_secret"]
        assert "account=" in body["webhook_url"]
        assert "wave-secret-key" not in response.content.decode()
        from teranga.platform.payments.models import ProviderAccount

        stored = ProviderAccount.objects.get(organization=shop.organization)
        assert "wave-secret-key" not in stored.credentials_encrypted
        names = [
            row["name"]
            for row in api.get(
                f"/api/v1/payments/providers/?organization={shop.organization.pk}"
            ).json()
        ]
        assert "wave" in names
        assert shop.api["owner"].delete(url).status_code == 204
        assert_error(shop.api["owner"].delete(url), 404, "provider_account_not_found")

    def test_permissions_and_bad_input(self, shop):
        url = self.URL.format(org=shop.organization.pk, provider="wave")
        good = {"credentials": {"api_key": "k", "webhook_secret": "s"}}
        assert_error(shop.api["manager"].put(url, good, format="json"), 403, "permission_denied")
        assert_error(
            shop.api["outsider"].put(url, good, format="json"), 404, "organization_not_found"
        )
        assert_error(
            shop.api["owner"].put(url, {"credentials": {"api_key": "k"}}, format="json"),
            400,
            "invalid",
        )
        assert_error(
            shop.api["owner"].put(
                self.URL.format(org=shop.organization.pk, provider="nope"), good, format="json"
            ),
            404,
            "unknown_provider",
        )
