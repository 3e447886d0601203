"""What the CRM tells the agency's agents: a lead was assigned to them
(``realestate.lead_assigned``) and a task's reminder (``realestate.task_reminder``).

Sent through the notifications module (its channels, the agent's language, preferences and
quiet hours); times travel as ISO strings with the agency's time zone and are written out
in the recipient's language when rendered. This module only declares the types and their
texts; the services decide when to send them."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.core.links import local_time_text
from teranga.core.priorities import NORMAL
from teranga.platform.notifications.extensions import NotificationType
from teranga.platform.notifications.models import Channel

LEAD_ASSIGNED = "realestate.lead_assigned"
TASK_REMINDER = "realestate.task_reminder"
#: The link kind of a lead (``teranga.core.links``).
LEAD_LINK = "realestate.lead"

#: Staff notices: every channel but SMS.
PREFERRED_CHANNELS = ("email", "push", "websocket", "telegram")


def staff_channels() -> tuple[str, ...]:
    return tuple(channel for channel in PREFERRED_CHANNELS if channel in Channel.values)


def _assigned_title(ctx) -> str:
    return _("New lead: %(client)s") % {"client": ctx.get("client", "")}


def _assigned_body(ctx) -> str:
    return _("%(organization)s assigned you the lead of %(client)s.") % {
        "organization": ctx.get("organization", ""),
        "client": ctx.get("client", ""),
    }


def _when(ctx, key: str) -> str:
    moment = parse_datetime(str(ctx.get(key) or ""))
    return local_time_text(moment, str(ctx.get("time_zone") or "UTC")) if moment else ""


def _reminder_title(ctx) -> str:
    return _("Task reminder: %(title)s") % {"title": ctx.get("title", "")}


def _reminder_body(ctx) -> str:
    return _("Your task “%(title)s” is due on %(when)s.") % {
        "title": ctx.get("title", ""),
        "when": _when(ctx, "due_at"),
    }


SAMPLE = {
    "lead": "00000000-0000-4000-8000-000000000001",
    "task": "00000000-0000-4000-8000-000000000002",
    "client": "Awa Diop",
    "source": "website",
    "organization": "DIGIT-HAB",
    "title": "Rappeler Awa Diop",
    "due_at": "2026-03-03T10:00:00+00:00",
    "time_zone": "Africa/Dakar",
}


def types() -> list[NotificationType]:
    channels = staff_channels()
    return [
        NotificationType(
            name=LEAD_ASSIGNED,
            channels=channels,
            title=_assigned_title,
            body=_assigned_body,
            sample=SAMPLE,
            label=gettext_lazy("Real estate: a lead assigned to me"),
            send_priority=NORMAL,
        ),
        NotificationType(
            name=TASK_REMINDER,
            channels=channels,
            title=_reminder_title,
            body=_reminder_body,
            sample=SAMPLE,
            label=gettext_lazy("Real estate: task reminders"),
            send_priority=NORMAL,
        ),
    ]
