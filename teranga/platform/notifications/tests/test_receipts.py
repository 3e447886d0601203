"""SMS delivery receipts from Twilio's status callback, verified by signature."""

from __future__ import annotations

from urllib.parse import urlencode

from django.test import override_settings
from twilio.request_validator import RequestValidator

from teranga.platform.notifications import services
from teranga.platform.notifications.models import (
    Channel,
    DeliveryStatus,
    NotificationDelivery,
    SmsMessage,
)

from .test_notifications import deliveries, send

URL = "/api/v1/notifications/receipts/twilio/"
TOKEN = "twilio-auth-token"
FORM = "application/x-www-form-urlencoded"  # what Twilio posts
TWILIO = {"twilio": {"account_sid": "AC1", "auth_token": TOKEN, "from": "+15005550006"}}


def post(api, params, *, token=TOKEN):
    signature = RequestValidator(token).compute_signature(f"http://testserver{URL}", params)
    return api.post(URL, urlencode(params), content_type=FORM, HTTP_X_TWILIO_SIGNATURE=signature)


def sms_delivery(make_user):
    user = make_user("receipt@example.com", phone="+221771234599", phone_verified=True)
    notification = send(user, channels=[Channel.SMS])
    delivery = deliveries(notification)[Channel.SMS]
    services.notification_delivery_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    message = SmsMessage.objects.get(pk=delivery.provider_message_id.removeprefix("sms:"))
    SmsMessage.objects.filter(pk=message.pk).update(provider_message_id="SM123")
    return delivery


def test_delivered_receipt_marks_the_delivery_delivered(api, make_user):
    delivery = sms_delivery(make_user)
    with override_settings(SMS_PROVIDERS=TWILIO):
        response = post(api, {"MessageSid": "SM123", "MessageStatus": "delivered"})
        assert response.status_code == 200, response.content
        assert response.json() == {"outcome": "delivered"}
        again = post(api, {"MessageSid": "SM123", "MessageStatus": "undelivered"})
    assert again.json() == {"outcome": "unchanged"}  # never backwards
    delivery = NotificationDelivery.objects.get(pk=delivery.pk)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.delivered_at


def test_bad_signature_changes_nothing(api, make_user):
    delivery = sms_delivery(make_user)
    with override_settings(SMS_PROVIDERS=TWILIO):
        response = post(api, {"MessageSid": "SM123", "MessageStatus": "delivered"},
                        token="wrong")
        missing = api.post(URL, urlencode({"MessageSid": "SM123", "MessageStatus": "delivered"}),
                           content_type=FORM)
        unknown = post(api, {"MessageSid": "SM999", "MessageStatus": "delivered"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_signature"
    assert missing.status_code == 400
    assert unknown.json() == {"outcome": "unknown_message"}
    assert NotificationDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT
