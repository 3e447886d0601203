"""Discord: an organisation's channels, reached through their webhooks, and the
announcements posted there.

* Managers and above configure the organisation's webhooks (:func:`discord_webhook_create`,
  ``…_update``, ``…_delete``): a name, the webhook URL Discord gave them (validated as a
  Discord webhook URL, stored encrypted, never shown again: only a hint), the
  notification types announced there (``kinds``, at least one: a channel only gets
  what it asked for) and the language they are written in. At most
  :data:`MAX_WEBHOOKS` per organisation.
* :func:`discord_announce` tells an organisation's channels about something: one
  :class:`DiscordMessage` row per matching active webhook, written in the caller's
  transaction (an idempotency key names the fact: a retried call writes nothing more),
  posted after commit by :func:`discord_message_deliver_task`. A failure is retried with
  the notifications' backoff (Discord's ``retry_after`` honoured) by the periodic job
  (:func:`discord_messages_deliver_due`); a webhook Discord says is gone is switched off.
  Products call it through ``notifications.services``; staff broadcasts are announced
  too (kind ``organization.broadcast``).
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from teranga.core.errors import Conflict, NotFound, ValidationFailed
from teranga.core.i18n import normalize_language
from teranga.core.priorities import NORMAL
from teranga.platform.notifications.errors import NotificationError
from teranga.platform.notifications.models import DeliveryStatus, DiscordMessage, DiscordWebhook
from teranga.platform.notifications.providers.chat_base import ChatError, ChatGone
from teranga.platform.notifications.providers.registry import discord_provider_current
from teranga.platform.notifications.types import (
    absolute_url,
    json_context,
    notification_type,
    notification_types_all,
    rendering,
)
from teranga.platform.organizations.access import register_action
from teranga.platform.organizations.models import Role

logger = logging.getLogger(__name__)

DISCORD_MANAGE = "notifications.discord.manage"
MAX_WEBHOOKS = 10
NAME_MAX_LENGTH = 100
URL_MAX_LENGTH = 300
MAX_KINDS = 50
#: A delivery failing this many times is marked failed (as notifications' deliveries).
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 30
#: ``https://discord.com/api/webhooks/<id>/<token>`` (also ``discordapp.com``, ``ptb.``
#: and ``canary.`` hosts, and a versioned ``/api/v10/``).
WEBHOOK_URL = re.compile(
    r"^https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api(?:/v\d{1,2})?/webhooks/"
    r"(?P<id>\d{15,25})/(?P<token>[A-Za-z0-9_-]{20,120})$"
)
GONE = "webhook gone"

# Managers and above configure the organisation's Discord channels.
register_action(DISCORD_MANAGE, Role.MANAGER)


# --- Configuration -----------------------------------------------------------------------


def url_hint(webhook: DiscordWebhook) -> str:
    """What the API shows of a webhook URL: its id, never its token."""
    return f"https://discord.com/api/webhooks/{webhook.webhook_id}/…"


def _webhook_id(url: str) -> str:
    match = WEBHOOK_URL.match(url.strip())
    if match is None:
        message = _("Enter the webhook URL Discord gives (https://discord.com/api/webhooks/…).")
        raise ValidationFailed(
            message, code=NotificationError.INVALID_DISCORD_WEBHOOK, fields={"url": [message]}
        )
    return match.group("id")


def _check_kinds(kinds: list[str]) -> list[str]:
    if not kinds:
        message = _("Choose at least one notification type.")
        raise ValidationFailed(
            message, code=NotificationError.UNKNOWN_NOTIFICATION_TYPES, fields={"kinds": [message]}
        )
    known = {kind_type.name for kind_type in notification_types_all()}
    unknown = sorted({kind for kind in kinds if kind not in known})
    if unknown:
        message = _("Unknown notification types: %(kinds)s.") % {"kinds": ", ".join(unknown)}
        raise ValidationFailed(
            message,
            code=NotificationError.UNKNOWN_NOTIFICATION_TYPES,
            fields={"kinds": [message]},
        )
    return sorted(set(kinds))


def discord_webhooks_of(*, organization) -> QuerySet[DiscordWebhook]:
    """The organisation's webhooks, newest first."""
    return DiscordWebhook.objects.filter(organization=organization).order_by("-created_at", "-pk")


def _webhook_for_update(organization, webhook_id) -> DiscordWebhook:
    webhook = (
        DiscordWebhook.objects.select_for_update()
        .filter(organization=organization, pk=webhook_id)
        .first()
    )
    if webhook is None:
        raise NotFound(
            _("No such Discord webhook."), code=NotificationError.DISCORD_WEBHOOK_NOT_FOUND
        )
    return webhook


def discord_webhook_get(*, organization, webhook_id) -> DiscordWebhook:
    """One of the organisation's webhooks (404 for another organisation's)."""
    webhook = DiscordWebhook.objects.filter(organization=organization, pk=webhook_id).first()
    if webhook is None:
        raise NotFound(
            _("No such Discord webhook."), code=NotificationError.DISCORD_WEBHOOK_NOT_FOUND
        )
    return webhook


@transaction.atomic
def discord_webhook_create(
    *,
    organization,
    user,
    name: str,
    url: str,
    kinds: list[str],
    language: str = "fr",
    is_active: bool = True,
) -> DiscordWebhook:
    webhook_id = _webhook_id(url)
    kinds = _check_kinds(kinds)
    # One writer per organisation at a time: the cap holds under concurrent creates.
    type(organization).objects.select_for_update().filter(pk=organization.pk).first()
    if DiscordWebhook.objects.filter(organization=organization).count() >= MAX_WEBHOOKS:
        raise Conflict(
            _("An organisation has at most %(max)d Discord webhooks.") % {"max": MAX_WEBHOOKS},
            code=NotificationError.DISCORD_WEBHOOK_LIMIT_REACHED,
        )
    return DiscordWebhook.objects.create(
        organization=organization,
        created_by=user,
        name=name.strip(),
        url=url.strip(),
        webhook_id=webhook_id,
        kinds=kinds,
        language=normalize_language(language),
        is_active=is_active,
    )


@transaction.atomic
def discord_webhook_update(*, organization, webhook_id, **changes: Any) -> DiscordWebhook:
    """Change a webhook's ``name``, ``url``, ``kinds``, ``language`` or ``is_active``
    (what is not given stays). An active webhook has no ``disabled_reason``."""
    webhook = _webhook_for_update(organization, webhook_id)
    if "url" in changes:
        webhook.webhook_id = _webhook_id(changes["url"])
        webhook.url = changes["url"].strip()
    if "kinds" in changes:
        webhook.kinds = _check_kinds(changes["kinds"])
    if "name" in changes:
        webhook.name = changes["name"].strip()
    if "language" in changes:
        webhook.language = normalize_language(changes["language"])
    if "is_active" in changes:
        webhook.is_active = bool(changes["is_active"])
    if webhook.is_active:
        webhook.disabled_reason = ""
    webhook.save()
    return webhook


@transaction.atomic
def discord_webhook_delete(*, organization, webhook_id) -> None:
    _webhook_for_update(organization, webhook_id).delete()


# --- Announcements -----------------------------------------------------------------------


def _wants(webhook: DiscordWebhook, kind: str) -> bool:
    return kind in webhook.kinds


def discord_announce(
    *,
    organization,
    kind: str,
    context: dict[str, Any],
    idempotency_key: str,
    link: str = "",
) -> list[DiscordMessage]:
    """Post the notification type ``kind``, rendered from ``context``, to each active
    webhook of ``organization`` that announces it, in the webhook's language: one row
    each, in the caller's transaction, posted after commit. ``idempotency_key`` names
    the fact (e.g. ``clinic.visit:<id>:reminder``); rows that exist already are
    returned as they are and nothing is posted twice. Returns the rows (none when no
    webhook announces ``kind``)."""
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValueError("discord_announce needs an idempotency_key of 1 to 200 characters")
    kind_type = notification_type(kind)
    webhooks = [
        webhook
        for webhook in DiscordWebhook.objects.filter(organization=organization, is_active=True)
        if _wants(webhook, kind)
    ]
    if not webhooks:
        return []
    data = json_context(context)
    keys = {f"{idempotency_key}:{webhook.pk}": webhook for webhook in webhooks}
    with transaction.atomic():
        existing = {
            message.idempotency_key: message
            for message in DiscordMessage.objects.filter(idempotency_key__in=list(keys))
        }
        texts: dict[str, tuple[str, str]] = {}
        created: list[DiscordMessage] = []
        for key, webhook in keys.items():
            if key in existing:
                continue
            if webhook.language not in texts:
                with rendering(webhook.language):
                    texts[webhook.language] = (
                        kind_type.render_title(data),
                        kind_type.render_body(data),
                    )
            title, body = texts[webhook.language]
            try:
                with transaction.atomic():  # a savepoint: a concurrent twin only undoes this
                    created.append(
                        DiscordMessage.objects.create(
                            organization=organization,
                            webhook=webhook,
                            kind=kind,
                            title=title[:256],
                            body=body[:4000],
                            link=link[:300],
                            idempotency_key=key,
                        )
                    )
            except IntegrityError:
                twin = DiscordMessage.objects.filter(idempotency_key=key).first()
                if twin is None:
                    raise
                existing[key] = twin
        for message in created:
            transaction.on_commit(
                lambda mid=str(message.pk): discord_message_deliver_task.enqueue(message_id=mid),
                robust=True,
            )
    return [*existing.values(), *created]


def retry_delay(attempts: int, *, retry_after: float | None = None) -> timedelta:
    seconds = RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    if retry_after:
        seconds = max(seconds, float(retry_after))
    return timedelta(seconds=seconds)


@transaction.atomic
def discord_message_deliver(*, message_id: str | uuid.UUID) -> DiscordMessage | None:
    """Post one queued, due message. Idempotent: the row is locked, and anything not
    queued (or not due yet) is left as it is."""
    message = (
        DiscordMessage.objects.select_for_update(of=("self",))
        .select_related("webhook")
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.status != DeliveryStatus.QUEUED:
        return message
    now = timezone.now()
    if message.next_attempt_at is not None and message.next_attempt_at > now:
        return message
    webhook = message.webhook
    fields = [
        "status",
        "attempts",
        "next_attempt_at",
        "provider",
        "provider_message_id",
        "sent_at",
        "error",
        "updated_at",
    ]
    if not webhook.is_active:
        message.status, message.error, message.next_attempt_at = (
            DeliveryStatus.SKIPPED,
            "webhook switched off",
            None,
        )
        message.save(update_fields=fields)
        return message
    provider = discord_provider_current()
    message.attempts += 1
    message.provider = provider.name[:30]
    try:
        provider_id = provider.send(
            url=webhook.url, title=message.title, body=message.body, link=absolute_url(message.link)
        )
    except ChatGone as exc:
        DiscordWebhook.objects.filter(pk=webhook.pk).update(
            is_active=False, disabled_reason=f"{GONE} ({exc.code})"[:100], updated_at=now
        )
        message.status, message.error, message.next_attempt_at = (
            DeliveryStatus.FAILED,
            str(exc)[:2000],
            None,
        )
    except ChatError as exc:
        message.error = str(exc)[:2000]
        if not exc.retryable or message.attempts >= MAX_ATTEMPTS:
            message.status, message.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            message.next_attempt_at = now + retry_delay(
                message.attempts, retry_after=exc.retry_after
            )
        logger.warning(
            "discord delivery failed",
            extra={"discord_message_id": str(message.pk), "code": exc.code},
        )
    else:
        message.status = DeliveryStatus.SENT
        message.provider_message_id = provider_id[:100]
        message.sent_at = timezone.now()
        message.error = ""
        message.next_attempt_at = None
    message.save(update_fields=fields)
    return message


@task(priority=NORMAL)
def discord_message_deliver_task(*, message_id: str) -> None:
    discord_message_deliver(message_id=message_id)


def discord_messages_deliver_due(*, older_than_seconds: int, limit: int = 500) -> int:
    """Post what is queued and due: retries whose ``next_attempt_at`` has come, and
    (recovery) messages due at once still queued ``older_than_seconds`` after they were
    written. Returns how many were sent."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    due = (
        DiscordMessage.objects.filter(status=DeliveryStatus.QUEUED)
        .filter(
            Q(next_attempt_at__isnull=True, updated_at__lt=cutoff) | Q(next_attempt_at__lte=now)
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for message_id in list(due):
        message = discord_message_deliver(message_id=message_id)
        sent += bool(message and message.status == DeliveryStatus.SENT)
    return sent


def discord_messages_of(*, organization) -> QuerySet[DiscordMessage]:
    return DiscordMessage.objects.filter(organization=organization).order_by("-created_at")
