"""The payments admin: every page loads for a superuser, money records are read-only,
manual payments are reviewed through the service, credentials are stored encrypted."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from teranga.platform.payments.models import (
    Coupon,
    Fulfilment,
    Payment,
    Plan,
    ProviderAccount,
    ProviderEvent,
    Refund,
    SandboxCharge,
)
from teranga.platform.payments.providers.credentials import account_credentials

from .test_lifecycle import paid


@pytest.fixture
def admin_client(db):
    root = get_user_model().objects.create_superuser(email="root@example.test", password="x")
    client = Client()
    client.force_login(root)
    return client


def test_every_page_loads(shop, admin_client):
    payment_id = paid(shop)
    shop.call(shop.api["manager"].post, f"/api/v1/payments/{payment_id}/refund/",
              {"amount": 100}, format="json")
    Coupon.objects.create(organization=shop.organization, code="TABASKI", kind="percent",
                          percent_off=10)
    for model in (Payment, ProviderEvent, Fulfilment, Refund, SandboxCharge, Coupon, Plan,
                  ProviderAccount):
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert admin_client.get(changelist).status_code == 200, changelist
        first = model.objects.first()
        if first is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            assert admin_client.get(change).status_code == 200, change


def test_payments_cannot_be_edited_in_the_admin(shop, admin_client):
    payment_id = paid(shop)
    url = reverse("admin:payments_payment_change", args=[payment_id])
    response = admin_client.post(url, {"status": "refunded"})
    assert response.status_code == 403
    assert Payment.objects.get(pk=payment_id).status == "succeeded"


def test_manual_payment_validated_from_the_admin(shop, admin_client):
    payment_id = shop.pay(provider="", method="bank_transfer",
                          transaction_number="VIR-ADMIN-1").json()["id"]
    with shop.commit(execute=True):
        response = admin_client.post(
            reverse("admin:payments_payment_changelist"),
            {"action": "approve_manual", "_selected_action": [payment_id]},
        )
    assert response.status_code == 302
    payment = Payment.objects.get(pk=payment_id)
    assert payment.status == "succeeded" and payment.reviewed_by.is_superuser


def test_provider_account_credentials_are_encrypted(shop, admin_client):
    response = admin_client.post(
        reverse("admin:payments_provideraccount_add"),
        {
            "organization": shop.organization.pk,
            "provider": "wave",
            "is_active": "on",
            "credentials": '{"api_key": "wave-live-key", "webhook_secret": "whsec"}',
        },
    )
    assert response.status_code == 302, response.content[:500]
    account = ProviderAccount.objects.get()
    assert "wave-live-key" not in account.credentials_encrypted
    assert account_credentials(account)["api_key"] == "wave-live-key"
    bad = admin_client.post(
        reverse("admin:payments_provideraccount_add"),
        {"organization": shop.other.pk, "provider": "wave", "credentials": "{nope"},
    )
    assert bad.status_code == 200 and ProviderAccount.objects.count() == 1
