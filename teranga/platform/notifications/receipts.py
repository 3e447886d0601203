"""Delivery receipts: a provider telling us a message reached the handset.

Twilio calls ``TWILIO_STATUS_CALLBACK_URL`` (our ``/api/v1/notifications/receipts/twilio/``)
with the message's SID and status; the request is verified with Twilio's own
``RequestValidator`` (HMAC-SHA1 of the URL and the form parameters with the auth token,
``X-Twilio-Signature``) before anything is read. ``delivered`` moves the notification's
SMS delivery from sent to delivered; ``undelivered``/``failed`` to failed. A receipt
never moves a delivery backwards, and an unknown SID changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from twilio.request_validator import RequestValidator

from .models import DeliveryStatus, NotificationDelivery, SmsMessage

DELIVERED = frozenset({"delivered", "read"})
UNDELIVERED = frozenset({"undelivered", "failed"})


def twilio_signature_valid(*, url: str, params: dict, signature: str) -> bool:
    token = getattr(settings, "SMS_PROVIDERS", {}).get("twilio", {}).get("auth_token", "")
    if not token or not signature:
        return False
    return RequestValidator(token).validate(url, params, signature)


@transaction.atomic
def sms_receipt_apply(*, provider_message_id: str, status: str) -> str:
    """Apply a provider's status for one SMS; returns what happened."""
    message = SmsMessage.objects.filter(provider_message_id=provider_message_id).first()
    if message is None:
        return "unknown_message"
    delivery = (
        NotificationDelivery.objects.select_for_update()
        .filter(provider_message_id=f"sms:{message.pk}")
        .first()
    )
    if delivery is None:
        return "no_notification"
    if status in DELIVERED and delivery.status == DeliveryStatus.SENT:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.save(update_fields=["status", "delivered_at", "updated_at"])
        return "delivered"
    if status in UNDELIVERED and delivery.status == DeliveryStatus.SENT:
        delivery.status = DeliveryStatus.FAILED
        delivery.error = f"provider: {status}"
        delivery.save(update_fields=["status", "error", "updated_at"])
        return "failed"
    return "unchanged"
