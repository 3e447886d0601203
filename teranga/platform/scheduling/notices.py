"""What the engine tells people about bookings.

The engine's services call :func:`announce` inside their transaction; the notifications
are recorded there (through the notifications module) and delivered after commit. Who
hears of what:

* the client: created, confirmed, cancelled, rescheduled, reminder;
* the business — the staff member who is the resource, or else the organisation's
  owners, admins and managers: the same, and ``needs_attention`` (business only).

Every notification has an idempotency key naming the booking, the event, its status and
start and the recipient, so a retried announcement never tells anyone twice. Texts are
rendered in each recipient's language; times are shown in the booking's time zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_date, format_time, get_datetime_format
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from teranga.platform.notifications.models import Channel
from teranga.platform.notifications.services import notification_send
from teranga.platform.notifications.types import NotificationType
from teranga.platform.organizations.models import Membership, Role

from .availability import zone
from .links import booking_link, notice_namespaces
from .models import Booking
from .selectors import client_display_name

EVENTS = ("created", "confirmed", "cancelled", "rescheduled", "reminder", "needs_attention")
#: Events only the business hears of.
BUSINESS_ONLY_EVENTS = frozenset({"needs_attention"})
#: Events that may happen again at the same start and status: their key also carries
#: the length of the booking's history (one event per change).
REPEATABLE_EVENTS = frozenset({"rescheduled", "needs_attention"})
#: Who hears of bookings of a resource that is not a staff member.
BUSINESS_ROLES = (Role.OWNER, Role.ADMIN, Role.MANAGER)
#: Clients get SMS (when their phone is verified) for what cannot wait; staff do not.
CLIENT_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.PUSH, Channel.WEBSOCKET)
BUSINESS_CHANNELS = (Channel.EMAIL, Channel.WEBSOCKET)

CLIENT = "client"
BUSINESS = "business"


# --- Formatting ----------------------------------------------------------------------------


def format_when(value: str | datetime | None, time_zone: str) -> str:
    """``value`` (an ISO string or an aware datetime) as a local date and time in
    ``time_zone``, in the active language: "lundi 2 mars 2026, 10:00"."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return ""
    local = value.astimezone(zone(time_zone or "Africa/Dakar"))
    locale = translation.to_locale(translation.get_language() or "fr")
    try:
        pattern = get_datetime_format("long", locale=locale)
    except (ValueError, LookupError):
        locale = "fr"
        pattern = get_datetime_format("long", locale=locale)
    return (
        str(pattern)
        .replace("'", "")
        .replace("{1}", format_date(local, "full", locale=locale))
        .replace("{0}", format_time(local, "short", locale=locale))
    )


def _fields(ctx: dict[str, Any]) -> dict[str, str]:
    """The placeholders every text may use."""
    return {
        "title": ctx.get("title", ""),
        "organization": ctx.get("organization", ""),
        "client": ctx.get("client_name") or _("a client"),
        "when": format_when(ctx.get("starts_at"), ctx.get("time_zone", "")),
        "previous": format_when(ctx.get("previous_starts_at"), ctx.get("time_zone", "")),
        "reason": ctx.get("reason", ""),
    }


def _with_reason(text: str, ctx: dict[str, Any]) -> str:
    if ctx.get("reason"):
        return f"{text}\n" + _("Reason: %(reason)s") % {"reason": ctx["reason"]}
    return text


def _for_client(ctx: dict[str, Any]) -> bool:
    return ctx.get("audience") == CLIENT


# --- Texts, per event ------------------------------------------------------------------------


def _created_title(ctx):
    if not _for_client(ctx):
        return _("New booking")
    if ctx.get("status") == "confirmed":
        return _("Booking confirmed")
    return _("Booking request received")


def _created_body(ctx):
    f = _fields(ctx)
    if _for_client(ctx):
        if ctx.get("status") == "confirmed":
            return _("Your booking “%(title)s” with %(organization)s on %(when)s is confirmed.") % f
        return (
            _(
                "Your booking request “%(title)s” with %(organization)s on %(when)s has been "
                "received. The business will confirm it."
            )
            % f
        )
    text = _("%(client)s booked “%(title)s” on %(when)s.") % f
    if ctx.get("status") == "pending":
        text += "\n" + _("It awaits your confirmation.")
    return text


def _confirmed_title(ctx):
    return _("Booking confirmed")


def _confirmed_body(ctx):
    f = _fields(ctx)
    if _for_client(ctx):
        return _("Your booking “%(title)s” with %(organization)s on %(when)s is confirmed.") % f
    return _("The booking of %(client)s for “%(title)s” on %(when)s is confirmed.") % f


def _cancelled_title(ctx):
    return _("Booking cancelled")


def _cancelled_body(ctx):
    f = _fields(ctx)
    by_client = ctx.get("status") == "cancelled_by_client"
    if _for_client(ctx):
        if by_client:
            text = _("Your booking “%(title)s” with %(organization)s on %(when)s is cancelled.")
        else:
            text = _("%(organization)s cancelled your booking “%(title)s” on %(when)s.")
    elif by_client:
        text = _("%(client)s cancelled the booking “%(title)s” on %(when)s.")
    else:
        text = _("The booking of %(client)s for “%(title)s” on %(when)s is cancelled.")
    return _with_reason(text % f, ctx)


def _rescheduled_title(ctx):
    return _("Booking moved")


def _rescheduled_body(ctx):
    f = _fields(ctx)
    if _for_client(ctx):
        text = _(
            "Your booking “%(title)s” with %(organization)s is moved from %(previous)s to %(when)s."
        )
    else:
        text = _(
            "The booking of %(client)s for “%(title)s” is moved from %(previous)s to %(when)s."
        )
    return _with_reason(text % f, ctx)


def _delay(ctx) -> str:
    minutes = int(ctx.get("offset_minutes") or 0)
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def _reminder_title(ctx):
    if _for_client(ctx):
        return _("Reminder: %(title)s") % {"title": ctx.get("title", "")}
    return _("Upcoming booking: %(title)s") % {"title": ctx.get("title", "")}


def _reminder_body(ctx):
    f = {**_fields(ctx), "delay": _delay(ctx)}
    if _for_client(ctx):
        return _("Your booking “%(title)s” with %(organization)s is in %(delay)s, on %(when)s.") % f
    return _("%(client)s is booked for “%(title)s” in %(delay)s, on %(when)s.") % f


def _reminder_sms(ctx):
    f = {**_fields(ctx), "delay": _delay(ctx)}
    if _for_client(ctx):
        return _("Reminder: “%(title)s” with %(organization)s on %(when)s.") % f
    return _reminder_body(ctx)


def _needs_attention_title(ctx):
    return _("A booking needs attention")


def _needs_attention_body(ctx):
    f = _fields(ctx)
    return (
        _(
            "The booking of %(client)s for “%(title)s” on %(when)s is now outside the "
            "availability. Cancel or reschedule it."
        )
        % f
    )


#: The engine's own namespace: the notices of a booking whose product chose none.
NAMESPACE = "scheduling"
_RENDERERS = (
    ("created", _created_title, _created_body, None, gettext_lazy("New bookings")),
    ("confirmed", _confirmed_title, _confirmed_body, None, gettext_lazy("Booking confirmations")),
    ("cancelled", _cancelled_title, _cancelled_body, None, gettext_lazy("Booking cancellations")),
    ("rescheduled", _rescheduled_title, _rescheduled_body, None, gettext_lazy("Booking changes")),
    ("reminder", _reminder_title, _reminder_body, _reminder_sms, gettext_lazy("Booking reminders")),
    (
        "needs_attention",
        _needs_attention_title,
        _needs_attention_body,
        None,
        gettext_lazy("Bookings that need attention"),
    ),
)


def notice_types(namespace: str) -> list[NotificationType]:
    """The engine's six notification types (``<namespace>.created`` … ``.needs_attention``)
    with its texts. The engine registers them under its own namespace; a product that
    wants its bookings' notices under its own name declares ``notice_types("<its name>")``
    among its notification types and that namespace for its booking source (or writes
    its own types under those names)."""
    return [
        NotificationType(
            name=f"{namespace}.{event}",
            channels=CLIENT_CHANNELS if event not in BUSINESS_ONLY_EVENTS else BUSINESS_CHANNELS,
            title=title,
            body=body,
            sms=sms,
            staff_only=event in BUSINESS_ONLY_EVENTS,
            label=label,
        )
        for event, title, body, sms, label in _RENDERERS
    ]


def notice_namespace(source: str) -> str:
    """The namespace of the notices of bookings from ``source``."""
    return notice_namespaces.get(source) if source in notice_namespaces else NAMESPACE


# --- Recipients and announcement -----------------------------------------------------------


def business_recipients(booking: Booking) -> list:
    """The staff member who is the resource; else the organisation's owners, admins and
    managers. Inactive (e.g. erased) accounts are left out."""
    resource = booking.resource
    if resource.user_id is not None:
        user = resource.user
        return [user] if user.is_active else []
    memberships = (
        Membership.objects.filter(
            organization_id=booking.organization_id,
            role__in=BUSINESS_ROLES,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("created_at")
    )
    return [membership.user for membership in memberships]


def _recipients(booking: Booking, event: str) -> list[tuple[Any, str]]:
    """(user, audience) pairs, the client first; one person is told once."""
    pairs: list[tuple[Any, str]] = []
    if event not in BUSINESS_ONLY_EVENTS and booking.client_id is not None:
        client = booking.client
        if client is not None and client.is_active:
            pairs.append((client, CLIENT))
    seen = {user.pk for user, _audience in pairs}
    for user in business_recipients(booking):
        if user.pk not in seen:
            seen.add(user.pk)
            pairs.append((user, BUSINESS))
    return pairs


def _context(booking: Booking, event: str, audience: str, extra: dict[str, Any]) -> dict:
    client = booking.client if booking.client_id is not None else None
    context: dict[str, Any] = {
        "booking_id": str(booking.pk),
        "source": booking.source,
        "event": event,
        "audience": audience,
        "title": booking.title,
        "organization": booking.organization.name,
        "organization_id": str(booking.organization_id),
        "client_name": client_display_name(client),
        "status": booking.status,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "time_zone": booking.time_zone,
    }
    if event == "cancelled":
        context["reason"] = booking.cancellation_reason
    if event == "needs_attention":
        context["reason"] = booking.attention_reason
    if extra.get("reason"):
        context["reason"] = extra["reason"]
    if extra.get("previous_starts_at") is not None:
        context["previous_starts_at"] = extra["previous_starts_at"]
    if extra.get("offset_minutes") is not None:
        context["offset_minutes"] = int(extra["offset_minutes"])
    return context


def idempotency_key(booking: Booking, event: str, recipient, **extra: Any) -> str:
    parts = [
        "booking",
        str(booking.pk),
        event,
        booking.status,
        booking.starts_at.isoformat(),
    ]
    if event == "reminder":
        parts.insert(3, str(int(extra["offset_minutes"])))
    elif event in REPEATABLE_EVENTS:
        # Which change of the booking this is (its history grows by one per change).
        parts.append(str(extra.get("revision", 0)))
    parts.append(str(recipient.pk))
    return ":".join(parts)


def announce(booking: Booking, event: str, **extra: Any) -> list:
    """Record the notifications of ``event`` on ``booking`` in the current transaction
    (delivered after commit). ``extra``: ``previous_starts_at`` (rescheduled),
    ``offset_minutes`` (reminder), ``reason``. Returns the notifications."""
    if event not in EVENTS:
        raise ValueError(f"unknown booking event {event!r}")
    link = booking_link(booking)
    namespace = notice_namespace(booking.source)
    if event in REPEATABLE_EVENTS:
        extra = {**extra, "revision": booking.events.count()}
    notifications = []
    for recipient, audience in _recipients(booking, event):
        notifications.append(
            notification_send(
                recipient=recipient,
                kind=f"{namespace}.{event}",
                context=_context(booking, event, audience, extra),
                link=link,
                idempotency_key=idempotency_key(booking, event, recipient, **extra),
                channels=CLIENT_CHANNELS if audience == CLIENT else BUSINESS_CHANNELS,
            )
        )
    return notifications
