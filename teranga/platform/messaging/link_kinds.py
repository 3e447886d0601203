"""What chat links point at (``teranga.core.links``): a conversation, an invitation to a
group."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from teranga.core.links import LinkKind, link_kind_register, local_time_text, summary_of

from .links import CONVERSATION, INVITATION


def _conversation(user, conversation_id):
    from .selectors import conversation_detail

    return conversation_detail(user=user, conversation_id=conversation_id)[1]


def _conversation_rows(conversation) -> list[tuple]:
    organization = conversation.organization
    time_zone = organization.time_zone if organization is not None else "Africa/Dakar"
    return [
        (gettext("Conversation"), conversation.title),
        (gettext("Business"), organization.name if organization is not None else ""),
        (gettext("Last message"), local_time_text(conversation.last_message_at, time_zone)),
        (gettext("Unread"), str(getattr(conversation, "unread", "") or "")),
    ]


def _invitation(user, invitation_id):
    from .selectors import invitation_of

    return invitation_of(user=user, invitation_id=invitation_id)


def _invitation_rows(invitation) -> list[tuple]:
    inviter = invitation.invited_by
    return [
        (gettext("Group"), invitation.conversation.title),
        (gettext("Invited by"), getattr(inviter, "full_name", "") if inviter else ""),
    ]


def register(origin: str) -> None:
    link_kind_register(
        LinkKind(
            CONVERSATION,
            gettext_lazy("Conversation"),
            "conversations/{id}",
            summary=summary_of(_conversation, _conversation_rows),
        ),
        origin=origin,
    )
    link_kind_register(
        LinkKind(
            INVITATION,
            gettext_lazy("Invitation to a group"),
            "conversations/invitations/{id}",
            summary=summary_of(_invitation, _invitation_rows),
        ),
        origin=origin,
    )
