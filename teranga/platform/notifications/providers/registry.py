"""Providers by name: ``settings.SMS_PROVIDER`` picks the SMS provider in use ("sandbox",
"twilio", "orange"), ``settings.PUSH_PROVIDER`` the push provider ("sandbox", "fcm"),
``settings.TELEGRAM_PROVIDER`` and ``settings.DISCORD_PROVIDER`` the chat providers
("sandbox", "telegram"; "sandbox", "discord")."""

from __future__ import annotations

from django.conf import settings

from teranga.core.registry import Registry
from teranga.platform.notifications.providers.base import SmsProvider
from teranga.platform.notifications.providers.chat_base import DiscordProvider, TelegramProvider
from teranga.platform.notifications.providers.chat_sandbox import (
    SandboxDiscordProvider,
    SandboxTelegramProvider,
)
from teranga.platform.notifications.providers.discord import DiscordWebhookProvider
from teranga.platform.notifications.providers.fcm import FcmPushProvider
from teranga.platform.notifications.providers.orange_sms import OrangeSmsProvider
from teranga.platform.notifications.providers.push_base import PushProvider
from teranga.platform.notifications.providers.push_sandbox import SandboxPushProvider
from teranga.platform.notifications.providers.sandbox import SandboxSmsProvider
from teranga.platform.notifications.providers.telegram import TelegramBotProvider
from teranga.platform.notifications.providers.twilio import TwilioSmsProvider

sms_providers: Registry[SmsProvider] = Registry("SMS provider")
for _provider in (SandboxSmsProvider(), TwilioSmsProvider(), OrangeSmsProvider()):
    sms_providers.register(_provider.name, _provider)

push_providers: Registry[PushProvider] = Registry("push provider")
for _push in (SandboxPushProvider(), FcmPushProvider()):
    push_providers.register(_push.name, _push)

telegram_providers: Registry[TelegramProvider] = Registry("Telegram provider")
for _telegram in (SandboxTelegramProvider(), TelegramBotProvider()):
    telegram_providers.register(_telegram.name, _telegram)

discord_providers: Registry[DiscordProvider] = Registry("Discord provider")
for _discord in (SandboxDiscordProvider(), DiscordWebhookProvider()):
    discord_providers.register(_discord.name, _discord)


def sms_provider_current() -> SmsProvider:
    return sms_providers.get(getattr(settings, "SMS_PROVIDER", "sandbox") or "sandbox")


def push_provider_current() -> PushProvider:
    return push_providers.get(getattr(settings, "PUSH_PROVIDER", "sandbox") or "sandbox")


def telegram_provider_current() -> TelegramProvider:
    return telegram_providers.get(getattr(settings, "TELEGRAM_PROVIDER", "sandbox") or "sandbox")


def discord_provider_current() -> DiscordProvider:
    return discord_providers.get(getattr(settings, "DISCORD_PROVIDER", "sandbox") or "sandbox")
