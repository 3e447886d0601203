"""Staff broadcasts: an organisation's managers send one message to a segment of people
(everyone waiting in a queue, every attendee of an event, every enrolled student, the
clients with an upcoming booking …).

* Products declare their segments in their contract (``Product.broadcast_segments``)::

      broadcast_segments={"clinic.upcoming_patients": Segment(
          label=_("Patients with an upcoming visit"),
          params=UpcomingParams,                   # a DRF serializer class
          recipients=upcoming_patients,            # (organization, params) -> QuerySet[User]
      )}

  The params serializer gets ``context={"organization": organization}`` so it can check
  that ids it is given belong to the organisation.
* :func:`broadcast_send` records the Broadcast and one "organization.broadcast"
  notification per recipient in one transaction (idempotency key
  ``broadcast:<id>:<user id>``); they are delivered after commit, on the channels asked,
  as each recipient's preferences and quiet hours allow. The organisation's Discord
  channels that announce ``organization.broadcast`` get it too (:mod:`.discord`).
* Limits: at most :data:`MAX_RECIPIENTS` recipients, and :data:`BROADCASTS_PER_HOUR`
  broadcasts per organisation per hour (the API also throttles each user, scope
  ``broadcasts``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from rest_framework import status

from teranga.core.errors import ApplicationError, Conflict, ValidationFailed
from teranga.core.registry import Registry
from teranga.platform.notifications.errors import NotificationError
from teranga.platform.organizations.access import get_organization_for, register_action
from teranga.platform.organizations.models import Organization, Role

from .discord import discord_announce
from .models import Broadcast, Channel
from .services import notifications_send_bulk
from .types import NotificationType, json_context, notification_type_register

BROADCAST_KIND = "organization.broadcast"
BROADCAST_SEND = "notifications.broadcast"
BROADCASTS_VIEW = "notifications.broadcasts.view"
#: A broadcast reaches at most this many people (a larger segment is refused).
MAX_RECIPIENTS = 5000
#: How many broadcasts one organisation may send in an hour.
BROADCASTS_PER_HOUR = 10
TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 2000
CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.PUSH, Channel.WEBSOCKET, Channel.TELEGRAM)

# Managers and above send broadcasts and list them (platform staff may read the list).
register_action(BROADCAST_SEND, Role.MANAGER)
register_action(BROADCASTS_VIEW, Role.MANAGER, staff=True)


# --- The notification type -----------------------------------------------------------------


def _title(ctx: dict[str, Any]) -> str:
    return str(ctx.get("title") or "") or _("Message from %(organization)s") % {
        "organization": ctx.get("organization", "")
    }


def _body(ctx: dict[str, Any]) -> str:
    sender = _("Sent by %(organization)s.") % {"organization": ctx.get("organization", "")}
    return f"{ctx.get('body', '')}\n\n{sender}".strip()


def _sms(ctx: dict[str, Any]) -> str:
    return f"{ctx.get('organization', '')}: {ctx.get('title', '')}\n{ctx.get('body', '')}".strip()


broadcast_type = notification_type_register(
    NotificationType(
        name=BROADCAST_KIND,
        channels=CHANNELS,
        title=_title,
        body=_body,
        sms=_sms,
        label=gettext_lazy("Messages from organisations"),
    )
)


# --- Segments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Who a broadcast may go to. ``params`` is a DRF serializer class validating the
    segment's parameters; ``recipients(organization, params)`` returns the users."""

    label: Any
    recipients: Callable[[Organization, dict[str, Any]], QuerySet]
    params: type | None = None
    description: Any = ""


broadcast_segments: Registry[Segment] = Registry("broadcast segment")


def segment_params_validate(
    segment: Segment, organization: Organization, params: dict[str, Any] | None
) -> dict[str, Any]:
    """``params`` validated by the segment's serializer (ValidationFailed, code
    ``invalid_segment_params``, when they are not right)."""
    params = params or {}
    if not isinstance(params, dict):
        raise ValidationFailed(
            _("The segment parameters must be an object."),
            code=NotificationError.INVALID_SEGMENT_PARAMS,
            fields={"params": [_("The segment parameters must be an object.")]},
        )
    if segment.params is None:
        if params:
            raise ValidationFailed(
                _("This segment takes no parameters."),
                code=NotificationError.INVALID_SEGMENT_PARAMS,
                fields={"params": [_("This segment takes no parameters.")]},
            )
        return {}
    serializer = segment.params(data=params, context={"organization": organization})
    if not serializer.is_valid():
        raise ValidationFailed(
            _("The segment parameters are not valid."),
            code=NotificationError.INVALID_SEGMENT_PARAMS,
            fields={"params": serializer.errors},
        )
    return dict(serializer.validated_data)


class TooManyBroadcasts(ApplicationError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = NotificationError.BROADCAST_LIMIT_REACHED
    default_message = gettext_noop(
        "This organisation has sent too many broadcasts in the last hour."
    )


def _channels(channels: Iterable[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(channels or ()))
    unknown = sorted(set(chosen) - set(CHANNELS))
    if unknown or not chosen:
        message = (
            _("Unknown channels: %(channels)s.") % {"channels": ", ".join(unknown)}
            if unknown
            else _("Choose at least one channel.")
        )
        raise ValidationFailed(
            message, code=NotificationError.INVALID_CHANNELS, fields={"channels": [message]}
        )
    return [channel for channel in CHANNELS if channel in chosen]


def _per_hour() -> int:
    return int(getattr(settings, "NOTIFICATIONS_BROADCASTS_PER_HOUR", BROADCASTS_PER_HOUR))


_TEXT_CODES = {"title": NotificationError.INVALID_TITLE, "body": NotificationError.INVALID_BODY}


def _text(value: str, name: str, limit: int) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        message = _("Between 1 and %(limit)d characters.") % {"limit": limit}
        raise ValidationFailed(message, code=_TEXT_CODES[name], fields={name: [message]})
    return value


@transaction.atomic
def broadcast_send(
    *,
    actor,
    organization_id,
    segment: str,
    params: dict[str, Any] | None,
    title: str,
    body: str,
    channels: Iterable[str] | None,
) -> Broadcast:
    """Send ``title``/``body`` from the organisation to everyone in ``segment``.

    404 when ``actor`` is not a member (or no such organisation), 403 below manager;
    400 ``unknown_segment``, ``invalid_segment_params``, ``invalid_channels``,
    ``invalid_title``, ``invalid_body``; 409 ``no_recipients``, ``too_many_recipients``;
    429 ``broadcast_limit_reached``. Nothing is recorded on error."""
    organization = get_organization_for(actor, organization_id, BROADCAST_SEND)
    try:
        chosen = broadcast_segments.get(segment)
    except LookupError:
        message = _("Unknown segment: %(segment)s.") % {"segment": segment}
        raise ValidationFailed(
            message, code=NotificationError.UNKNOWN_SEGMENT, fields={"segment": [message]}
        )
    clean_params = segment_params_validate(chosen, organization, params)
    title = _text(title, "title", TITLE_MAX_LENGTH)
    body = _text(body, "body", BODY_MAX_LENGTH)
    selected = _channels(channels)
    # The organisation's row serializes its broadcasts: the hourly count is exact.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    since = timezone.now() - timedelta(hours=1)
    if Broadcast.objects.filter(organization=organization, created_at__gte=since).count() >= (
        _per_hour()
    ):
        raise TooManyBroadcasts(
            _("This organisation has sent %(count)d broadcasts in the last hour; try later.")
            % {"count": _per_hour()}
        )
    recipients = list(
        chosen.recipients(organization, clean_params)
        .filter(is_active=True, erased_at__isnull=True)
        .distinct()
        .order_by("pk")[: MAX_RECIPIENTS + 1]
    )
    if not recipients:
        raise Conflict(_("Nobody is in this segment."), code=NotificationError.NO_RECIPIENTS)
    if len(recipients) > MAX_RECIPIENTS:
        raise Conflict(
            _("A broadcast reaches at most %(count)d people; narrow the segment.")
            % {"count": MAX_RECIPIENTS},
            code=NotificationError.TOO_MANY_RECIPIENTS,
        )
    broadcast = Broadcast.objects.create(
        organization=organization,
        segment=segment,
        segment_params=json_context(clean_params),
        title=title,
        body=body,
        channels=selected,
        created_by=actor,
        recipients_count=len(recipients),
    )
    notifications_send_bulk(
        recipients=recipients,
        kind=BROADCAST_KIND,
        context={
            "title": title,
            "body": body,
            "organization": organization.name,
            "organization_id": str(organization.pk),
            "broadcast_id": str(broadcast.pk),
        },
        idempotency_key=lambda user: f"broadcast:{broadcast.pk}:{user.pk}",
        channels=selected,
        broadcast=broadcast,
    )
    # The organisation's Discord channels that announce broadcasts get it too.
    discord_announce(
        organization=organization,
        kind=BROADCAST_KIND,
        context={"title": title, "body": body, "organization": organization.name},
        idempotency_key=f"broadcast:{broadcast.pk}",
    )
    return broadcast


def broadcasts_of(*, actor, organization_id) -> QuerySet[Broadcast]:
    """The organisation's broadcasts, newest first (managers and above, staff)."""
    organization = get_organization_for(actor, organization_id, BROADCASTS_VIEW)
    return Broadcast.objects.filter(organization=organization).order_by("-created_at")


def segments_available() -> list[tuple[str, Segment]]:
    return [(name, broadcast_segments.get(name)) for name in broadcast_segments.names()]
