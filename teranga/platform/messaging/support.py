"""The support desk of an organisation (seed 004): business hours in its time zone, the
external channels its website widget shows, and what that widget needs to start.

``business_hours`` is a list of ``{"weekday": 0-6 (Monday = 0), "opens": "HH:MM",
"closes": "HH:MM"}`` in the organisation's time zone; a day may have several intervals
(a lunch break), ``"24:00"`` closes at midnight. An empty list means no schedule: the
desk counts as always open (no automatic reply).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import CoreError, ValidationFailed
from teranga.core.phones import phone_parse
from teranga.platform.messaging.embed import widget_embed
from teranga.platform.messaging.errors import MessagingError

DEFAULT_PRIMARY_COLOR = "#D4AF37"  # gold (seed 004 palette)
DEFAULT_PRIMARY_HOVER = "#C5A028"
BLACK = "#000000"
WHITE = "#FFFFFF"
MAX_INTERVALS = 21
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_TELEGRAM = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")
_DISCORD = re.compile(r"^[A-Za-z0-9-]{2,32}$")
_TELEGRAM_PREFIXES = ("https://t.me/", "http://t.me/", "t.me/", "https://telegram.me/", "@")
_DISCORD_PREFIXES = (
    "https://discord.gg/",
    "http://discord.gg/",
    "discord.gg/",
    "https://discord.com/invite/",
    "discord.com/invite/",
)
_WHATSAPP_PREFIXES = ("https://wa.me/", "http://wa.me/", "wa.me/")


# --- Business hours -----------------------------------------------------------------------


def _minutes(value: str, *, closing: bool) -> int | None:
    if closing and value == "24:00":
        return 24 * 60
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if not match:
        return None
    return int(match.group(1)) * 60 + int(match.group(2))


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hours_validate(value: Any) -> list[dict[str, Any]]:
    """``value`` as stored (sorted, canonical); ValidationFailed naming the problem."""

    def fail(message: str) -> ValidationFailed:
        return ValidationFailed(
            message,
            code=MessagingError.INVALID_BUSINESS_HOURS,
            fields={"business_hours": [message]},
        )

    if not isinstance(value, list):
        raise fail(_("Business hours must be a list."))
    if len(value) > MAX_INTERVALS:
        raise fail(_("At most %(count)d intervals.") % {"count": MAX_INTERVALS})
    intervals: list[tuple[int, int, int]] = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"weekday", "opens", "closes"}:
            raise fail(_("Each interval has exactly weekday, opens and closes."))
        weekday = item["weekday"]
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise fail(_("weekday is 0 (Monday) to 6 (Sunday)."))
        opens = _minutes(item["opens"], closing=False)
        closes = _minutes(item["closes"], closing=True)
        if opens is None or closes is None:
            raise fail(_("Times are written HH:MM."))
        if closes <= opens:
            raise fail(_("An interval closes after it opens."))
        intervals.append((weekday, opens, closes))
    intervals.sort()
    for previous, current in zip(intervals, intervals[1:], strict=False):
        if previous[0] == current[0] and current[1] < previous[2]:
            raise fail(_("Intervals of the same day overlap."))
    return [{"weekday": d, "opens": _clock(o), "closes": _clock(c)} for d, o, c in intervals]


def _intervals(hours: list[dict], weekday: int) -> list[tuple[int, int]]:
    found = []
    for item in hours or []:
        if item.get("weekday") == weekday:
            opens = _minutes(item.get("opens", ""), closing=False)
            closes = _minutes(item.get("closes", ""), closing=True)
            if opens is not None and closes is not None and closes > opens:
                found.append((opens, closes))
    return sorted(found)


def _at(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(minutes=minutes)


def _local(time_zone: str, at: datetime | None) -> tuple[ZoneInfo, datetime]:
    zone = ZoneInfo(time_zone or "Africa/Dakar")
    return zone, (at or timezone.now()).astimezone(zone)


def is_open(hours: list[dict], time_zone: str, at: datetime | None = None) -> bool:
    if not hours:
        return True
    zone, now = _local(time_zone, at)
    minutes = now.hour * 60 + now.minute
    return any(o <= minutes < c for o, c in _intervals(hours, now.weekday()))


def hours_on(hours: list[dict], day: date) -> list[dict[str, str]]:
    return [{"opens": _clock(o), "closes": _clock(c)} for o, c in _intervals(hours, day.weekday())]


def closed_since(hours: list[dict], time_zone: str, at: datetime | None = None) -> datetime | None:
    """When the desk last closed, if it is closed at ``at`` (None when open or when it
    has no schedule). The automatic reply is sent once per such closed period."""
    if not hours or is_open(hours, time_zone, at):
        return None
    zone, now = _local(time_zone, at)
    for back in range(8):
        day = now.date() - timedelta(days=back)
        for _opens, closes in reversed(_intervals(hours, day.weekday())):
            end = _at(day, closes, zone)
            if end <= now:
                return end
    return now - timedelta(days=7)


def next_opening(hours: list[dict], time_zone: str, at: datetime | None = None) -> datetime | None:
    """The next time the desk opens after ``at`` (None when open or unscheduled)."""
    if not hours or is_open(hours, time_zone, at):
        return None
    zone, now = _local(time_zone, at)
    for ahead in range(8):
        day = now.date() + timedelta(days=ahead)
        for opens, _closes in _intervals(hours, day.weekday()):
            start = _at(day, opens, zone)
            if start > now:
                return start
    return None


# --- External channels -----------------------------------------------------------------


def _strip_prefix(value: str, prefixes) -> str:
    lowered = value.lower()
    for prefix in prefixes:
        if lowered.startswith(prefix):
            return value[len(prefix) :]
    return value


def _channel_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code=MessagingError.INVALID_CHANNEL, fields={field: [message]})


def whatsapp_normalize(value: str, *, region: str | None = None) -> str:
    """A WhatsApp number (or wa.me link) as E.164; '' stays ''. A wa.me link carries the
    international number without "+"; a number as typed is read in ``region`` (the
    organisation's country; the default region when None)."""
    value = (value or "").strip()
    if not value:
        return ""
    raw = _strip_prefix(value, _WHATSAPP_PREFIXES).split("?")[0].strip("/")
    number = phone_parse(f"+{raw}") if raw.isdigit() else None
    number = number or phone_parse(raw, region=region)
    if number is None:
        raise _channel_error("whatsapp", _("Enter a valid phone number."))
    return number


def telegram_normalize(value: str) -> str:
    """A Telegram username (``@name`` or a t.me link accepted); '' stays ''."""
    value = (value or "").strip()
    if not value:
        return ""
    name = _strip_prefix(value, _TELEGRAM_PREFIXES).strip("/")
    if not _TELEGRAM.match(name):
        raise _channel_error("telegram", _("Enter a Telegram username or t.me link."))
    return name


def discord_normalize(value: str) -> str:
    """A Discord invite code (an invite link accepted); '' stays ''."""
    value = (value or "").strip()
    if not value:
        return ""
    code = _strip_prefix(value, _DISCORD_PREFIXES).strip("/")
    if not _DISCORD.match(code):
        raise _channel_error("discord", _("Enter a Discord invite code or link."))
    return code


def color_normalize(value: str) -> str:
    value = (value or "").strip() or DEFAULT_PRIMARY_COLOR
    if not _COLOR.match(value):
        message = _("Enter a colour as #RRGGBB.")
        raise ValidationFailed(message, code=CoreError.INVALID, fields={"primary_color": [message]})
    return value.upper()


def _hover(color: str) -> str:
    if color.upper() == DEFAULT_PRIMARY_COLOR:
        return DEFAULT_PRIMARY_HOVER
    channels = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c * 0.92):02X}" for c in channels)


def channel_links(support) -> list[dict[str, str]]:
    """The external channels the widget shows, in a stable order, with their links."""
    links = []
    if support.whatsapp:
        links.append(
            {
                "type": "whatsapp",
                "label": support.whatsapp,
                "url": f"https://wa.me/{support.whatsapp.lstrip('+')}",
            }
        )
    if support.telegram:
        links.append(
            {
                "type": "telegram",
                "label": f"@{support.telegram}",
                "url": f"https://t.me/{support.telegram}",
            }
        )
    if support.discord:
        links.append(
            {"type": "discord", "label": "Discord", "url": f"https://discord.gg/{support.discord}"}
        )
    if support.email:
        links.append({"type": "email", "label": support.email, "url": f"mailto:{support.email}"})
    return links


# --- The widget ---------------------------------------------------------------------------


def widget_config(organization, support, *, logo_url: str | None, at=None) -> dict[str, Any]:
    """What a website's support widget needs (``GET /api/v1/support/widget-config/``)."""
    zone, now = _local(organization.time_zone, at)
    hours = support.business_hours or []
    opening = next_opening(hours, organization.time_zone, now)
    return {
        "organization": {
            "id": str(organization.pk),
            "slug": organization.slug,
            "name": organization.name,
            "logo_url": logo_url,
        },
        "enabled": support.enabled,
        "open_now": is_open(hours, organization.time_zone, now),
        "time_zone": organization.time_zone,
        "today": now.date().isoformat(),
        "hours_today": hours_on(hours, now.date()),
        "business_hours": hours,
        "next_opening_at": opening.isoformat() if opening else None,
        "welcome_message": support.welcome_message,
        "colors": {
            "primary": support.primary_color,
            "primary_hover": _hover(support.primary_color),
            "background": BLACK,
            "text": WHITE,
        },
        "channels": channel_links(support),
        "embed": widget_embed(organization.pk),
        "api": {
            "open_conversation": "/api/v1/support/conversations/",
            "my_conversations": f"/api/v1/support/conversations/?organization={organization.pk}",
            "messages": "/api/v1/conversations/{conversation_id}/messages/",
            "read": "/api/v1/conversations/{conversation_id}/read/",
            "websocket": "/ws/chat/{conversation_id}/",
        },
    }
