"""The SMS outbox: every SMS is a row first (:func:`sms_send`, in the caller's
transaction), handed to the configured provider after commit (:func:`sms_deliver`,
idempotent, by :func:`sms_deliver_task`, which lives here beside what it runs); staff
read the outbox in the admin. Numbers are read by ``teranga.core.phones`` (default region
SN) and stored as E.164."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from teranga.core.encryption import phone_hash
from teranga.core.errors import ValidationFailed
from teranga.core.phones import phone_e164
from teranga.core.priorities import CRITICAL
from teranga.platform.notifications.errors import NotificationError
from teranga.platform.notifications.models import InboundSms, SmsMessage, SmsStatus
from teranga.platform.notifications.providers.base import SmsProviderError
from teranga.platform.notifications.providers.registry import sms_provider_current, sms_providers

logger = logging.getLogger(__name__)


def phone_to_e164(value: str, *, region: str | None = None, field: str = "to") -> str:
    """``value`` as E.164, read in ``region`` (the default region, SN, when None: see
    ``teranga.core.phones``); 400 ``invalid_phone`` naming ``field`` if it is not a
    valid number."""
    return phone_e164(value, region=region, field=field, code=NotificationError.INVALID_PHONE)


@transaction.atomic
def sms_send(*, to: str, body: str, purpose: str) -> SmsMessage:
    """Record an SMS in the outbox and deliver it through the configured provider once
    the surrounding transaction commits."""
    if not body:
        raise ValidationFailed(_("The message is empty."), code=NotificationError.EMPTY_MESSAGE)
    provider = sms_provider_current()
    message = SmsMessage.objects.create(
        to=phone_to_e164(to), body=body, purpose=purpose[:50], provider=provider.name
    )
    message_id = str(message.pk)
    transaction.on_commit(lambda: sms_deliver_task.enqueue(message_id=message_id))
    return message


@transaction.atomic
def sms_deliver(*, message_id: str | uuid.UUID) -> SmsMessage | None:
    """Hand one queued message to its provider. Idempotent: anything not queued is left
    as it is."""
    message = SmsMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.status != SmsStatus.QUEUED:
        return message
    try:
        provider = sms_providers.get(message.provider)
        result = provider.send(to=message.to, body=message.body, message_id=str(message.pk))
    except (SmsProviderError, LookupError) as exc:
        logger.warning("sms delivery failed", extra={"sms_id": str(message.pk)})
        message.status = SmsStatus.FAILED
        message.error = str(exc)[:2000]
        message.save(update_fields=["status", "error", "updated_at"])
        return message
    message.status = SmsStatus.SENT
    message.provider_message_id = result.provider_message_id
    message.sent_at = timezone.now()
    message.error = ""
    message.save(update_fields=["status", "provider_message_id", "sent_at", "error", "updated_at"])
    return message


@task(priority=CRITICAL)
def sms_deliver_task(*, message_id: str) -> None:
    sms_deliver(message_id=message_id)


def sms_deliver_stale(*, older_than_seconds: int) -> int:
    """Deliver the messages still queued after ``older_than_seconds`` (recovery after a
    crash between commit and enqueue). Returns how many were handed to a provider."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stale = SmsMessage.objects.filter(status=SmsStatus.QUEUED, created_at__lt=cutoff)
    delivered = 0
    for message_id in stale.values_list("pk", flat=True)[:500]:
        message = sms_deliver(message_id=message_id)
        delivered += bool(message and message.status == SmsStatus.SENT)
    return delivered


def sms_recipient_erase(*, phone: str) -> int:
    """GDPR erasure: blank the number and body of every SMS sent to ``phone`` and of
    every SMS received from it (found by their keyed hashes). Returns how many."""
    digest = phone_hash(phone)
    now = timezone.now()
    sent = SmsMessage.objects.filter(to_hash=digest).update(
        to="erased", to_hash="", body="", updated_at=now
    )
    received = InboundSms.objects.filter(from_number_hash=digest).update(
        from_number="erased", from_number_hash="", body="", updated_at=now
    )
    return sent + received
