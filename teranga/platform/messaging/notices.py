"""What messaging tells people through the notifications module: "chat.message", a new
message in one of their conversations, and "chat.invitation", an invitation to a group
(``services.consent``: someone who shares nothing with the adder is invited, never added).

Recorded in the sending transaction (one notification per recipient, idempotency key
``chat:<message id>:<user id>``), delivered after commit on the type's channels —
email, SMS, push, in-app live — as each recipient's preferences and quiet hours allow.

Who is told: the active participants other than the sender who have not muted the
conversation and are not connected to its socket right now (they see the message
live). A support conversation that no agent has joined yet tells its organisation's
agents instead.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.core.links import object_link
from teranga.platform.notifications.models import Channel
from teranga.platform.notifications.services import notification_send
from teranga.platform.notifications.types import NotificationType, notification_type_register

from .links import CONVERSATION, INVITATION

CHAT_MESSAGE = "chat.message"
CHAT_INVITATION = "chat.invitation"
PREVIEW_LENGTH = 120


def _title(ctx: dict[str, Any]) -> str:
    values = {
        "sender": ctx.get("sender") or _("Teranga user"),
        "conversation": ctx.get("title", ""),
    }
    if ctx.get("kind") == "group" and values["conversation"]:
        return _("%(sender)s in %(conversation)s") % values
    if ctx.get("kind") == "support" and ctx.get("organization"):
        return _("%(organization)s support: new message") % {"organization": ctx["organization"]}
    return _("New message from %(sender)s") % values


def _body(ctx: dict[str, Any]) -> str:
    preview = ctx.get("preview") or ""
    if preview:
        return preview
    if ctx.get("attachments"):
        return _("Sent an attachment.")
    return _("New message.")


def _sms(ctx: dict[str, Any]) -> str:
    # One GSM-7 segment where possible: the title and a short preview.
    preview = _body(ctx)
    if len(preview) > 80:
        preview = preview[:79] + "…"
    return f"{_title(ctx)}: {preview}"


chat_message_type = notification_type_register(
    NotificationType(
        name=CHAT_MESSAGE,
        channels=(Channel.EMAIL, Channel.SMS, Channel.PUSH, Channel.WEBSOCKET),
        title=_title,
        body=_body,
        sms=_sms,
        label=gettext_lazy("Chat messages"),
        sample={
            "conversation": "6f1c2b1e-0000-4000-8000-000000000001",
            "kind": "private",
            "title": "",
            "organization": "",
            "sender": "Awa Diop",
            "preview": "Bonjour ! On se retrouve à 18 h pour réviser ?",
            "attachments": 0,
            "message": "6f1c2b1e-0000-4000-8000-000000000002",
            "seq": 12,
        },
    )
)


def preview(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1] + "…"


def chat_message_notify(*, message, conversation, recipients) -> int:
    """Record a "chat.message" notification for each of ``recipients`` (users)."""
    sender = message.sender
    context = {
        "conversation": str(conversation.pk),
        "kind": conversation.kind,
        "title": conversation.title,
        "organization": conversation.organization.name if conversation.organization_id else "",
        "sender": (getattr(sender, "full_name", "") if sender else "") or "",
        "preview": preview(message.body),
        "attachments": len(getattr(message, "checked_attachments", ()) or ()),
        "message": str(message.pk),
        "seq": message.seq,
    }
    link = object_link(CONVERSATION, conversation.pk)
    for user in recipients:
        notification_send(
            recipient=user,
            kind=CHAT_MESSAGE,
            context=context,
            link=link,
            idempotency_key=f"chat:{message.pk}:{user.pk}",
        )
    return len(recipients)


def _invitation_title(ctx: dict[str, Any]) -> str:
    return _("%(inviter)s invited you to the group %(conversation)s") % {
        "inviter": ctx.get("inviter") or _("Teranga user"),
        "conversation": ctx.get("title", ""),
    }


def _invitation_body(ctx: dict[str, Any]) -> str:
    return _("Accept the invitation to join the conversation, or decline it.")


chat_invitation_type = notification_type_register(
    NotificationType(
        name=CHAT_INVITATION,
        channels=(Channel.EMAIL, Channel.PUSH, Channel.WEBSOCKET),
        title=_invitation_title,
        body=_invitation_body,
        label=gettext_lazy("Invitations to group conversations"),
        sample={
            "invitation": "6f1c2b1e-0000-4000-8000-000000000003",
            "conversation": "6f1c2b1e-0000-4000-8000-000000000001",
            "title": "Club trading UCAD",
            "inviter": "Awa Diop",
        },
    )
)


def chat_invitation_notify(*, invitation, conversation, inviter) -> None:
    """Record a "chat.invitation" notification for the invitee: once per invitation
    sent (a renewed invitation is told again)."""
    context = {
        "invitation": str(invitation.pk),
        "conversation": str(conversation.pk),
        "title": conversation.title,
        "inviter": (getattr(inviter, "full_name", "") if inviter else "") or "",
    }
    notification_send(
        recipient=invitation.user,
        kind=CHAT_INVITATION,
        context=context,
        link=object_link(INVITATION, invitation.pk),
        idempotency_key=f"chat-invitation:{invitation.pk}:{invitation.updated_at.isoformat()}",
    )
