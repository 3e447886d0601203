"""What calendar sync tells its users: a connection whose access was revoked (the
provider refused our refresh token): reconnect to resume the sync."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.platform.notifications.models import Channel
from teranga.platform.notifications.types import NotificationType

CONNECTION_REVOKED = "calendars.connection_revoked"

PROVIDER_NAMES = {
    "google": gettext_lazy("Google Calendar"),
    "microsoft": gettext_lazy("Outlook / Microsoft 365"),
    "sandbox": gettext_lazy("Sandbox calendar"),
}


def provider_label(name: str) -> str:
    return str(PROVIDER_NAMES.get(name, name))


def _title(ctx) -> str:
    return _("Calendar sync stopped: %(provider)s") % {"provider": provider_label(ctx["provider"])}


def _body(ctx) -> str:
    return _(
        "Teranga can no longer reach your calendar %(account)s: access was revoked or has "
        "expired. Connect it again to keep your bookings in it and your busy times blocked."
    ) % {"account": ctx.get("account") or provider_label(ctx["provider"])}


CONNECTION_REVOKED_TYPE = NotificationType(
    name=CONNECTION_REVOKED,
    channels=(Channel.EMAIL, Channel.PUSH, Channel.WEBSOCKET),
    title=_title,
    body=_body,
    urgent=False,
    sample={"provider": "google", "account": "awa@example.com"},
    label=gettext_lazy("Calendar sync"),
)
