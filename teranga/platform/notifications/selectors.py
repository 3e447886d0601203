"""Notification reads."""

from __future__ import annotations

from django.db.models import QuerySet

from teranga.platform.notifications.models import Notification, SmsMessage


def sms_messages_to(*, phone: str) -> QuerySet[SmsMessage]:
    """Every SMS sent to ``phone`` (E.164), newest first."""
    return SmsMessage.objects.filter(to=phone).order_by("-created_at")


def notifications_of(*, user) -> QuerySet[Notification]:
    """The notifications addressed to ``user``, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at")


def notifications_unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
