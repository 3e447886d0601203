"""What each user wants to receive: a switch per notification type and channel, and
quiet hours.

* A preference row exists only for a channel the user turned **off** (absent: on).
* Quiet hours hold back SMS, push and Telegram (the channels that buzz a phone) until
  they end; email, the live socket and the in-app inbox go at once. They may cross midnight and
  are read in the user's own time zone.
* Urgent types (:attr:`NotificationType.is_urgent`: money moved, account security) ignore
  both. Preferences never touch the in-app inbox: every notification is kept there.

The pipeline asks :func:`delivery_hold` at delivery time, so a scheduled notification
obeys the preferences of when it fires, not of when it was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from teranga.core.errors import ValidationFailed
from teranga.platform.notifications.errors import NotificationError
from teranga.platform.organizations.models import Membership

from .models import Channel, NotificationPreference, QuietHours
from .types import NotificationType, notification_types_all

#: The channels quiet hours hold back.
QUIET_CHANNELS = frozenset({Channel.SMS, Channel.PUSH, Channel.TELEGRAM})
DEFAULT_TIME_ZONE = "Africa/Dakar"
DISABLED_BY_USER = "disabled by user"


# --- Reads -------------------------------------------------------------------------------


def receivable_types(user) -> list[NotificationType]:
    """The types ``user`` may receive: all, but staff-only ones only for platform staff
    and members of an organisation. One query at most."""
    types = notification_types_all()
    if any(t.staff_only for t in types) and not (
        user.is_staff or Membership.objects.filter(user=user).exists()
    ):
        types = [t for t in types if not t.staff_only]
    return types


def quiet_hours_of(user) -> dict[str, Any]:
    quiet = QuietHours.objects.filter(user=user).first()
    if quiet is None:
        return {
            "enabled": False,
            "starts_at": None,
            "ends_at": None,
            "time_zone": DEFAULT_TIME_ZONE,
        }
    return {
        "enabled": quiet.enabled,
        "starts_at": quiet.starts_at,
        "ends_at": quiet.ends_at,
        "time_zone": quiet.time_zone,
    }


def preferences_of(*, user) -> dict[str, Any]:
    """Every type ``user`` may receive with its channels (on or off), and the quiet hours.
    Three queries whatever the number of types."""
    disabled = set(
        NotificationPreference.objects.filter(user=user, enabled=False).values_list(
            "kind", "channel"
        )
    )
    types = [
        {
            "kind": kind_type.name,
            "label": kind_type.render_label(),
            "urgent": kind_type.is_urgent,
            "channels": {
                channel: kind_type.is_urgent or (kind_type.name, channel) not in disabled
                for channel in kind_type.channels
            },
        }
        for kind_type in receivable_types(user)
    ]
    return {"types": types, "quiet_hours": quiet_hours_of(user)}


# --- Writes ------------------------------------------------------------------------------


def _problems(user, types: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(code, message) for every kind or channel that cannot be set."""
    known = {kind_type.name: kind_type for kind_type in receivable_types(user)}
    kinds = [entry["kind"] for entry in types]
    unknown = sorted({kind for kind in kinds if kind not in known})
    if unknown:
        return [
            (
                NotificationError.UNKNOWN_NOTIFICATION_TYPES,
                _("Unknown notification types: %(kinds)s.") % {"kinds": ", ".join(unknown)},
            )
        ]
    problems = []
    twice = sorted({kind for kind in kinds if kinds.count(kind) > 1})
    if twice:
        problems.append(
            (
                NotificationError.DUPLICATE_NOTIFICATION_TYPES,
                _("Notification types listed twice: %(kinds)s.") % {"kinds": ", ".join(twice)},
            )
        )
    bad_channels = sorted(
        f"{entry['kind']}/{channel}"
        for entry in types
        for channel in entry["channels"]
        if channel not in known[entry["kind"]].channels
    )
    if bad_channels:
        problems.append(
            (
                NotificationError.UNKNOWN_CHANNELS,
                _("These types have no such channel: %(channels)s.")
                % {"channels": ", ".join(bad_channels)},
            )
        )
    urgent = sorted(
        entry["kind"]
        for entry in types
        if known[entry["kind"]].is_urgent and not all(entry["channels"].values())
    )
    if urgent:
        problems.append(
            (
                NotificationError.URGENT_NOTIFICATION_TYPES,
                _("These notifications cannot be turned off: %(kinds)s.")
                % {"kinds": ", ".join(urgent)},
            )
        )
    return problems


@transaction.atomic
def preferences_replace(
    *, user, types: list[dict[str, Any]], quiet_hours: dict[str, Any]
) -> dict[str, Any]:
    """Replace ``user``'s preferences: ``types`` is a list of ``{"kind", "channels":
    {channel: bool}}`` (a type or channel left out is on), ``quiet_hours`` is ``{enabled,
    starts_at, ends_at, time_zone}`` (times needed when enabled). ValidationFailed
    naming every unknown type or channel, and nothing changed, on bad input."""
    problems = _problems(user, types)
    if problems:
        raise ValidationFailed(
            " ".join(message for _code, message in problems),
            code=problems[0][0],
            fields={"types": [message for _code, message in problems]},
        )
    _quiet_hours_check(quiet_hours)
    # One writer per user at a time (a double PUT ends with one of the two, whole).
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    NotificationPreference.objects.filter(user=user).delete()
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, kind=entry["kind"], channel=channel, enabled=False)
            for entry in types
            for channel, enabled in sorted(entry["channels"].items())
            if not enabled
        ]
    )
    _quiet_hours_save(user, quiet_hours)
    return preferences_of(user=user)


def _quiet_hours_check(quiet_hours: dict[str, Any]) -> None:
    if not quiet_hours.get("enabled"):
        return
    starts_at, ends_at = quiet_hours.get("starts_at"), quiet_hours.get("ends_at")
    if starts_at is None or ends_at is None:
        raise ValidationFailed(
            _("Quiet hours need a start and an end."),
            code=NotificationError.INVALID_QUIET_HOURS,
            fields={"quiet_hours": [_("Quiet hours need a start and an end.")]},
        )
    if starts_at == ends_at:
        raise ValidationFailed(
            _("Quiet hours cannot start and end at the same time."),
            code=NotificationError.INVALID_QUIET_HOURS,
            fields={"quiet_hours": [_("Quiet hours cannot start and end at the same time.")]},
        )


def _quiet_hours_save(user, quiet_hours: dict[str, Any]) -> None:
    existing = QuietHours.objects.filter(user=user).first()
    time_zone = quiet_hours.get("time_zone") or DEFAULT_TIME_ZONE
    if not quiet_hours.get("enabled"):
        if existing is not None:
            existing.enabled = False
            existing.time_zone = time_zone
            existing.starts_at = quiet_hours.get("starts_at") or existing.starts_at
            existing.ends_at = quiet_hours.get("ends_at") or existing.ends_at
            existing.save()
        return
    QuietHours.objects.update_or_create(
        user=user,
        defaults={
            "enabled": True,
            "starts_at": quiet_hours["starts_at"],
            "ends_at": quiet_hours["ends_at"],
            "time_zone": time_zone,
        },
    )


# --- The pipeline's question ------------------------------------------------------------


def quiet_until(*, starts_at: time, ends_at: time, time_zone: str, moment: datetime):
    """When the quiet period that ``moment`` falls in ends (aware), or None when
    ``moment`` is outside quiet hours. A period may cross midnight (22:00–07:00)."""
    if starts_at == ends_at:
        return None
    zone = ZoneInfo(time_zone or DEFAULT_TIME_ZONE)
    local = moment.astimezone(zone)
    now = local.time().replace(tzinfo=None)
    today = local.date()
    if starts_at < ends_at:  # within one day
        if not (starts_at <= now < ends_at):
            return None
        end_day = today
    elif now >= starts_at:  # evening part of a period crossing midnight
        end_day = today + timedelta(days=1)
    elif now < ends_at:  # morning part
        end_day = today
    else:
        return None
    return datetime.combine(end_day, ends_at, tzinfo=zone)


@dataclass(frozen=True)
class Hold:
    """Why a delivery does not go now: ``skip`` it for good, or ``defer`` it ``until``."""

    skip: str = ""
    until: datetime | None = None


class RecipientRules:
    """One recipient's switches for one notification type, read once for all the
    channels of a notification (each read on first use, then kept)."""

    def __init__(self, *, user_id, kind: str):
        self.user_id, self.kind = user_id, kind
        self._disabled: frozenset[str] | None = None
        self._quiet: list[QuietHours] | None = None

    def disabled(self, channel: str) -> bool:
        if self._disabled is None:
            self._disabled = frozenset(
                NotificationPreference.objects.filter(
                    user_id=self.user_id, kind=self.kind, enabled=False
                ).values_list("channel", flat=True)
            )
        return channel in self._disabled

    def quiet_hours(self) -> QuietHours | None:
        if self._quiet is None:
            self._quiet = list(QuietHours.objects.filter(user_id=self.user_id, enabled=True)[:1])
        return self._quiet[0] if self._quiet else None


def delivery_hold(
    *,
    user_id,
    kind_type: NotificationType,
    channel: str,
    moment: datetime,
    rules: RecipientRules | None = None,
):
    """A :class:`Hold` when ``user_id``'s preferences or quiet hours stop ``channel`` of
    ``kind_type`` at ``moment``; None when it may go. Urgent types always go. ``rules``:
    the recipient's, already read for another channel of the same notification."""
    if kind_type.is_urgent:
        return None
    rules = rules or RecipientRules(user_id=user_id, kind=kind_type.name)
    if rules.disabled(channel):
        return Hold(skip=DISABLED_BY_USER)
    if channel not in QUIET_CHANNELS:
        return None
    quiet = rules.quiet_hours()
    if quiet is None:
        return None
    until = quiet_until(
        starts_at=quiet.starts_at,
        ends_at=quiet.ends_at,
        time_zone=quiet.time_zone,
        moment=moment,
    )
    return Hold(until=until) if until is not None else None
