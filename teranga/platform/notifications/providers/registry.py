"""Providers by name: ``settings.SMS_PROVIDER`` picks the SMS provider in use ("sandbox",
"twilio", "orange"), ``settings.PUSH_PROVIDER`` the push provider ("sandbox", "fcm")."""

from __future__ import annotations

from django.conf import settings

from teranga.core.registry import Registry
from teranga.platform.notifications.providers.base import SmsProvider
from teranga.platform.notifications.providers.fcm import FcmPushProvider
from teranga.platform.notifications.providers.orange_sms import OrangeSmsProvider
from teranga.platform.notifications.providers.push_base import PushProvider
from teranga.platform.notifications.providers.push_sandbox import SandboxPushProvider
from teranga.platform.notifications.providers.sandbox import SandboxSmsProvider
from teranga.platform.notifications.providers.twilio import TwilioSmsProvider

sms_providers: Registry[SmsProvider] = Registry("SMS provider")
for _provider in (SandboxSmsProvider(), TwilioSmsProvider(), OrangeSmsProvider()):
    sms_providers.register(_provider.name, _provider)

push_providers: Registry[PushProvider] = Registry("push provider")
for _push in (SandboxPushProvider(), FcmPushProvider()):
    push_providers.register(_push.name, _push)


def sms_provider_current() -> SmsProvider:
    return sms_providers.get(getattr(settings, "SMS_PROVIDER", "sandbox") or "sandbox")


def push_provider_current() -> PushProvider:
    return push_providers.get(getattr(settings, "PUSH_PROVIDER", "sandbox") or "sandbox")
