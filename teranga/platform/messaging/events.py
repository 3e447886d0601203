"""One JSON representation of conversations, participants and messages: for the REST
API, the WebSocket snapshot, the live events and catch-up.

A deleted message keeps its row (``deleted_at`` set): its body and attachments are
shown to its sender only; everyone else (and every live event) sees them blank.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Attachment, Conversation, Message, Participant

#: The fields of a user that :func:`user_data` reads (what lists load of each user).
USER_DATA_FIELDS = ("first_name", "last_name", "avatar")


def user_data(user) -> dict[str, Any] | None:
    """What other people see of a user: id, name and avatar — never the email."""
    if user is None:
        return None
    avatar = getattr(user, "avatar", None)
    return {
        "id": str(user.pk),
        "name": getattr(user, "full_name", "") or _("Teranga user"),
        "avatar": avatar.url if avatar else None,
    }


def attachment_data(attachment: Attachment) -> dict[str, Any]:
    message = attachment.message
    return {
        "id": str(attachment.pk),
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": reverse(
            "messaging:attachment-download",
            kwargs={
                "conversation_id": message.conversation_id,
                "message_id": message.pk,
                "attachment_id": attachment.pk,
            },
        ),
    }


def message_data(message: Message, *, viewer_id=None) -> dict[str, Any]:
    """A message as ``viewer_id`` sees it (None: as a live event, for everyone).

    Expects ``sender`` selected and ``attachments`` prefetched (or cached) to stay at
    a constant number of queries.
    """
    hidden = message.deleted_at is not None and (
        viewer_id is None or str(viewer_id) != str(message.sender_id)
    )
    attachments = (
        []
        if hidden
        else [
            attachment_data(a)
            for a in sorted(message.attachments.all(), key=lambda a: a.created_at)
        ]
    )
    return {
        "id": str(message.pk),
        "conversation": str(message.conversation_id),
        "seq": message.seq,
        "kind": message.kind,
        "sender": user_data(message.sender) if message.sender_id else None,
        "body": "" if hidden else message.body,
        "attachments": attachments,
        "client_id": message.client_id,
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "deleted_at": message.deleted_at,
    }


def participant_data(participant: Participant, *, online: bool | None = None) -> dict[str, Any]:
    data = {
        "user": user_data(participant.user),
        "role": participant.role,
        "last_read_seq": participant.last_read_seq,
        "last_read_at": participant.last_read_at,
        "joined_at": participant.created_at,
    }
    if online is not None:
        data["online"] = online
    return data


def conversation_data(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": str(conversation.pk),
        "kind": conversation.kind,
        "title": conversation.title,
        "organization": str(conversation.organization_id) if conversation.organization_id else None,
        "last_seq": conversation.last_seq,
        "last_message_at": conversation.last_message_at,
        "closed_at": conversation.closed_at,
        "created_at": conversation.created_at,
    }
