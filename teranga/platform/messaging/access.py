"""Who may see and act on a conversation — decided here, and only here.

* An active participant (``left_at`` unset) sees the conversation and writes in it.
* A support conversation is also open to the support agents of its organisation
  (members with the ``support.answer`` action: agent and above), participants or not;
  they become participants when they first reply or mark it read. An agent who is no
  longer one loses access, even while still listed as a participant.
* Anyone else gets 404 ``conversation_not_found``: a conversation one may not see is
  never acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass

from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.messaging.errors import MessagingError
from teranga.platform.organizations.access import membership_of, role_at_least, rule_for

from .models import Conversation, ConversationKind, Participant, ParticipantRole

SUPPORT_ANSWER = "support.answer"
SUPPORT_SETTINGS_VIEW = "support.settings.view"
SUPPORT_SETTINGS_MANAGE = "support.settings.manage"
GROUP_MANAGERS = (ParticipantRole.OWNER, ParticipantRole.ADMIN)


@dataclass
class ConversationAccess:
    conversation: Conversation
    user: object
    #: The user's active participant row, if any.
    participant: Participant | None
    #: The user is a support agent of the (support) conversation's organisation.
    is_agent: bool

    @property
    def role(self) -> str | None:
        if self.participant is not None:
            return self.participant.role
        return ParticipantRole.AGENT if self.is_agent else None

    @property
    def is_group(self) -> bool:
        return self.conversation.kind == ConversationKind.GROUP

    @property
    def is_support(self) -> bool:
        return self.conversation.kind == ConversationKind.SUPPORT

    @property
    def manages_participants(self) -> bool:
        return self.is_group and self.role in GROUP_MANAGERS

    @property
    def is_requester(self) -> bool:
        return self.is_support and self.conversation.created_by_id == self.user.pk


def is_support_agent(user, organization_id) -> bool:
    """``user`` may answer the support conversations of ``organization_id``."""
    if organization_id is None:
        return False
    membership = membership_of(user, organization_id)
    minimum = rule_for(SUPPORT_ANSWER).min_role
    return bool(membership and minimum and role_at_least(membership.role, minimum))


def conversation_access(user, conversation_id, *, lock: bool = False) -> ConversationAccess:
    """The access of ``user`` to ``conversation_id``; NotFound when they have none.

    ``lock`` takes the conversation's row lock (inside a transaction): message numbers
    are taken under it.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotFound(code=MessagingError.CONVERSATION_NOT_FOUND)
    key = parse_uuid(conversation_id)
    if key is None:
        raise NotFound(code=MessagingError.CONVERSATION_NOT_FOUND)
    queryset = Conversation.objects.select_for_update() if lock else Conversation.objects
    conversation = queryset.filter(pk=key).first()
    if conversation is None:
        raise NotFound(code=MessagingError.CONVERSATION_NOT_FOUND)
    participant = Participant.objects.filter(
        conversation=conversation, user=user, left_at__isnull=True
    ).first()
    is_agent = False
    if conversation.kind == ConversationKind.SUPPORT and conversation.created_by_id != user.pk:
        is_agent = is_support_agent(user, conversation.organization_id)
        if participant is not None and participant.role == ParticipantRole.AGENT and not is_agent:
            participant = None  # no longer an agent of the organisation
    if participant is None and not is_agent:
        raise NotFound(code=MessagingError.CONVERSATION_NOT_FOUND)
    return ConversationAccess(
        conversation=conversation, user=user, participant=participant, is_agent=is_agent
    )


def access_still_valid(user, conversation: Conversation) -> bool:
    """The cheap re-check of an open socket (one query): ``user`` still may see
    ``conversation`` (same rules as :func:`conversation_access`)."""
    if conversation.kind == ConversationKind.SUPPORT and conversation.created_by_id != user.pk:
        return is_support_agent(user, conversation.organization_id)
    return Participant.objects.filter(
        conversation_id=conversation.pk, user=user, left_at__isnull=True
    ).exists()
