"""``refunds_open_for_target``: everything paid for one target is refunded once, through
real sandbox payments (paid on the sandbox's hosted page, refunded by the sandbox)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from teranga.platform.payments.models import Payment, PaymentEvent, Refund, SandboxCharge
from teranga.platform.payments.services.refunds import refunds_open_for_target

from .payables import ITEMS, TARGET_TYPE
from .test_lifecycle import paid


def refund_all(shop, item_id, *, execute=True, reason="event cancelled"):
    """The service as a product calls it, in its own transaction; with ``execute`` the
    refunds run after commit (the provider answers), without it they stay pending."""
    with shop.commit(execute=execute):
        return refunds_open_for_target(
            target_type=TARGET_TYPE, target_id=item_id, reason=reason, actor=shop.manager
        )


def test_every_payment_for_the_target_is_refunded_in_full(shop):
    first, second = paid(shop), paid(shop)  # two payments for the same item
    other = paid(shop, stock=10)  # another item: not touched
    refunds = refund_all(shop, shop.item)
    assert [str(refund.payment_id) for refund in refunds] == sorted([first, second])
    for refund in refunds:
        refund.refresh_from_db()
        assert refund.status == "succeeded" and refund.amount == 15000
        assert refund.automatic and refund.reason == "event cancelled"
        assert refund.requested_by == shop.manager
        payment = refund.payment
        payment.refresh_from_db()
        assert payment.status == "refunded" and payment.refunded_amount == 15000
        charge = SandboxCharge.objects.get(payment_id=payment.pk)
        assert charge.refunded_amount == 15000
        actions = PaymentEvent.objects.filter(refund=refund).values_list("action", flat=True)
        assert list(actions) == ["refund_requested", "refund_succeeded"]
    assert Payment.objects.get(pk=other).status == "succeeded"
    assert not Refund.objects.filter(payment_id=other).exists()


def test_calling_again_opens_nothing_new(shop):
    payment_id = paid(shop)
    assert len(refund_all(shop, shop.item)) == 1
    assert refund_all(shop, shop.item) == []
    assert Refund.objects.filter(payment_id=payment_id).count() == 1
    assert Payment.objects.get(pk=payment_id).refunded_amount == 15000


def test_a_pending_refund_counts_so_calling_again_before_it_settles_opens_nothing(shop):
    payment_id = paid(shop)
    pending = refund_all(shop, shop.item, execute=False)
    assert [refund.status for refund in pending] == ["pending"]
    assert refund_all(shop, shop.item, execute=False) == []
    assert Refund.objects.filter(payment_id=payment_id).count() == 1


def test_a_target_with_nothing_paid_returns_no_refund(shop):
    assert refund_all(shop, ITEMS.add(shop.organization, 15000)) == []
    unpaid = shop.pay().json()["id"]  # started, never paid
    assert refund_all(shop, shop.item) == []
    assert Payment.objects.get(pk=unpaid).status != "refunded"
    assert not Refund.objects.exists()


def test_a_partially_refunded_payment_is_refunded_its_remainder(shop):
    payment_id = paid(shop)
    partial = shop.call(
        shop.api["manager"].post,
        f"/api/v1/payments/{payment_id}/refund/",
        {"amount": 5000, "reason": "geste"},
        format="json",
    )
    assert partial.status_code == 201, partial.content
    assert Payment.objects.get(pk=payment_id).status == "partially_refunded"
    [refund] = refund_all(shop, shop.item)
    refund.refresh_from_db()
    assert refund.amount == 10000 and refund.status == "succeeded"
    payment = Payment.objects.get(pk=payment_id)
    assert payment.status == "refunded" and payment.refunded_amount == 15000
    assert refund_all(shop, shop.item) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_refund_each_payment_once(
    client_for, make_user, django_capture_on_commit_callbacks
):
    from .conftest import Shop

    shop = Shop(client_for, make_user, django_capture_on_commit_callbacks)
    payment_ids = sorted([paid(shop), paid(shop)])
    barrier = threading.Barrier(4)
    opened, errors = [], []

    def cancel():
        try:
            barrier.wait(timeout=10)
            refunds = refunds_open_for_target(
                target_type=TARGET_TYPE, target_id=shop.item, reason="event cancelled"
            )
            opened.extend(str(refund.payment_id) for refund in refunds)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(opened) == payment_ids
    for payment_id in payment_ids:
        assert Refund.objects.filter(payment_id=payment_id).count() == 1
        assert Payment.objects.get(pk=payment_id).refunded_amount == 15000
