"""Notification reads."""

from __future__ import annotations

from django.db.models import QuerySet

from teranga.platform.notifications.models import SmsMessage


def sms_messages_to(*, phone: str) -> QuerySet[SmsMessage]:
    """Every SMS sent to ``phone`` (E.164), newest first."""
    return SmsMessage.objects.filter(to=phone).order_by("-created_at")
