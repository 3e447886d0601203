"""The error codes notifications answers: the stable ``code`` of its errors
(``{"error": {"code": …}}``), registered in the catalogue
(``teranga.core.errors.error_catalogues``); generic codes are ``CoreError``."""

from __future__ import annotations

from enum import StrEnum

from teranga.core.errors import error_catalogues


class NotificationError(StrEnum):
    BROADCAST_LIMIT_REACHED = "broadcast_limit_reached"
    CHANNEL_NOT_USED = "channel_not_used"
    DEVICE_NOT_FOUND = "device_not_found"
    DISCORD_WEBHOOK_LIMIT_REACHED = "discord_webhook_limit_reached"
    DISCORD_WEBHOOK_NOT_FOUND = "discord_webhook_not_found"
    DUPLICATE_NOTIFICATION_TYPES = "duplicate_notification_types"
    EMPTY_MESSAGE = "empty_message"
    INVALID_BODY = "invalid_body"
    INVALID_CHANNELS = "invalid_channels"
    INVALID_DEVICE = "invalid_device"
    INVALID_DISCORD_WEBHOOK = "invalid_discord_webhook"
    INVALID_PHONE = "invalid_phone"
    INVALID_QUIET_HOURS = "invalid_quiet_hours"
    INVALID_SEGMENT_PARAMS = "invalid_segment_params"
    INVALID_SIGNATURE = "invalid_signature"
    INVALID_TITLE = "invalid_title"
    NO_RECIPIENTS = "no_recipients"
    NOTIFICATION_NOT_FOUND = "notification_not_found"
    NOTIFICATION_TYPE_NOT_FOUND = "notification_type_not_found"
    PROVIDER_NOT_FOUND = "provider_not_found"
    TELEGRAM_NOT_CONFIGURED = "telegram_not_configured"
    TELEGRAM_NOT_LINKED = "telegram_not_linked"
    TOO_MANY_RECIPIENTS = "too_many_recipients"
    UNKNOWN_CHANNELS = "unknown_channels"
    UNKNOWN_NOTIFICATION_TYPES = "unknown_notification_types"
    UNKNOWN_SEGMENT = "unknown_segment"
    URGENT_NOTIFICATION_TYPES = "urgent_notification_types"


error_catalogues.register("notifications", NotificationError, origin="notifications")
