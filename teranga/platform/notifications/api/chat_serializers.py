"""Telegram and Discord: what the API shows of a user's Telegram link and of an
organisation's Discord webhooks, and what configuring them takes."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from teranga.core.serializers import BaseModelSerializer, Serializer
from teranga.platform.notifications.discord import (
    MAX_KINDS,
    NAME_MAX_LENGTH,
    URL_MAX_LENGTH,
    url_hint,
)
from teranga.platform.notifications.models import DiscordWebhook

# --- Telegram ----------------------------------------------------------------------------


class TelegramStatusSerializer(serializers.Serializer):
    """Whether my Telegram chat is linked (notifications with the ``telegram`` channel
    then reach it, as my preferences allow)."""

    linked = serializers.BooleanField(read_only=True)
    username = serializers.CharField(
        read_only=True, help_text="My Telegram username when linked (may be empty)."
    )
    linked_at = serializers.DateTimeField(read_only=True, allow_null=True)
    unlinked_reason = serializers.CharField(
        read_only=True,
        help_text="Why the chat was unlinked, if it was: `unlinked by user`, `stopped from "
        "telegram` (/stop), `blocked the bot`, `linked to another account`. Empty otherwise.",
    )
    bot_username = serializers.CharField(read_only=True, help_text="The bot to talk to.")


class TelegramLinkStartSerializer(serializers.Serializer):
    """A one-time link: open it on the phone (Telegram starts the bot with the token)."""

    deep_link = serializers.URLField(
        read_only=True, help_text="https://t.me/<bot>?start=<one-time token>"
    )
    expires_at = serializers.DateTimeField(read_only=True)
    bot_username = serializers.CharField(read_only=True)


class TelegramUpdateSerializer(serializers.Serializer):
    """An update as Telegram posts it (https://core.telegram.org/bots/api#update): only
    ``message`` (with ``chat``, ``from`` and ``text``) is read; other fields are ignored."""

    update_id = serializers.IntegerField()
    message = serializers.DictField(required=False)


class TelegramWebhookAnswerSerializer(serializers.Serializer):
    """Empty, or a Bot API method Telegram runs for us (the bot's reply)."""

    method = serializers.CharField(required=False, help_text="`sendMessage`")
    chat_id = serializers.IntegerField(required=False)
    text = serializers.CharField(required=False)


# --- Discord -----------------------------------------------------------------------------


class DiscordWebhookSerializer(BaseModelSerializer):
    """One of the organisation's Discord channels. The webhook URL is a secret: only a
    hint with the webhook's id is shown."""

    url_hint = serializers.SerializerMethodField(
        help_text="The webhook URL without its token: https://discord.com/api/webhooks/<id>/…"
    )
    kinds = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Notification types announced."
    )

    class Meta:
        model = DiscordWebhook
        fields = [
            "id",
            "name",
            "url_hint",
            "webhook_id",
            "kinds",
            "language",
            "is_active",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "disabled_reason": {
                "help_text": "Why posting stopped: `webhook gone (…)` when Discord answered "
                "that the webhook no longer exists. Empty while active."
            }
        }

    def get_url_hint(self, webhook: DiscordWebhook) -> str:
        return url_hint(webhook)


class DiscordWebhookInputSerializer(Serializer):
    """A Discord channel webhook to announce notifications to (unknown fields refused)."""

    name = serializers.CharField(max_length=NAME_MAX_LENGTH, help_text=_("e.g. #announcements"))
    url = serializers.CharField(
        max_length=URL_MAX_LENGTH,
        write_only=True,
        help_text=_("The webhook URL from Discord: https://discord.com/api/webhooks/<id>/<token>"),
    )
    kinds = serializers.ListField(
        child=serializers.CharField(max_length=60),
        min_length=1,
        max_length=MAX_KINDS,
        help_text=_("The notification types to announce, e.g. organization.broadcast."),
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default="fr")
    is_active = serializers.BooleanField(default=True)
