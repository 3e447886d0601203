from django.contrib import admin

from teranga.core.admin import PhoneHashSearchMixin, ReadOnlyModelAdmin, ReadOnlyTabularInline
from teranga.platform.notifications.models import (
    Broadcast,
    Notification,
    NotificationDelivery,
    SmsMessage,
)


@admin.register(SmsMessage)
class SmsMessageAdmin(PhoneHashSearchMixin, ReadOnlyModelAdmin):
    """The SMS outbox, read-only: in the sandbox this is where codes can be read."""

    list_display = ("created_at", "to", "purpose", "status", "provider", "sent_at", "body")
    list_filter = ("status", "provider", "purpose", "created_at")
    search_fields = ("body", "provider_message_id")
    phone_hash_search_fields = ("to_hash",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = [f.name for f in SmsMessage._meta.fields]


class NotificationDeliveryInline(ReadOnlyTabularInline):
    model = NotificationDelivery
    fields = (
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "provider",
        "provider_message_id",
        "sent_at",
        "error",
    )
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(ReadOnlyModelAdmin):
    """Notifications with their deliveries per channel, read-only."""

    list_display = ("created_at", "recipient", "kind", "title", "send_at", "read_at")
    list_filter = ("kind", "deliveries__status", "deliveries__channel", "created_at")
    search_fields = ("recipient__email", "title", "body", "idempotency_key")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = [f.name for f in Notification._meta.fields]
    inlines = [NotificationDeliveryInline]


@admin.register(Broadcast)
class BroadcastAdmin(ReadOnlyModelAdmin):
    """Organisations' broadcasts, read-only (sent through the API by their managers)."""

    list_display = ("created_at", "organization", "segment", "title", "recipients_count")
    list_filter = ("segment", "created_at")
    search_fields = ("organization__name", "title", "body")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = [f.name for f in Broadcast._meta.fields]


from teranga.platform.notifications import device_admin  # noqa: E402, F401  (push devices)
from teranga.platform.notifications.models import InboundSms  # noqa: E402


@admin.register(InboundSms)
class InboundSmsAdmin(PhoneHashSearchMixin, ReadOnlyModelAdmin):
    """What clients texted to our number and what came of it, read-only."""

    list_display = ("created_at", "from_number", "body", "status", "handler", "provider")
    list_filter = ("status", "provider", "handler", "created_at")
    search_fields = ("body", "provider_message_id")
    phone_hash_search_fields = ("from_number_hash",)
    list_select_related = ("reply",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = [f.name for f in InboundSms._meta.fields]


from teranga.platform.notifications import chat_admin  # noqa: E402, F401  (Telegram, Discord)
