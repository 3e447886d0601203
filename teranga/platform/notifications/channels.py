"""The channels a notification goes out on: email (Django's email backends, anymail
included), SMS (through the SMS outbox), push (FCM, through :mod:`.push`), Telegram
(the user's linked chat, through :mod:`.telegram`) and the user's live socket. Each
sender returns what it handed the message to (:class:`Sent`) or raises :class:`Skip`
(does not apply to this recipient), :class:`Permanent` (trying again would fail the same
way) or any other exception (a transient error: retried with backoff)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from teranga.core.errors import ValidationFailed
from teranga.platform.realtime.broadcast import broadcast, user_group

from .models import Channel, Notification
from .providers.registry import push_provider_current, telegram_provider_current
from .push import PushError, PushSkipped, push_deliver
from .sms_outbox import sms_send
from .telegram import ChatError, TelegramSkipped, telegram_deliver
from .types import notification_type, rendering, sms_text


@dataclass(frozen=True)
class Sent:
    provider: str
    message_id: str = ""


class Skip(Exception):
    """The channel does not apply to this recipient (no address, no verified phone,
    no device)."""


class Permanent(Exception):
    """Trying again would fail the same way."""


def _kind_type(notification: Notification):
    try:
        return notification_type(notification.kind)
    except LookupError as exc:
        raise Permanent(str(exc)) from None


def _language(notification: Notification) -> str:
    return notification.language or getattr(notification.recipient, "language", "")


def email_backend_name() -> str:
    """A short name of the email backend in use: ``smtp``, ``console``, ``locmem``,
    ``amazon_ses``, ``mailgun``, ``brevo`` …"""
    path = str(getattr(settings, "EMAIL_BACKEND", "") or "")
    parts = path.split(".")
    return (parts[-2] if len(parts) >= 2 else path or "email")[:30]


def message_id_domain() -> str:
    """The right-hand side of our Message-IDs: the sender address's domain."""
    from email.utils import parseaddr

    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "teranga.local"


def deliver_email(notification: Notification) -> Sent:
    user = notification.recipient
    if user is None:  # an address that has no account (an invitation)
        address = notification.email
    elif getattr(user, "erased_at", None) or not user.is_active:
        address = ""
    else:
        address = user.email
    if not address:
        raise Skip("no email address")
    kind_type = _kind_type(notification)
    with rendering(_language(notification)):
        email = kind_type.render_email(
            notification.data,
            title=notification.title,
            body=notification.body,
            link=notification.link,
        )
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        to=[address],
        headers={
            "X-Teranga-Notification": str(notification.pk),
            # One Message-ID per notification: should a crash between the hand-off and
            # the record of it make the periodic job send it again, mail systems and
            # clients recognise the copy as the same message.
            "Message-ID": f"<notification.{notification.pk}@{message_id_domain()}>",
        },
    )
    message.attach_alternative(email.html, "text/html")
    message.send()
    status = getattr(message, "anymail_status", None)  # set by django-anymail backends
    return Sent(email_backend_name(), str(getattr(status, "message_id", "") or ""))


def _sms_skip(notification: Notification) -> str:
    user = notification.recipient
    if user is None:
        return "no account"
    if getattr(user, "erased_at", None) or not user.phone or not user.phone_verified:
        return "no verified phone number"
    return ""


def deliver_sms(notification: Notification) -> Sent:
    if reason := _sms_skip(notification):
        raise Skip(reason)
    user = notification.recipient
    kind_type = _kind_type(notification)
    with rendering(_language(notification)):
        text = sms_text(
            kind_type, notification.data, title=notification.title, body=notification.body
        )
    try:
        message = sms_send(to=user.phone.as_e164, body=text, purpose=notification.kind)
    except ValidationFailed as exc:
        raise Permanent(exc.message) from None
    # The outbox row: the provider's own id is recorded there once it has sent it.
    return Sent(message.provider, f"sms:{message.pk}")


def _push_skip(notification: Notification) -> str:
    user = notification.recipient
    if user is None or getattr(user, "erased_at", None) or not user.is_active:
        return "inactive account"
    return ""


def deliver_push(notification: Notification) -> Sent:
    if reason := _push_skip(notification):
        raise Skip(reason)
    try:
        message_id = push_deliver(notification=notification)
    except PushSkipped as exc:
        raise Skip(str(exc) or "no device") from None
    except PushError as exc:
        if not getattr(exc, "retryable", True):
            raise Permanent(str(exc)) from None
        raise  # transient: tried again with backoff
    return Sent(push_provider_current().name[:30], str(message_id or ""))


def notification_payload(notification: Notification) -> dict:
    """What the live socket carries of a notification (as the list endpoint shows it)."""
    return {
        "id": str(notification.pk),
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "link": notification.link,
        "data": notification.data,
        "read_at": notification.read_at,
        "created_at": shown_at(notification),
    }


def shown_at(notification: Notification):
    """When ``notification`` reached the inbox: its ``send_at`` if it was scheduled."""
    return notification.send_at or notification.created_at


def deliver_websocket(notification: Notification) -> Sent:
    if notification.recipient_id is None:
        raise Skip("no account")
    seq = broadcast(
        user_group(notification.recipient_id),
        {"type": "notification", "notification": notification_payload(notification)},
    )
    return Sent("channels", f"seq:{seq}")


def deliver_telegram(notification: Notification) -> Sent:
    if reason := _push_skip(notification):
        raise Skip(reason)
    try:
        message_id = telegram_deliver(notification=notification)
    except TelegramSkipped as exc:
        raise Skip(str(exc)) from None
    except ChatError as exc:
        if not exc.retryable:
            raise Permanent(str(exc)) from None
        raise  # transient (a 429 carries retry_after): tried again with backoff
    return Sent(telegram_provider_current().name[:30], str(message_id or ""))


def _unknown_channel(notification: Notification) -> Sent:
    raise Permanent("unknown channel")


SENDERS: dict[str, Callable[[Notification], Sent]] = {
    Channel.EMAIL: deliver_email,
    Channel.SMS: deliver_sms,
    Channel.PUSH: deliver_push,
    Channel.WEBSOCKET: deliver_websocket,
    Channel.TELEGRAM: deliver_telegram,
}


#: The channels whose senders never touch the database (the email backends, the cache
#: and the channel layer): a failure there has nothing of ours to undo, so their
#: deliveries need no savepoint.
WRITES_NOTHING = frozenset({Channel.EMAIL, Channel.WEBSOCKET})


#: What a channel can tell from the notification alone (no database, no provider): the
#: reason it does not apply to this recipient, or "".
SKIP_CHECKS: dict[str, Callable[[Notification], str]] = {
    Channel.SMS: _sms_skip,
    Channel.PUSH: _push_skip,
    Channel.TELEGRAM: _push_skip,
}


def skip_reason(channel: str, notification: Notification) -> str:
    """Why ``channel`` does not apply to ``notification``'s recipient, known without
    trying (its sender would raise :class:`Skip` with this reason); "" otherwise."""
    check = SKIP_CHECKS.get(channel)
    return check(notification) if check is not None else ""


def sender_for(channel: str) -> Callable[[Notification], Sent]:
    return SENDERS.get(channel, _unknown_channel)
