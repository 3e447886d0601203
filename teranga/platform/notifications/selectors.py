"""Notification reads."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.encryption import phone_hash
from teranga.core.errors import NotFound, ValidationFailed
from teranga.platform.notifications.errors import NotificationError
from teranga.platform.notifications.models import (
    Channel,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
    SmsMessage,
)
from teranga.platform.notifications.sms_text import gsm7_encodable, sms_segments
from teranga.platform.notifications.types import (
    notification_type,
    rendering,
    sample_context,
    sms_text,
)

#: The error a delivery of a scheduled notification that was called off carries.
CANCELLED = "cancelled"


def sms_messages_to(*, phone: str) -> QuerySet[SmsMessage]:
    """Every SMS sent to ``phone`` (E.164), newest first."""
    return SmsMessage.objects.filter(to_hash=phone_hash(phone)).order_by("-created_at")


def notification_visible(now: datetime | None = None) -> Q:
    """The notifications an inbox shows at ``now``: not scheduled, or scheduled for a
    time that has come and not called off before it."""
    now = now or timezone.now()
    cancelled = NotificationDelivery.objects.filter(
        notification=OuterRef("pk"), status=DeliveryStatus.SKIPPED, error=CANCELLED
    )
    return Q(send_at__isnull=True) | (Q(send_at__lte=now) & ~Exists(cancelled))


def notifications_of(*, user) -> QuerySet[Notification]:
    """The notifications addressed to ``user`` that the inbox shows, newest first by
    ``shown_at`` (when each reached the inbox: its ``send_at`` if it was scheduled)."""
    return (
        Notification.objects.filter(notification_visible(), recipient=user)
        .annotate(shown_at=Coalesce("send_at", "created_at"))
        .order_by("-shown_at")
    )


def notifications_unread_count(*, user) -> int:
    return Notification.objects.filter(
        notification_visible(), recipient=user, read_at__isnull=True
    ).count()


# --- Types and previews (platform staff) ------------------------------------------------

#: The link a preview's email button carries.
PREVIEW_LINK = "/api/v1/notifications/"


def notification_type_preview(*, kind: str, language: str, channel: str | None) -> dict:
    """``kind`` rendered with its sample context in ``language`` for ``channel`` (by
    default its first channel): ``{subject, text, html}`` for email, ``{text, segments,
    encoding}`` for SMS, ``{title, body}`` otherwise. NotFound for an unknown type,
    ValidationFailed for a channel the type does not use."""
    try:
        kind_type = notification_type(kind)
    except LookupError:
        raise NotFound(
            _("No such notification type."), code=NotificationError.NOTIFICATION_TYPE_NOT_FOUND
        )
    if not channel and kind_type.channels:
        channel = kind_type.channels[0]
    if channel not in kind_type.channels:
        message = _("This notification type is not sent by %(channel)s.") % {"channel": channel}
        raise ValidationFailed(
            message, code=NotificationError.CHANNEL_NOT_USED, fields={"channel": [message]}
        )
    context = sample_context(kind_type)
    with rendering(language) as active:
        title = kind_type.render_title(context)
        body = kind_type.render_body(context)
        result: dict = {"kind": kind, "language": active, "channel": channel}
        if channel == Channel.EMAIL:
            email = kind_type.render_email(context, title=title, body=body, link=PREVIEW_LINK)
            result.update(subject=email.subject, text=email.text, html=email.html)
        elif channel == Channel.SMS:
            text = sms_text(kind_type, context, title=title, body=body)
            result.update(
                text=text,
                segments=sms_segments(text),
                encoding="gsm7" if gsm7_encodable(text) else "ucs2",
            )
        else:
            result.update(title=title, body=body)
    return result
