"""Telegram: linking a user's Telegram chat to their account, the bot's webhook, and the
Telegram channel of notifications.

* Linking: :func:`telegram_link_start` makes a one-time token (only its keyed hash is
  stored, valid :data:`LINK_TTL_MINUTES`) and the deep link
  ``https://t.me/<bot>?start=<token>``. Opening it sends the bot ``/start <token>``;
  Telegram posts that update to our webhook, verified with the
  ``X-Telegram-Bot-Api-Secret-Token`` header (:func:`telegram_webhook_secret_valid`), and
  :func:`telegram_update_receive` records the chat for the token's user. A chat belongs
  to one account: linking it again from another account moves it. ``/stop`` in the chat,
  or :func:`telegram_unlink` from the app, unlinks.
* The bot answers in the webhook's response (Telegram's "reply with a method" — no call
  of ours), in the user's language.
* Delivery (:func:`telegram_deliver`, called by the Telegram channel): plain text to the
  linked chat. A chat that blocked the bot (403) is unlinked; a 429's ``retry_after`` is
  honoured by the pipeline's retry.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.encryption import keyed_hash
from teranga.core.errors import NotFound, ValidationFailed
from teranga.platform.notifications.errors import NotificationError
from teranga.platform.notifications.models import TelegramLink
from teranga.platform.notifications.providers.chat_base import ChatError, ChatGone
from teranga.platform.notifications.providers.registry import telegram_provider_current
from teranga.platform.notifications.types import absolute_url, rendering

logger = logging.getLogger(__name__)

__all__ = ["ChatError", "TelegramSkipped", "telegram_deliver"]

LINK_TTL_MINUTES = 15
TOKEN_PURPOSE = "notifications.telegram_link"
#: What a deep-link start parameter may hold (Telegram: 1-64 of A-Z a-z 0-9 _ -).
START_TOKEN = re.compile(r"^/start(?:@\w+)?\s+([A-Za-z0-9_-]{1,64})\s*$")
STOP_COMMAND = re.compile(r"^/stop(?:@\w+)?\s*$")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UNLINKED_BY_USER = "unlinked by user"
UNLINKED_FROM_TELEGRAM = "stopped from telegram"
UNLINKED_MOVED = "linked to another account"
BLOCKED = "blocked the bot"


class TelegramSkipped(Exception):
    """Nothing to send to: no linked chat, or the recipient is no longer active."""


def bot_username() -> str:
    return str((getattr(settings, "TELEGRAM", {}) or {}).get("bot_username") or "")


def _token_hash(token: str) -> str:
    return keyed_hash(token, purpose=TOKEN_PURPOSE)


# --- Reads -------------------------------------------------------------------------------


def telegram_link_of(*, user) -> TelegramLink | None:
    """``user``'s Telegram link row, linked or not (None: never asked)."""
    return TelegramLink.objects.filter(user=user).first()


# --- Linking from the app ----------------------------------------------------------------


@dataclass(frozen=True)
class LinkStart:
    deep_link: str
    expires_at: datetime
    bot_username: str


@transaction.atomic
def telegram_link_start(*, user) -> LinkStart:
    """A new one-time link for ``user`` (the previous one, if any, stops working). The
    chat already linked, if any, stays linked until the new link is used."""
    username = bot_username()
    if not username:
        raise ValidationFailed(
            _("Telegram is not available."), code=NotificationError.TELEGRAM_NOT_CONFIGURED
        )
    token = secrets.token_urlsafe(24)  # 32 characters of A-Z a-z 0-9 _ -
    expires_at = timezone.now() + timedelta(minutes=LINK_TTL_MINUTES)
    TelegramLink.objects.update_or_create(
        user=user, defaults={"token_hash": _token_hash(token), "token_expires_at": expires_at}
    )
    return LinkStart(
        deep_link=f"https://t.me/{quote(username)}?start={token}",
        expires_at=expires_at,
        bot_username=username,
    )


@transaction.atomic
def telegram_unlink(*, user) -> None:
    """Stop sending ``user`` Telegram messages (404 ``telegram_not_linked`` when no chat
    is linked)."""
    link = TelegramLink.objects.select_for_update().filter(user=user).first()
    if link is None or link.chat_id is None:
        raise NotFound(
            _("No Telegram account is linked."), code=NotificationError.TELEGRAM_NOT_LINKED
        )
    _unlink(link, reason=UNLINKED_BY_USER)


def _unlink(link: TelegramLink, *, reason: str) -> None:
    link.chat_id = None
    link.username = ""
    link.linked_at = None
    link.unlinked_reason = reason[:100]
    link.save(update_fields=["chat_id", "username", "linked_at", "unlinked_reason", "updated_at"])


@transaction.atomic
def telegram_links_erase(*, user) -> int:
    """GDPR erasure: forget ``user``'s Telegram chat; returns how many rows went."""
    deleted, _by_model = TelegramLink.objects.filter(user=user).delete()
    return deleted


# --- The bot's webhook -------------------------------------------------------------------


def telegram_webhook_secret_valid(secret: str | None) -> bool:
    """Whether ``secret`` (the header Telegram sent) is ours; always False while
    ``TELEGRAM_WEBHOOK_SECRET`` is empty."""
    expected = str((getattr(settings, "TELEGRAM", {}) or {}).get("webhook_secret") or "")
    return bool(expected) and hmac.compare_digest(str(secret or "").encode(), expected.encode())


def _reply(chat_id: int, text: str) -> dict[str, Any]:
    """Telegram's "reply with a method": the answer to the webhook sends this message."""
    return {"method": "sendMessage", "chat_id": chat_id, "text": text}


@transaction.atomic
def telegram_update_receive(*, update: dict[str, Any]) -> dict[str, Any]:
    """Handle one update of the bot: ``/start <token>`` links the private chat to the
    token's user, ``/stop`` unlinks it; anything else is acknowledged and ignored.
    Returns the webhook's answer: a ``sendMessage`` for the chat, or ``{}``."""
    message = update.get("message") if isinstance(update, dict) else None
    if not isinstance(message, dict):
        return {}
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    text = str(message.get("text") or "").strip()
    chat_id = chat.get("id")
    if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat.get("type") != "private":
        return {}
    language = str(sender.get("language_code") or "")[:5]
    if STOP_COMMAND.match(text):
        link = (
            TelegramLink.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(chat_id=chat_id)
            .first()
        )
        if link is not None:
            _unlink(link, reason=UNLINKED_FROM_TELEGRAM)
            language = getattr(link.user, "language", "") or language
        with rendering(language):
            return _reply(chat_id, _("You will no longer receive notifications here."))
    match = START_TOKEN.match(text)
    if match is None:
        if not text.startswith("/start"):
            return {}
        with rendering(language):
            return _reply(
                chat_id, _("To receive your notifications here, open the link from the app.")
            )
    now = timezone.now()
    link = (
        TelegramLink.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(token_hash=_token_hash(match.group(1)), token_expires_at__gt=now)
        .first()
    )
    if link is None or not link.user.is_active or getattr(link.user, "erased_at", None):
        with rendering(language):
            return _reply(
                chat_id,
                _("This link has expired or was already used. Ask the app for a new one."),
            )
    # A chat belongs to one account: another account that had it loses it.
    for previous in (
        TelegramLink.objects.select_for_update().filter(chat_id=chat_id).exclude(pk=link.pk)
    ):
        _unlink(previous, reason=UNLINKED_MOVED)
    link.chat_id = chat_id
    link.username = str(sender.get("username") or "")[:64]
    link.linked_at = now
    link.token_hash = ""
    link.token_expires_at = None
    link.unlinked_reason = ""
    link.save()
    logger.info("telegram chat linked", extra={"user_id": str(link.user_id)})
    with rendering(getattr(link.user, "language", "") or language):
        return _reply(
            chat_id,
            _(
                "Your Teranga account is linked. Your notifications will arrive here; "
                "send /stop to end them."
            ),
        )


# --- Delivery ----------------------------------------------------------------------------


def telegram_text(notification) -> str:
    """The plain text of ``notification`` on Telegram: title, body and link."""
    parts = [str(notification.title or "").strip(), str(notification.body or "").strip()]
    if url := absolute_url(notification.link):
        parts.append(url)
    return "\n\n".join(part for part in parts if part)


def telegram_deliver(*, notification) -> str:
    """Send ``notification`` to its recipient's linked chat; returns the message id.
    Raises TelegramSkipped (no linked chat: the link is dropped when the user blocked
    the bot) or ChatError (``retryable``, with ``retry_after`` on a 429)."""
    link = (
        TelegramLink.objects.filter(user_id=notification.recipient_id, chat_id__isnull=False)
        .only("pk", "chat_id")
        .first()
    )
    if link is None:
        raise TelegramSkipped("no linked Telegram chat")
    try:
        return telegram_provider_current().send(
            chat_id=link.chat_id, text=telegram_text(notification)
        )
    except ChatGone as exc:
        TelegramLink.objects.filter(pk=link.pk, chat_id=link.chat_id).update(
            chat_id=None,
            username="",
            linked_at=None,
            unlinked_reason=BLOCKED if exc.code == "blocked" else f"telegram: {exc.code}"[:100],
            updated_at=timezone.now(),
        )
        logger.info("telegram chat gone, unlinked", extra={"code": exc.code})
        raise TelegramSkipped(f"telegram chat unlinked ({exc.code})") from None
