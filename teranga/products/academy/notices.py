"""What the Academy tells its members: a session is coming (``academy.session_reminder``,
24 h and 1 h before, with the member's own check-in link), a session moved
(``academy.session_moved``) or cancelled (``academy.session_cancelled``), and their signal
subscription ends in three days (``academy.signal_subscription_ending``, with a link to
the subscription, from where the app offers the academy's plans to renew it).

The types go out on every outbound channel the notifications module offers (email,
push, the live socket, Telegram, and whatever channels it gains), in each recipient's
language, under their preferences and quiet hours. The academy's Discord channels
(webhooks, configured per organisation) that announce a type get one post per session
and fact, in the webhook's language, with the session's public link and no member's
check-in link (``services.sessions.session_announce``). Times travel as
ISO strings with the academy's time zone and are written out when the notification is
rendered, in the recipient's language.

This module only declares the types, their texts and the subscription's link kind (``product``
registers them); the services decide when to send them."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.core.links import LinkKind, local_time_text, summary_of
from teranga.platform.notifications.extensions import NotificationType
from teranga.platform.notifications.models import Channel

SESSION_REMINDER = "academy.session_reminder"
SESSION_MOVED = "academy.session_moved"
SESSION_CANCELLED = "academy.session_cancelled"
SIGNAL_SUBSCRIPTION_ENDING = "academy.signal_subscription_ending"
#: The link kinds of the Academy (``teranga.core.links``).
SESSION_LINK = "academy.session"
FORMATION_LINK = "academy.formation"
SIGNAL_SUBSCRIPTION_LINK = "academy.signal_subscription"

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


# --- Signal subscriptions ---------------------------------------------------------------------


def _ending_title(ctx) -> str:
    return _("Your signal subscription ends soon: %(organization)s") % {
        "organization": ctx.get("organization", "")
    }


def _ending_body(ctx) -> str:
    return _(
        "Your subscription to the trading signals of %(organization)s (%(plan)s) ends on "
        "%(when)s. Renew it with one of the academy's plans to keep receiving them."
    ) % {
        "organization": ctx.get("organization", ""),
        "plan": ctx.get("plan", ""),
        "when": _when(ctx, "ends_at"),
    }


SUBSCRIPTION_SAMPLE = {
    "subscription": "00000000-0000-4000-8000-000000000002",
    "organization": "Calmness Trading",
    "plan": "Mensuel",
    "ends_at": "2026-03-31T18:00:00+00:00",
    "time_zone": "Europe/Paris",
}


def subscription_notification_types() -> list[NotificationType]:
    return [
        NotificationType(
            name=SIGNAL_SUBSCRIPTION_ENDING,
            channels=member_channels(),
            title=_ending_title,
            body=_ending_body,
            sample=SUBSCRIPTION_SAMPLE,
            label=gettext_lazy("Signals: my subscription ends soon"),
        )
    ]


def subscription_context(subscription) -> dict:
    """What the notice of ``subscription``'s end says (JSON values)."""
    organization = subscription.organization
    return {
        "subscription": str(subscription.pk),
        "organization": organization.name,
        "plan": subscription.plan.name,
        "ends_at": subscription.ends_at.isoformat(),
        "time_zone": organization.time_zone,
    }


def _subscription_for(user, subscription_id):
    from .selectors_signals import member_signal_subscriptions

    if not getattr(user, "is_authenticated", False):
        raise LookupError(subscription_id)
    subscription = member_signal_subscriptions(user=user).filter(pk=subscription_id).first()
    if subscription is None:
        raise LookupError(subscription_id)
    return subscription


def _subscription_rows(subscription) -> list[tuple]:
    organization = subscription.organization
    return [
        (_("Academy"), organization.name),
        (_("Plan"), subscription.plan.name),
        (_("Ends"), local_time_text(subscription.ends_at, organization.time_zone)),
    ]


def subscription_link_kind() -> LinkKind:
    """``/o/academy.signal_subscription/<id>/``: the member's subscription (its academy,
    plan and end) for its member; the app (``academy/signal-subscriptions/<id>``) offers
    the academy's plans from there."""
    return LinkKind(
        SIGNAL_SUBSCRIPTION_LINK,
        gettext_lazy("Signal subscription"),
        "academy/signal-subscriptions/{id}",
        summary=summary_of(_subscription_for, _subscription_rows),
    )
