"""The SMS outbox: rows are recorded first, then delivered by the configured provider."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.sites import site
from django.test import override_settings

from conftest import AUTH
from teranga.core.errors import ValidationFailed
from teranga.core.registry import thawed
from teranga.platform.notifications.models import SmsMessage, SmsStatus
from teranga.platform.notifications.providers.base import SmsProviderError, SmsSendResult
from teranga.platform.notifications.providers.registry import sms_providers
from teranga.platform.notifications.services import sms_deliver, sms_send

pytestmark = pytest.mark.django_db


def test_sms_send_records_then_sandbox_marks_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_send(to="77 123 45 67", body="hello", purpose="test")
    message.refresh_from_db()
    assert message.to == "+221771234567"  # default region SN, stored as E.164
    assert message.provider == "sandbox"
    assert message.status == SmsStatus.SENT
    assert message.sent_at is not None
    assert message.provider_message_id == f"sandbox-{message.pk}"


def test_sms_row_exists_before_commit():
    # Without commit the delivery has not run yet, but nothing is lost: the row is there.
    message = sms_send(to="+33612345678", body="bonjour", purpose="test")
    assert SmsMessage.objects.get(pk=message.pk).status == SmsStatus.QUEUED
    sms_deliver(message_id=message.pk)
    sms_deliver(message_id=message.pk)  # idempotent
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT


@pytest.mark.parametrize("bad", ["12", "not a number", "+221 12", ""])
def test_sms_send_refuses_invalid_numbers(bad):
    with pytest.raises(ValidationFailed) as info:
        sms_send(to=bad, body="x", purpose="test")
    assert info.value.code in {"invalid_phone", "empty_message"}
    assert SmsMessage.objects.count() == 0


class _FailingProvider:
    name = "failing-test"

    def send(self, *, to, body, message_id) -> SmsSendResult:
        raise SmsProviderError("gateway down")


def test_provider_failure_marks_failed(django_capture_on_commit_callbacks):
    with thawed():
        if "failing-test" not in sms_providers:
            sms_providers.register("failing-test", _FailingProvider())
    with (
        override_settings(SMS_PROVIDER="failing-test"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = sms_send(to="+221771234567", body="x", purpose="test")
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert "gateway down" in message.error
    assert message.sent_at is None


def test_phone_verification_code_goes_through_outbox(make_user, client_for):
    user = make_user("phone-sms@example.com")
    client = client_for(user)
    response = client.post(f"{AUTH}/account/phone", {"phone": "+221771234567"}, format="json")
    assert response.status_code == 202, response.content
    message = SmsMessage.objects.get()
    assert message.to == "+221771234567"
    assert message.purpose == "phone_verification"
    assert re.search(r"\b\d{6}\b", message.body)


def test_admin_outbox_is_read_only(admin_client):
    message = sms_send(to="+221771234567", body="code 123456", purpose="test")
    assert SmsMessage in site._registry
    listing = admin_client.get("/admin/notifications/smsmessage/?q=221771234567")
    assert listing.status_code == 200
    assert b"code 123456" in listing.content
    filtered = admin_client.get("/admin/notifications/smsmessage/?status__exact=queued")
    assert filtered.status_code == 200
    assert admin_client.get("/admin/notifications/smsmessage/add/").status_code == 403
    detail = admin_client.get(f"/admin/notifications/smsmessage/{message.pk}/change/")
    assert detail.status_code == 200
    assert b"code 123456" in detail.content


@pytest.mark.django_db
def test_a_message_left_queued_is_delivered_by_the_periodic_job():
    """Recovery after a crash between commit and enqueue: the scheduler's job delivers it."""
    from datetime import timedelta

    from django.utils import timezone

    from teranga.platform.notifications.models import SmsMessage, SmsStatus
    from teranga.platform.notifications.tasks import sms_redeliver_stale

    old = SmsMessage.objects.create(
        to="+221771234567", body="code 123456", purpose="test", provider="sandbox"
    )
    fresh = SmsMessage.objects.create(
        to="+221771234568", body="code 654321", purpose="test", provider="sandbox"
    )
    SmsMessage.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    assert sms_redeliver_stale.call_local() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == SmsStatus.SENT and old.sent_at is not None
    assert fresh.status == SmsStatus.QUEUED  # too recent: its own delivery may be on its way
    assert sms_redeliver_stale.call_local() == 0  # idempotent
