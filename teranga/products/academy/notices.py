"""What the Academy tells its members: a session is coming (``academy.session_reminder``,
24 h and 1 h before, with the member's own check-in link), a session moved
(``academy.session_moved``) or cancelled (``academy.session_cancelled``).

The types go out on every outbound channel the notifications module offers (email,
push, the live socket, and whatever channels it gains, such as Telegram or Discord), in
each recipient's language, under their preferences and quiet hours. Times travel as
ISO strings with the academy's time zone and are written out when the notification is
rendered, in the recipient's language.

This module only declares the types and their texts (``product`` registers them); the
services decide when to send them."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.core.links import local_time_text
from teranga.platform.notifications.extensions import NotificationType
from teranga.platform.notifications.models import Channel

SESSION_REMINDER = "academy.session_reminder"
SESSION_MOVED = "academy.session_moved"
SESSION_CANCELLED = "academy.session_cancelled"
#: The link kinds of the Academy (``teranga.core.links``).
SESSION_LINK = "academy.session"
FORMATION_LINK = "academy.formation"

#: Every outbound channel there is, in this order (the in-app inbox keeps them all).
PREFERRED_CHANNELS = ("email", "push", "websocket", "telegram", "discord", "sms")


def member_channels() -> tuple[str, ...]:
    """The notifications module's channels the Academy's notices use: all but SMS."""
    return tuple(
        channel for channel in PREFERRED_CHANNELS if channel in Channel.values and channel != "sms"
    )


def _when(ctx, key: str = "starts_at") -> str:
    moment = parse_datetime(str(ctx.get(key) or ""))
    return local_time_text(moment, str(ctx.get("time_zone") or "UTC")) if moment else ""


def _reminder_title(ctx) -> str:
    return _("Session reminder: %(formation)s") % {"formation": ctx.get("formation", "")}


def _reminder_body(ctx) -> str:
    body = _("Your session starts on %(when)s on %(platform)s: %(meeting_url)s") % {
        "when": _when(ctx),
        "platform": ctx.get("platform", ""),
        "meeting_url": ctx.get("meeting_url", ""),
    }
    if ctx.get("checkin_url"):
        body += "\n" + _("Check in when it starts: %(url)s") % {"url": ctx["checkin_url"]}
    return body


def _moved_title(ctx) -> str:
    return _("Session moved: %(formation)s") % {"formation": ctx.get("formation", "")}


def _moved_body(ctx) -> str:
    return _("The session of %(previous)s now takes place on %(when)s.") % {
        "previous": _when(ctx, "previous_starts_at"),
        "when": _when(ctx),
    }


def _cancelled_title(ctx) -> str:
    return _("Session cancelled: %(formation)s") % {"formation": ctx.get("formation", "")}


def _cancelled_body(ctx) -> str:
    return _("The session of %(when)s is cancelled.") % {"when": _when(ctx)}


SAMPLE = {
    "session": "00000000-0000-4000-8000-000000000001",
    "formation": "Trading Forex — les bases",
    "organization": "Calmness Trading",
    "starts_at": "2026-03-03T18:00:00+00:00",
    "previous_starts_at": "2026-03-03T17:00:00+00:00",
    "time_zone": "Europe/Paris",
    "platform": "Zoom",
    "meeting_url": "https://zoom.us/j/123456789",
    "checkin_url": "https://teranga.example/academy/checkin/abc/",
}


def types() -> list[NotificationType]:
    channels = member_channels()
    return [
        NotificationType(
            name=SESSION_REMINDER,
            channels=channels,
            title=_reminder_title,
            body=_reminder_body,
            sample=SAMPLE,
            label=gettext_lazy("Trainings: session reminders"),
        ),
        NotificationType(
            name=SESSION_MOVED,
            channels=channels,
            title=_moved_title,
            body=_moved_body,
            sample=SAMPLE,
            label=gettext_lazy("Trainings: a session moved"),
        ),
        NotificationType(
            name=SESSION_CANCELLED,
            channels=channels,
            title=_cancelled_title,
            body=_cancelled_body,
            sample=SAMPLE,
            label=gettext_lazy("Trainings: a session cancelled"),
        ),
    ]


def session_context(session) -> dict:
    """What every notice of ``session`` says (JSON values)."""
    formation = session.formation
    return {
        "session": str(session.pk),
        "formation": formation.title,
        "organization": formation.organization.name,
        "starts_at": session.starts_at.isoformat(),
        "time_zone": formation.organization.time_zone,
        "platform": str(formation.get_platform_display()),
        "meeting_url": formation.meeting_url,
    }
