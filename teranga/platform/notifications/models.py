"""The SMS outbox: every outgoing SMS is a row first, then handed to a provider."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.models import BaseModel


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class SmsMessage(BaseModel):
    to = models.CharField(_("to (E.164)"), max_length=20, db_index=True)
    body = models.TextField(_("body"))
    purpose = models.CharField(_("purpose"), max_length=50, db_index=True)
    provider = models.CharField(_("provider"), max_length=30)
    status = models.CharField(
        _("status"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} -> {self.to} ({self.status})"
