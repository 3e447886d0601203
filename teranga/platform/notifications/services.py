"""Notification writes. Every message is a row first, recorded in the caller's
transaction; delivery runs after commit and is idempotent (only queued rows are sent).

* :func:`notification_send` records a Notification and one delivery row per channel of
  its type; :func:`notification_delivery_deliver` hands one delivery to its channel
  (email, SMS through the SMS outbox, the user's live socket).
* :func:`sms_send` records an SMS in the outbox; :func:`sms_deliver` hands it to the
  provider.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound, ValidationFailed
from teranga.platform.notifications.models import (
    Channel,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
    SmsMessage,
    SmsStatus,
)
from teranga.platform.notifications.providers.base import SmsProviderError
from teranga.platform.notifications.providers.registry import sms_provider_current, sms_providers
from teranga.platform.notifications.types import json_context, notification_type, rendering

logger = logging.getLogger(__name__)


def phone_to_e164(value: str) -> str:
    """``value`` as E.164, parsed with the default region (SN); ValidationFailed if it is
    not a valid number."""
    region = getattr(settings, "PHONENUMBER_DEFAULT_REGION", "SN")
    try:
        number = phonenumbers.parse(str(value), region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationFailed(
            _("Enter a valid phone number."),
            code="invalid_phone",
            fields={"to": [_("Enter a valid phone number.")]},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@transaction.atomic
def sms_send(*, to: str, body: str, purpose: str) -> SmsMessage:
    """Record an SMS in the outbox and deliver it through the configured provider once
    the surrounding transaction commits."""
    if not body:
        raise ValidationFailed(_("The message is empty."), code="empty_message")
    provider = sms_provider_current()
    message = SmsMessage.objects.create(
        to=phone_to_e164(to), body=body, purpose=purpose[:50], provider=provider.name
    )
    from teranga.platform.notifications.tasks import sms_deliver_task

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
    """GDPR erasure: blank the recipient and body of every SMS sent to ``phone``."""
    return SmsMessage.objects.filter(to=phone).update(
        to="erased", body="", updated_at=timezone.now()
    )


# --- Notifications ----------------------------------------------------------------------

#: A delivery that fails this many times (a channel error, not a missing address) is
#: marked failed; before that it stays queued and the periodic job tries it again.
MAX_DELIVERY_ATTEMPTS = 5
IDEMPOTENCY_KEY_MAX_LENGTH = 255


@transaction.atomic
def notification_send(
    *,
    recipient,
    kind: str,
    context: dict,
    link: str = "",
    idempotency_key: str,
    channels: Iterable[str] | None = None,
) -> Notification:
    """Tell ``recipient`` about something: record the notification of type ``kind``,
    rendered in the recipient's language from ``context`` (JSON values), and one queued
    delivery per channel of the type, in the caller's transaction. The deliveries run
    once it commits.

    ``idempotency_key`` names the fact being told (e.g. ``booking:<id>:confirmed:…``):
    when a notification with that key exists already — a retry, a second worker — it is
    returned as it is and nothing more is sent.

    ``channels`` narrows the type's channels for this recipient (e.g. no SMS to staff);
    a channel the type does not have is ignored.
    """
    if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValueError("notification_send needs an idempotency_key of 1 to 255 characters")
    existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    kind_type = notification_type(kind)
    data = json_context(context)
    with rendering(getattr(recipient, "language", None)) as language:
        title = kind_type.render_title(data)
        body = kind_type.render_body(data)
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin only undoes this
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=title,
                body=body,
                link=link[:300],
                data=data,
                language=language,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    wanted = kind_type.channels if channels is None else set(channels)
    selected = [channel for channel in kind_type.channels if channel in wanted]
    NotificationDelivery.objects.bulk_create(
        [NotificationDelivery(notification=notification, channel=c) for c in selected]
    )
    if selected:
        from teranga.platform.notifications.tasks import notification_deliver_task

        notification_id = str(notification.pk)
        # robust: the caller's data is committed; a failure to enqueue is recovered by
        # the periodic job (notification_deliveries_redeliver_stale).
        transaction.on_commit(
            lambda: notification_deliver_task.enqueue(notification_id=notification_id),
            robust=True,
        )
    return notification


class _Skip(Exception):
    """The channel does not apply to this recipient (no address, no verified phone)."""


class _Permanent(Exception):
    """Trying again would fail the same way."""


def _email_address(user) -> str:
    if getattr(user, "erased_at", None) or not user.is_active or not user.email:
        raise _Skip("no email address")
    return user.email


def _deliver_email(notification: Notification) -> str:
    address = _email_address(notification.recipient)
    try:
        kind_type = notification_type(notification.kind)
    except LookupError as exc:
        raise _Permanent(str(exc))
    with rendering(notification.language or notification.recipient.language):
        email = kind_type.render_email(
            notification.data, title=notification.title, body=notification.body
        )
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        to=[address],
        headers={"X-Teranga-Notification": str(notification.pk)},
    )
    message.attach_alternative(email.html, "text/html")
    message.send()
    status = getattr(message, "anymail_status", None)  # set by django-anymail backends
    return str(getattr(status, "message_id", "") or "")


def _deliver_sms(notification: Notification) -> str:
    user = notification.recipient
    if getattr(user, "erased_at", None) or not user.phone or not user.phone_verified:
        raise _Skip("no verified phone number")
    try:
        kind_type = notification_type(notification.kind)
    except LookupError as exc:
        raise _Permanent(str(exc))
    with rendering(notification.language or user.language):
        text = kind_type.render_sms(
            notification.data, title=notification.title, body=notification.body
        )
    try:
        message = sms_send(to=user.phone.as_e164, body=text, purpose=notification.kind)
    except ValidationFailed as exc:
        raise _Permanent(exc.message)
    return f"sms:{message.pk}"


def notification_payload(notification: Notification) -> dict:
    """What the live socket carries of a notification (as the list endpoint shows it)."""
    return {
        "id": str(notification.pk),
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "link": notification.link,
        "data": notification.data,
        "read_at": notification.read_at,
        "created_at": notification.created_at,
    }


def _deliver_websocket(notification: Notification) -> str:
    from teranga.platform.realtime.broadcast import broadcast, user_group

    seq = broadcast(
        user_group(notification.recipient_id),
        {"type": "notification", "notification": notification_payload(notification)},
    )
    return f"seq:{seq}"


def _unknown_channel(notification: Notification) -> str:
    raise _Permanent("unknown channel")


_CHANNEL_SENDERS = {
    Channel.EMAIL: _deliver_email,
    Channel.SMS: _deliver_sms,
    Channel.WEBSOCKET: _deliver_websocket,
}


@transaction.atomic
def notification_delivery_deliver(*, delivery_id) -> NotificationDelivery | None:
    """Hand one queued delivery to its channel. Idempotent: the row is locked and
    anything not queued is left as it is. A channel error keeps it queued (the periodic
    job tries again) until :data:`MAX_DELIVERY_ATTEMPTS`, then marks it failed."""
    delivery = NotificationDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.QUEUED:
        return delivery
    notification = Notification.objects.select_related("recipient").get(pk=delivery.notification_id)
    delivery.attempts += 1
    fields = ["status", "attempts", "provider_message_id", "sent_at", "error", "updated_at"]
    sender = _CHANNEL_SENDERS.get(delivery.channel, _unknown_channel)
    try:
        delivery.provider_message_id = sender(notification)[:100]
    except _Skip as exc:
        delivery.status = DeliveryStatus.SKIPPED
        delivery.error = str(exc)
    except _Permanent as exc:
        delivery.status = DeliveryStatus.FAILED
        delivery.error = str(exc)[:2000]
    except Exception as exc:  # a channel error: SMTP, channel layer, network
        logger.warning(
            "notification delivery failed",
            extra={"delivery_id": str(delivery.pk), "channel": delivery.channel},
            exc_info=True,
        )
        delivery.error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= MAX_DELIVERY_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.error = ""
    delivery.save(update_fields=fields)
    return delivery


def notification_deliver(*, notification_id) -> list[NotificationDelivery]:
    """Deliver every queued channel of one notification (each in its own transaction)."""
    delivery_ids = list(
        NotificationDelivery.objects.filter(
            notification_id=notification_id, status=DeliveryStatus.QUEUED
        )
        .order_by("channel")
        .values_list("pk", flat=True)
    )
    return [
        delivery
        for delivery_id in delivery_ids
        if (delivery := notification_delivery_deliver(delivery_id=delivery_id)) is not None
    ]


def notification_deliveries_redeliver_stale(*, older_than_seconds: int) -> int:
    """Deliver what is still queued ``older_than_seconds`` after it was last touched:
    recovery after a crash between commit and enqueue, and retries after a channel
    error. Returns how many were sent."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stale = (
        NotificationDelivery.objects.filter(status=DeliveryStatus.QUEUED, updated_at__lt=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)
    )
    sent = 0
    for delivery_id in list(stale[:500]):
        delivery = notification_delivery_deliver(delivery_id=delivery_id)
        sent += bool(delivery and delivery.status == DeliveryStatus.SENT)
    return sent


@transaction.atomic
def notification_mark_read(*, user, notification_id) -> Notification:
    """Mark one of ``user``'s notifications read (again: unchanged). Another user's is
    404."""
    notification = (
        Notification.objects.select_for_update().filter(recipient=user, pk=notification_id).first()
    )
    if notification is None:
        raise NotFound(code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of ``user`` read; returns how many."""
    now = timezone.now()
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )


@transaction.atomic
def notifications_erase(*, user) -> int:
    """GDPR erasure: delete every notification addressed to ``user``."""
    deleted, _by_model = Notification.objects.filter(recipient=user).delete()
    return deleted
