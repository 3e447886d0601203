"""The state machine, fulfilment (exactly once, crash recovery, refusal → automatic
refund), refunds, manual payments, reconciliation and expiry, and concurrent webhook
deliveries."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from itertools import product

import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from rest_framework.test import APIClient

from teranga.core.errors import Conflict
from teranga.platform.payments.models import (
    TRANSITIONS,
    Fulfilment,
    Payment,
    PaymentEvent,
    PaymentStatus,
    ProviderEvent,
    Refund,
    SandboxCharge,
)
from teranga.platform.payments.services import fulfilment as fulfilment_service
from teranga.platform.payments.services import sandbox as sandbox_service
from teranga.platform.payments.services.fulfilment import fulfilments_resume
from teranga.platform.payments.services.payments import (
    APPLIED,
    STALE,
    payments_expire,
    transition,
)
from teranga.platform.payments.services.webhooks import payments_reconcile

from .payables import ITEMS
from .test_payments_api import WEBHOOK, assert_error, choose, sandbox_delivery

ALL = [choice.value for choice in PaymentStatus]


class _LostTask:
    """A task whose enqueue is lost (the process died right after the commit)."""

    def enqueue(self, **kwargs):
        return None


LOST = _LostTask()


def paid(shop, **item):
    item_id = ITEMS.add(shop.organization, 15000, **item) if item else shop.item
    payment_id = shop.pay(item=item_id).json()["id"]
    choose(shop, payment_id)
    return payment_id


class TestStateMachine:
    @pytest.mark.parametrize("start, target", list(product(ALL, ALL)))
    def test_every_transition(self, shop, start, target):
        payment_id = shop.pay().json()["id"]
        Payment.objects.filter(pk=payment_id).update(status=start)
        payment = Payment.objects.get(pk=payment_id)
        allowed = target in TRANSITIONS[start]
        events_before = PaymentEvent.objects.filter(payment=payment).count()
        if allowed:
            assert transition(payment, target, source="system") == APPLIED
            assert Payment.objects.get(pk=payment_id).status == target
            assert PaymentEvent.objects.filter(payment=payment).count() > events_before
        elif target == start:
            with pytest.raises(Conflict):
                transition(payment, target, source="staff", strict=True)
        else:
            assert transition(payment, target, source="webhook") == STALE
            with pytest.raises(Conflict):
                transition(payment, target, source="staff", strict=True)
            assert Payment.objects.get(pk=payment_id).status == start

    def test_events_are_append_only(self, shop):
        payment_id = shop.pay().json()["id"]
        event = PaymentEvent.objects.filter(payment_id=payment_id).first()
        with pytest.raises(ValueError):
            event.save()
        with pytest.raises(ValueError):
            event.delete()


class TestFulfilment:
    def test_the_fulfilment_is_done_when_the_success_is_answered(self, shop, monkeypatch):
        # It runs in the thread that recorded the success, right after its commit: no task
        # is needed (a lost one changes nothing).
        monkeypatch.setattr(fulfilment_service, "fulfilment_run_task", LOST)
        payment_id = paid(shop)
        assert Fulfilment.objects.get(payment_id=payment_id).status == "done"
        assert ITEMS.fulfilled[payment_id] == 1

    def test_a_run_that_fails_after_commit_is_queued_then_done(self, shop, monkeypatch):
        # The run itself fails (a database error, not the handler): the caller is not
        # failed, the fulfilment is queued as a task, and that task does it.
        real_run = fulfilment_service.fulfilment_run
        calls = []

        def flaky_run(*, payment_id):
            calls.append(payment_id)
            if len(calls) == 1:
                raise OperationalError("database is locked")
            return real_run(payment_id=payment_id)

        monkeypatch.setattr(fulfilment_service, "fulfilment_run", flaky_run)
        payment_id = paid(shop)
        assert calls == [payment_id, payment_id]
        assert Fulfilment.objects.get(payment_id=payment_id).status == "done"
        assert ITEMS.fulfilled[payment_id] == 1

    def test_crash_after_commit_is_recovered_once(self, shop, monkeypatch):
        # The process dies after the success is committed, before the fulfilment runs.
        monkeypatch.setattr(fulfilment_service, "fulfilment_run_now", lambda payment_id: None)
        payment_id = paid(shop)
        assert Payment.objects.get(pk=payment_id).status == "succeeded"
        assert Fulfilment.objects.get(payment_id=payment_id).status == "pending"
        assert ITEMS.fulfilled[payment_id] == 0
        # "Restart": the periodic job finds the pending row.
        assert fulfilments_resume() == 0  # too fresh: its own task may still come
        later = timezone.now() + timedelta(minutes=1)
        assert fulfilments_resume(now=later) == 1
        assert fulfilments_resume(now=later) == 0
        assert ITEMS.fulfilled[payment_id] == 1
        assert Fulfilment.objects.get(payment_id=payment_id).status == "done"

    def test_failing_handler_is_retried_then_works(self, shop):
        payment_id = paid(shop, fail_times=2)
        fulfilment = Fulfilment.objects.get(payment_id=payment_id)
        assert fulfilment.status == "pending" and fulfilment.attempts == 1
        assert "handler crashed" in fulfilment.last_error
        far = timezone.now() + timedelta(hours=1)
        fulfilments_resume(now=far)
        fulfilments_resume(now=far)
        fulfilment.refresh_from_db()
        assert fulfilment.status == "done" and fulfilment.attempts == 3
        assert ITEMS.fulfilled[payment_id] == 1

    def test_refused_fulfilment_is_refunded_automatically(self, shop):
        payment_id = shop.pay(item=ITEMS.add(shop.organization, 15000, stock=0)).json()["id"]
        with shop.commit(execute=True):
            choose(shop, payment_id)
        payment = Payment.objects.get(pk=payment_id)
        assert payment.status == "refunded" and payment.refunded_amount == 15000
        refund = Refund.objects.get(payment=payment)
        assert refund.automatic and refund.status == "succeeded"
        assert Fulfilment.objects.get(payment=payment).status == "refused"
        assert SandboxCharge.objects.get(payment_id=payment_id).refunded_amount == 15000
        assert refund.pk.hex in "".join(ITEMS.refunded_ids).replace("-", "")

    def test_fulfilment_gives_up_after_max_attempts_and_refunds(self, shop):
        payment_id = paid(shop, fail_times=99)
        for minutes in range(1, 6):
            with shop.commit(execute=True):
                fulfilments_resume(now=timezone.now() + timedelta(hours=minutes))
        assert Fulfilment.objects.get(payment_id=payment_id).status == "refused"
        assert Payment.objects.get(pk=payment_id).status == "refunded"


class TestRefunds:
    def url(self, payment_id):
        return f"/api/v1/payments/{payment_id}/refund/"

    def test_partial_then_full(self, shop):
        payment_id = paid(shop)
        first = shop.call(
            shop.api["manager"].post,
            self.url(payment_id),
            {"amount": 5000, "reason": "geste"},
            format="json",
        )
        assert first.status_code == 201, first.content
        assert Payment.objects.get(pk=payment_id).status == "partially_refunded"
        assert Refund.objects.get(pk=first.json()["id"]).status == "succeeded"
        rest = shop.call(shop.api["owner"].post, self.url(payment_id), {}, format="json")
        assert rest.json()["amount"]["amount"] == 10000
        payment = Payment.objects.get(pk=payment_id)
        assert payment.status == "refunded" and payment.refunded_amount == 15000
        actions = list(
            PaymentEvent.objects.filter(payment=payment, refund__isnull=False).values_list(
                "action", flat=True
            )
        )
        assert actions == ["refund_requested", "refund_succeeded"] * 2
        detail = shop.api["client"].get(f"/api/v1/payments/{payment_id}/").json()
        assert [r["status"] for r in detail["refunds"]] == ["succeeded", "succeeded"]
        assert_error(
            shop.api["owner"].post(self.url(payment_id), {}, format="json"), 409, "not_refundable"
        )

    def test_cannot_refund_more_than_paid(self, shop):
        payment_id = paid(shop)
        assert_error(
            shop.api["manager"].post(self.url(payment_id), {"amount": 15001}, format="json"),
            409,
            "refund_exceeds_amount",
        )
        assert not Refund.objects.exists()

    def test_who_may_refund(self, shop):
        payment_id = paid(shop)
        assert_error(
            shop.api["agent"].post(self.url(payment_id), {}, format="json"),
            403,
            "permission_denied",
        )
        for name in ("outsider", "client"):
            assert_error(
                shop.api[name].post(self.url(payment_id), {}, format="json"),
                404,
                "organization_not_found",
            )
        assert_error(
            shop.api["manager"].post(self.url(uuid.uuid4()), {}, format="json"),
            404,
            "payment_not_found",
        )
        for bad in ({"amount": 0}, {"amount": "x"}, {"other": 1}):
            assert_error(
                shop.api["manager"].post(self.url(payment_id), bad, format="json"), 400, "invalid"
            )
        assert not Refund.objects.exists()

    def test_unpaid_payment_is_not_refundable(self, shop):
        payment_id = shop.pay().json()["id"]
        assert_error(
            shop.api["manager"].post(self.url(payment_id), {}, format="json"), 409, "not_refundable"
        )


class TestManualPayments:
    def declare(self, shop, number="VIR-2026-0001", method="bank_transfer", item=None):
        return shop.pay(provider="", method=method, transaction_number=number, item=item)

    def test_declared_then_validated(self, shop):
        response = self.declare(shop)
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "pending" and body["provider"] == "manual"
        assert body["checkout_url"] == ""
        review = shop.call(
            shop.api["manager"].post,
            f"/api/v1/payments/{body['id']}/review/",
            {"decision": "approve", "note": "reçu sur le compte"},
            format="json",
        )
        assert review.status_code == 200, review.content
        assert review.json()["status"] == "succeeded"
        assert Fulfilment.objects.get(payment_id=body["id"]).status == "done"
        assert ITEMS.fulfilled[body["id"]] == 1
        actions = [e["action"] for e in review.json()["events"]]
        assert "manual_approved" in actions
        payment = Payment.objects.get(pk=body["id"])
        assert payment.reviewed_by == shop.manager
        assert_error(
            shop.api["manager"].post(
                f"/api/v1/payments/{body['id']}/review/", {"decision": "reject"}, format="json"
            ),
            409,
            "already_reviewed",
        )
        # A manual payment is refunded by hand: recorded at once.
        refund = shop.call(
            shop.api["manager"].post, f"/api/v1/payments/{body['id']}/refund/", {}, format="json"
        )
        assert Refund.objects.get(pk=refund.json()["id"]).status == "succeeded"

    def test_rejected(self, shop):
        payment_id = self.declare(shop, method="cash", number="CAISSE-42").json()["id"]
        review = shop.call(
            shop.api["manager"].post,
            f"/api/v1/payments/{payment_id}/review/",
            {"decision": "reject", "note": "inconnu"},
            format="json",
        )
        assert review.json()["status"] == "failed"
        assert "manual_rejected" in [e["action"] for e in review.json()["events"]]

    def test_transaction_number_is_required_and_unique(self, shop):
        assert_error(self.declare(shop, number="  "), 400, "invalid")
        self.declare(shop, number="VIR-1")
        other_item = ITEMS.add(shop.organization, 15000)  # one open payment per item
        assert_error(
            self.declare(shop, number="VIR-1", item=other_item), 409, "transaction_number_used"
        )

    def test_review_permissions_and_input(self, shop):
        payment_id = self.declare(shop).json()["id"]
        url = f"/api/v1/payments/{payment_id}/review/"
        assert_error(
            shop.api["agent"].post(url, {"decision": "approve"}, format="json"),
            403,
            "permission_denied",
        )
        assert_error(
            shop.api["outsider"].post(url, {"decision": "approve"}, format="json"),
            404,
            "organization_not_found",
        )
        assert_error(
            shop.api["manager"].post(url, {"decision": "maybe"}, format="json"), 400, "invalid"
        )
        online = shop.pay(item=ITEMS.add(shop.organization, 15000)).json()["id"]
        assert_error(
            shop.api["manager"].post(
                f"/api/v1/payments/{online}/review/", {"decision": "approve"}, format="json"
            ),
            409,
            "not_manual",
        )
        assert Payment.objects.get(pk=payment_id).status == "pending"


class TestReconciliationAndExpiry:
    def test_a_lost_webhook_is_settled_by_reconciliation(self, shop, monkeypatch):
        monkeypatch.setattr(sandbox_service, "sandbox_webhook_deliver_task", LOST)
        payment_id = shop.pay().json()["id"]
        choose(shop, payment_id)  # the provider knows; we never heard
        assert Payment.objects.get(pk=payment_id).status == "pending"
        assert payments_reconcile()["checked"] == 0  # too fresh
        with shop.commit(execute=True):
            counts = payments_reconcile(now=timezone.now() + timedelta(minutes=3))
        assert counts["applied"] == 1
        assert Payment.objects.get(pk=payment_id).status == "succeeded"
        assert ITEMS.fulfilled[payment_id] == 1

    def test_a_payment_never_completed_expires(self, shop):
        payment_id = shop.pay().json()["id"]
        later = timezone.now() + timedelta(hours=1)
        with shop.commit(execute=True):
            counts = payments_reconcile(now=later)
        assert counts["expired"] == 1
        assert Payment.objects.get(pk=payment_id).status == "expired"
        assert payment_id in ITEMS.released_ids

    def test_a_payment_without_checkout_expires(self, shop):
        payment_id = shop.pay().json()["id"]
        Payment.objects.filter(pk=payment_id).update(provider_reference="", status="created")
        assert payments_expire(now=timezone.now() + timedelta(hours=1)) == 1
        assert Payment.objects.get(pk=payment_id).status == "expired"


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_apply_once(
    client_for, make_user, django_capture_on_commit_callbacks
):
    from .conftest import Shop

    shop = Shop(client_for, make_user, django_capture_on_commit_callbacks)
    payment_id = shop.pay().json()["id"]
    raw, signature = sandbox_delivery(payment_id)
    barrier = threading.Barrier(8)
    answers = []

    def deliver():
        try:
            barrier.wait(timeout=10)
            response = APIClient().post(
                WEBHOOK,
                raw,
                content_type="application/json",
                HTTP_TERANGA_SANDBOX_SIGNATURE=signature,
            )
            answers.append((response.status_code, response.json()["outcomes"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcome for _status, (outcome,) in answers) == ["applied"] + ["duplicate"] * 7
    assert ProviderEvent.objects.count() == 1
    assert PaymentEvent.objects.filter(payment_id=payment_id, to_status="succeeded").count() == 1
    assert ITEMS.fulfilled[payment_id] == 1
