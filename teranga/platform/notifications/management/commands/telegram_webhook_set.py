"""Register the bot's webhook with Telegram (``setWebhook``): ``PUBLIC_URL`` +
``/api/v1/notifications/telegram/webhook/``, with ``TELEGRAM_WEBHOOK_SECRET`` as the
secret token Telegram repeats in ``X-Telegram-Bot-Api-Secret-Token``. Run once per
deployment (again when ``PUBLIC_URL`` or the secret changes)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from teranga.core.links import public_base
from teranga.platform.notifications.providers.chat_base import ChatError
from teranga.platform.notifications.providers.registry import telegram_provider_current


class Command(BaseCommand):
    help = "Register the Telegram bot's webhook (setWebhook with the secret token)."

    def handle(self, *args, **options) -> None:
        secret = str((getattr(settings, "TELEGRAM", {}) or {}).get("webhook_secret") or "")
        if not secret:
            raise CommandError("TELEGRAM_WEBHOOK_SECRET is empty: set it first.")
        url = f"{public_base()}{reverse('notifications:telegram-webhook')}"
        provider = telegram_provider_current()
        try:
            provider.set_webhook(url=url, secret_token=secret)
        except ChatError as exc:
            raise CommandError(f"Telegram refused the webhook: {exc}") from None
        self.stdout.write(f"Webhook set ({provider.name}): {url}")
