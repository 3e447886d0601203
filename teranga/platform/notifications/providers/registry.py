"""SMS providers by name; ``settings.SMS_PROVIDER`` picks the one in use."""

from __future__ import annotations

from django.conf import settings

from teranga.core.registry import Registry
from teranga.platform.notifications.providers.base import SmsProvider
from teranga.platform.notifications.providers.sandbox import SandboxSmsProvider

sms_providers: Registry[SmsProvider] = Registry("SMS provider")
sms_providers.register(SandboxSmsProvider.name, SandboxSmsProvider())


def sms_provider_current() -> SmsProvider:
    return sms_providers.get(getattr(settings, "SMS_PROVIDER", "sandbox") or "sandbox")
