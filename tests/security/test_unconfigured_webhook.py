"""A webhook for a payment provider that has no credentials here answers 404
``provider_not_configured`` (it answered 503, which told the sender to retry forever)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from teranga.platform.payments.models import ProviderEvent

pytestmark = pytest.mark.django_db

PROVIDERS = ["stripe", "paypal", "wave", "orange_money", "free_money"]
BODY = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "data": {}})


def webhook(provider: str, **headers):
    return Client().post(
        f"/api/v1/payments/webhooks/{provider}/", BODY, content_type="application/json", **headers
    )


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["error"]["code"] == code, body
    assert body["error"]["message"], body
    return body["error"]


@pytest.fixture
def unconfigured(settings):
    settings.PAYMENT_PROVIDERS = {name: {} for name in PROVIDERS}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_unconfigured_provider_answers_404(unconfigured, provider):
    error = assert_error(webhook(provider), 404, "provider_not_configured")
    assert error["message"] == "Ce prestataire de paiement n'est pas configuré."
    assert not ProviderEvent.objects.exists()


def test_missing_webhook_secret_answers_404(settings):
    """Configured for payments (an API key) but not for webhooks: still not worth retrying."""
    settings.PAYMENT_PROVIDERS = {"stripe": {"secret_key": "sk_test_x"}}
    assert_error(webhook("stripe"), 404, "provider_not_configured")


def test_in_the_requested_language(unconfigured):
    error = assert_error(webhook("wave", HTTP_ACCEPT_LANGUAGE="en"), 404, "provider_not_configured")
    assert error["message"] == "This payment provider is not configured."


def test_configured_provider_still_verifies_the_signature(settings):
    settings.PAYMENT_PROVIDERS = {"stripe": {"secret_key": "sk_x", "webhook_secret": "whsec_x"}}
    response = webhook("stripe", HTTP_STRIPE_SIGNATURE="t=1,v1=bad")
    assert response.status_code == 400, response.content
    assert not ProviderEvent.objects.exists()


def test_unknown_provider_still_answers_404(unconfigured):
    assert_error(webhook("nope"), 404, "unknown_provider")
