"""Rate limits of messaging: sends (REST and socket, one shared budget per user) and the
public widget configuration.

Scopes: ``chat_messages`` (default 60/min per user) and ``support_widget`` (default
60/min per client address). The rates come from ``REST_FRAMEWORK
["DEFAULT_THROTTLE_RATES"]`` when set there, else from the defaults below.
"""

from __future__ import annotations

from types import SimpleNamespace

from rest_framework.settings import api_settings

from teranga.core.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

CHAT_MESSAGES = "chat_messages"
SUPPORT_WIDGET = "support_widget"
DEFAULT_RATES = {CHAT_MESSAGES: "60/min", SUPPORT_WIDGET: "60/min"}


def rate_for(scope: str) -> str:
    return api_settings.DEFAULT_THROTTLE_RATES.get(scope) or DEFAULT_RATES[scope]


class MessagingScopedThrottle(ScopedRateThrottle):
    """ScopedRateThrottle that knows this module's default rates."""

    def get_rate(self):
        return rate_for(self.scope)


#: The throttles of messaging views: the global ones plus the scoped one.
THROTTLE_CLASSES = [AnonRateThrottle, UserRateThrottle, MessagingScopedThrottle]


def socket_send_allowed(user) -> bool:
    """Count a message sent over a socket against the user's ``chat_messages`` budget
    (the same counter as the REST endpoint); False when it is spent."""
    throttle = MessagingScopedThrottle()
    request = SimpleNamespace(user=user, META={})
    view = SimpleNamespace(throttle_scope=CHAT_MESSAGES)
    return throttle.allow_request(request, view)
