"""Telegram links and Discord webhooks in the admin. Link tokens and webhook URLs are
secrets: neither is shown (only the webhook's id)."""

from django.contrib import admin

from teranga.core.admin import ReadOnlyModelAdmin
from teranga.platform.notifications.models import DiscordMessage, DiscordWebhook, TelegramLink


@admin.register(TelegramLink)
class TelegramLinkAdmin(ReadOnlyModelAdmin):
    """Whose Telegram chat is linked, and why a link ended."""

    list_display = ("user", "chat_id", "username", "linked_at", "unlinked_reason", "updated_at")
    list_filter = ("unlinked_reason",)
    search_fields = ("user__email", "username")
    list_select_related = ("user",)
    ordering = ("-updated_at",)
    fields = readonly_fields = (
        "user",
        "chat_id",
        "username",
        "linked_at",
        "token_expires_at",
        "unlinked_reason",
        "created_at",
        "updated_at",
    )


@admin.register(DiscordWebhook)
class DiscordWebhookAdmin(admin.ModelAdmin):
    """Organisations' Discord channels (configured through the API by their managers);
    staff may switch one off."""

    list_display = (
        "organization",
        "name",
        "webhook_id",
        "language",
        "is_active",
        "disabled_reason",
    )
    list_filter = ("is_active", "language")
    search_fields = ("organization__name", "name", "webhook_id")
    list_select_related = ("organization",)
    ordering = ("-created_at",)
    fields = (
        "organization",
        "name",
        "webhook_id",
        "kinds",
        "language",
        "is_active",
        "disabled_reason",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = (
        "organization",
        "name",
        "webhook_id",
        "kinds",
        "language",
        "disabled_reason",
        "created_by",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(DiscordMessage)
class DiscordMessageAdmin(ReadOnlyModelAdmin):
    """The Discord outbox, read-only."""

    list_display = ("created_at", "organization", "kind", "title", "status", "attempts", "provider")
    list_filter = ("status", "provider", "kind", "created_at")
    search_fields = ("organization__name", "title", "idempotency_key")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = [f.name for f in DiscordMessage._meta.fields]
