"""Notifications and the SMS outbox.

Every outgoing message is a row first (a Notification with its deliveries, an SmsMessage),
written in the caller's transaction, then handed to a channel after commit."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.encryption import EncryptedTextField, PhoneHashField
from teranga.core.limits import ERROR_MAX_LENGTH, MESSAGE_MAX_LENGTH, NOTE_MAX_LENGTH
from teranga.core.models import BaseModel


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class SmsMessage(BaseModel):
    # Encrypted at rest; looked up (the GDPR erasure) by its keyed hash.
    to = EncryptedTextField(_("to (E.164)"), max_length=20)
    to_hash = PhoneHashField(source="to")
    body = models.TextField(_("body"), max_length=NOTE_MAX_LENGTH)
    purpose = models.CharField(_("purpose"), max_length=50, db_index=True)
    provider = models.CharField(_("provider"), max_length=30)
    status = models.CharField(
        _("status"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, max_length=ERROR_MAX_LENGTH)

    class Meta(BaseModel.Meta):
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} -> {self.to} ({self.status})"


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Push (mobile)")
    WEBSOCKET = "websocket", _("In-app (live)")
    TELEGRAM = "telegram", _("Telegram")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class Notification(BaseModel):
    """Something a user is told about, in their language, kept for their inbox. It is
    written in the transaction of what it tells about, with one delivery row per
    channel; the deliveries run after commit. ``idempotency_key`` makes a retried
    write return the notification already recorded instead of telling twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    #: The address of a recipient who has no account (yet), e.g. an invitation; such a
    #: notification goes by email only and shows in no inbox.
    email = models.EmailField(_("email address"), blank=True)
    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True, max_length=MESSAGE_MAX_LENGTH)
    link = models.CharField(_("link"), max_length=300, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    language = models.CharField(_("language"), max_length=5, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    #: A scheduled notification: recorded now, its deliveries run at ``send_at`` (once).
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    #: Sent by an organisation (a staff broadcast), if any.
    broadcast = models.ForeignKey(
        "notifications.Broadcast",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notif_unread_idx",
            ),
        ]
        constraints = [
            # To an account, or to an address that has none.
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(email=""),
                name="notif_recipient_or_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} -> {self.recipient_id}"


class NotificationDelivery(BaseModel):
    """One channel of one notification: queued, then sent, failed or skipped (e.g. no
    verified phone for SMS). Delivery is idempotent: only a queued row is processed."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.QUEUED,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    #: Not before this time: a scheduled notification, quiet hours, or a retry's backoff.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=30, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, max_length=ERROR_MAX_LENGTH)

    class Meta(BaseModel.Meta):
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="notif_delivery_once_per_channel"
            )
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="notif_delivery_status_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="notif_delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} ({self.status})"


class NotificationPreference(BaseModel):
    """A user's choice for one notification type on one channel (absent: on)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=60)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="notif_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}/{self.channel}: {self.enabled}"


class QuietHours(BaseModel):
    """A user's quiet hours, in their time zone: no SMS or push then (email and the
    in-app inbox are silent anyway); urgent types ignore them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_hours"
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Africa/Dakar")

    class Meta(BaseModel.Meta):
        verbose_name = _("quiet hours")
        verbose_name_plural = _("quiet hours")

    def __str__(self) -> str:
        return f"{self.user_id} {self.starts_at}–{self.ends_at}"


class DevicePlatform(models.TextChoices):
    ANDROID = "android", "Android"
    IOS = "ios", "iOS"
    WEB = "web", "Web"


class Device(BaseModel):
    """A push token (FCM registration token) of one of a user's devices."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices"
    )
    token = models.CharField(_("token"), max_length=512, unique=True)
    platform = models.CharField(_("platform"), max_length=10, choices=DevicePlatform.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    deactivated_reason = models.CharField(max_length=100, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        indexes = [models.Index(fields=["user", "is_active"], name="notif_device_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.platform}"


class Broadcast(BaseModel):
    """A message an organisation's staff send to a segment (everyone waiting in a queue,
    every attendee of an event, every enrolled student …), one notification each."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="broadcasts"
    )
    segment = models.CharField(_("segment"), max_length=60)
    segment_params = models.JSONField(_("segment parameters"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), max_length=NOTE_MAX_LENGTH)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recipients_count = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta(BaseModel.Meta):
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        indexes = [
            models.Index(fields=["organization", "created_at"], name="notif_broadcast_org_idx")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.title}"


class InboundSmsStatus(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    UNANSWERED = "unanswered", _("No reply")
    THROTTLED = "throttled", _("Too many from this number")
    FAILED = "failed", _("Handler failed")


class InboundSms(BaseModel):
    """An SMS a client sent to our number, recorded once per provider message (a
    provider's retry finds the row and is acknowledged without being handled again),
    with what came of it and the reply, if any (see :mod:`.inbound`)."""

    provider = models.CharField(_("provider"), max_length=30)
    provider_message_id = models.CharField(_("provider message id"), max_length=100)
    # Encrypted at rest; looked up by its keyed hash.
    from_number = EncryptedTextField(_("from (E.164)"), max_length=20)
    from_number_hash = PhoneHashField(source="from_number", db_index=False)
    body = models.TextField(_("body"), max_length=NOTE_MAX_LENGTH)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=InboundSmsStatus.choices,
        default=InboundSmsStatus.UNANSWERED,
    )
    handler = models.CharField(_("answered by"), max_length=50, blank=True)
    error = models.TextField(_("error"), blank=True, max_length=ERROR_MAX_LENGTH)
    reply = models.OneToOneField(
        SmsMessage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound",
        verbose_name=_("reply"),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_message_id"], name="notif_inbound_sms_unique"
            )
        ]
        indexes = [
            models.Index(fields=["from_number_hash", "created_at"], name="notif_inbound_from_idx")
        ]

    def __str__(self) -> str:
        return f"{self.from_number}: {self.body[:40]}"


# --- Chat channels: Telegram (per user) and Discord (per organisation) -------------------


class TelegramLink(BaseModel):
    """A user's Telegram chat with our bot. Linking starts with a one-time token (only its
    keyed hash is kept) that the user sends the bot through the deep link
    ``https://t.me/<bot>?start=<token>``; the bot's webhook then records the chat. A chat
    belongs to one account at a time; a chat that blocked the bot is unlinked."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_link"
    )
    chat_id = models.BigIntegerField(_("chat id"), null=True, blank=True, unique=True)
    username = models.CharField(_("Telegram username"), max_length=64, blank=True)
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)
    token_hash = models.CharField(_("link token hash"), max_length=64, blank=True, db_index=True)
    token_expires_at = models.DateTimeField(_("link token expires at"), null=True, blank=True)
    unlinked_reason = models.CharField(_("unlinked because"), max_length=100, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("Telegram link")
        verbose_name_plural = _("Telegram links")

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.chat_id or '-'}"


class DiscordWebhook(BaseModel):
    """An organisation's Discord channel, reached through its webhook URL (a secret:
    stored encrypted, shown only as a hint). Announcements of the notification types in
    ``kinds`` are posted there, in ``language``."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="discord_webhooks"
    )
    name = models.CharField(_("name"), max_length=100)
    url = EncryptedTextField(_("webhook URL"), max_length=1000)
    #: Discord's id of the webhook (not a secret: the token in the URL is).
    webhook_id = models.CharField(_("webhook id"), max_length=30)
    kinds = models.JSONField(_("notification types"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=5, default="fr")
    is_active = models.BooleanField(_("active"), default=True)
    #: Why Discord stopped taking messages (the webhook was deleted …), if it did.
    disabled_reason = models.CharField(_("disabled because"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("Discord webhook")
        verbose_name_plural = _("Discord webhooks")
        indexes = [
            models.Index(fields=["organization", "is_active"], name="notif_discord_org_idx")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.name}"


class DiscordMessage(BaseModel):
    """One announcement to one Discord webhook: a row first, posted after commit,
    retried with backoff (Discord's ``retry_after`` respected) until it is sent or fails."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="discord_messages"
    )
    webhook = models.ForeignKey(DiscordWebhook, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=256)
    body = models.TextField(_("body"), blank=True, max_length=MESSAGE_MAX_LENGTH)
    link = models.CharField(_("link"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=30, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, max_length=ERROR_MAX_LENGTH)

    class Meta(BaseModel.Meta):
        verbose_name = _("Discord message")
        verbose_name_plural = _("Discord messages")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_discord_due_idx"),
            models.Index(fields=["organization", "created_at"], name="notif_discord_msg_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} -> {self.webhook_id} ({self.status})"
