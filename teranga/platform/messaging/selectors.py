"""Messaging reads. Every list runs a fixed number of queries whatever its length:
unread counts are ``last_seq - last_read_seq`` (numbers are gapless), the last messages
of a page are fetched in one query, senders are joined and attachments prefetched.
"""

from __future__ import annotations

from django.db.models import BigIntegerField as BigInt
from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from teranga.core.db import related_only
from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.messaging.errors import MessagingError

from .access import ConversationAccess, conversation_access
from .events import USER_DATA_FIELDS, conversation_data, message_data, participant_data
from .models import (
    Block,
    Conversation,
    ConversationKind,
    GroupInvitation,
    InvitationStatus,
    Message,
    Participant,
    ParticipantRole,
)
from .presence import online_user_ids

RECENT_MESSAGES = 50  # in a socket's snapshot
CATCH_UP_LIMIT = 200  # messages per catch-up answer


def _mine(user, field: str):
    return Subquery(
        Participant.objects.filter(
            conversation=OuterRef("pk"), user=user, left_at__isnull=True
        ).values(field)[:1]
    )


def _with_unread(queryset: QuerySet, user) -> QuerySet:
    return queryset.annotate(
        my_last_read_seq=Coalesce(_mine(user, "last_read_seq"), Value(0), output_field=BigInt()),
        my_role=_mine(user, "role"),
        my_muted=_mine(user, "muted"),
    ).annotate(
        unread=ExpressionWrapper(F("last_seq") - F("my_last_read_seq"), output_field=BigInt()),
        activity=Coalesce("last_message_at", "created_at"),
    )


def conversations_of(*, user, kind: str | None = None, unread: bool | None = None) -> QuerySet:
    """The caller's conversations (active participant), most recent activity first.

    The caller's own participant row (one per conversation) is joined once and gives
    the read position, role and mute: no subquery per column and no GROUP BY, so the
    page and its count stay cheap. :func:`attach_summaries` adds the participant
    counts of the page."""
    queryset = (
        Conversation.objects.annotate(
            mine=FilteredRelation(
                "participants",
                condition=Q(participants__user=user, participants__left_at__isnull=True),
            )
        )
        .filter(mine__isnull=False)
        .annotate(
            my_last_read_seq=F("mine__last_read_seq"),
            my_role=F("mine__role"),
            my_muted=F("mine__muted"),
            unread=ExpressionWrapper(
                F("last_seq") - F("mine__last_read_seq"), output_field=BigInt()
            ),
            activity=Coalesce("last_message_at", "created_at"),
        )
    )
    if kind:
        queryset = queryset.filter(kind=kind)
    if unread is True:
        queryset = queryset.filter(unread__gt=0)
    elif unread is False:
        queryset = queryset.filter(unread=0)
    queryset = related_only(queryset.select_related("organization"), organization=["name"])
    return queryset.order_by("-activity", "-pk")


def attach_summaries(conversations: list[Conversation]) -> list[Conversation]:
    """Set ``last_message`` and ``peers`` (the other participants of private
    conversations) on each of ``conversations``: two or three queries in all."""
    if not conversations:
        return conversations
    for conversation in conversations:
        conversation.last_message = None
        conversation.peers = []
    uncounted = [c for c in conversations if not hasattr(c, "participant_count")]
    if uncounted:
        counts = dict(
            Participant.objects.filter(
                conversation_id__in=[c.pk for c in uncounted], left_at__isnull=True
            )
            .values_list("conversation_id")
            .annotate(count=Count("pk"))
            .order_by()
        )
        for conversation in uncounted:
            conversation.participant_count = counts.get(conversation.pk, 0)
    talked = [c.pk for c in conversations if c.last_seq]
    if talked:
        # Each conversation's last message: its (conversation, seq) is unique and indexed.
        messages = related_only(
            Message.objects.filter(conversation_id__in=talked, seq=F("conversation__last_seq"))
            .select_related("sender")
            .prefetch_related("attachments"),
            sender=USER_DATA_FIELDS,
        )
        by_conversation = {message.conversation_id: message for message in messages}
        for conversation in conversations:
            conversation.last_message = by_conversation.get(conversation.pk)
    private = [c.pk for c in conversations if c.kind == ConversationKind.PRIVATE]
    if private:
        peers = related_only(
            Participant.objects.filter(
                conversation_id__in=private, left_at__isnull=True
            ).select_related("user"),
            user=USER_DATA_FIELDS,
        )
        by_conversation: dict = {}
        for participant in peers:
            by_conversation.setdefault(participant.conversation_id, []).append(participant)
        for conversation in conversations:
            conversation.peers = by_conversation.get(conversation.pk, [])
    return conversations


def conversation_detail(*, user, conversation_id) -> tuple[ConversationAccess, Conversation]:
    """One conversation of the caller, with unread, role and its participants."""
    access = conversation_access(user, conversation_id)
    conversation = (
        _with_unread(Conversation.objects.filter(pk=access.conversation.pk), user)
        .select_related("organization")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=participants_of_queryset(),
                to_attr="active_participants",
            )
        )
        .get()
    )
    conversation.participant_count = len(conversation.active_participants)
    if access.participant is None:
        conversation.my_role = access.role
    # Who was asked and has not answered yet: for the group's owners and admins only.
    conversation.pending_invitations = (
        list(
            GroupInvitation.objects.filter(
                conversation=conversation, status=InvitationStatus.PENDING
            )
            .select_related("user", "invited_by")
            .order_by("created_at", "pk")
        )
        if access.manages_participants
        else []
    )
    attach_summaries([conversation])
    return access, conversation


def participants_of_queryset() -> QuerySet:
    return (
        Participant.objects.filter(left_at__isnull=True)
        .select_related("user")
        .order_by("created_at", "pk")
    )


def participants_of(*, access: ConversationAccess) -> QuerySet:
    return participants_of_queryset().filter(conversation=access.conversation)


def messages_of(*, access: ConversationAccess, since: int | None = None) -> QuerySet:
    """The conversation's messages (ordering is the paginator's), after ``since``."""
    queryset = (
        Message.objects.filter(conversation=access.conversation)
        .select_related("sender")
        .prefetch_related("attachments")
    )
    if since is not None:
        queryset = queryset.filter(seq__gt=since)
    return queryset


def message_of(*, access: ConversationAccess, message_id) -> Message:
    key = parse_uuid(message_id)
    message = messages_of(access=access).filter(pk=key).first() if key else None
    if message is None:
        raise NotFound(code=MessagingError.MESSAGE_NOT_FOUND)
    return message


def attachment_of(*, access: ConversationAccess, message_id, attachment_id):
    """An attachment the caller may download (not of a message deleted for them)."""
    message = message_of(access=access, message_id=message_id)
    hidden = message.deleted_at is not None and message.sender_id != access.user.pk
    attachment = (
        None
        if hidden
        else next((a for a in message.attachments.all() if str(a.pk) == str(attachment_id)), None)
    )
    if attachment is None:
        raise NotFound(code=MessagingError.ATTACHMENT_NOT_FOUND)
    return attachment


def messages_since(*, conversation_id, since_seq: int, viewer_id, limit: int | None = None):
    """Catch-up from the database: (messages after ``since_seq`` as data, oldest first,
    at most ``limit``; the conversation's last seq)."""
    last = Conversation.objects.filter(pk=conversation_id).values_list("last_seq", flat=True)
    last_seq = last[0] if last else 0
    rows = list(
        Message.objects.filter(conversation_id=conversation_id, seq__gt=since_seq)
        .select_related("sender")
        .prefetch_related("attachments")
        .order_by("seq")[: limit or CATCH_UP_LIMIT]
    )
    return [message_data(m, viewer_id=viewer_id) for m in rows], last_seq


def chat_snapshot(*, access: ConversationAccess, recent: int = RECENT_MESSAGES) -> dict:
    """What a chat socket gets on connect: the conversation, its last seq, the
    participants with their read marks and presence, the recent messages."""
    conversation = Conversation.objects.get(pk=access.conversation.pk)
    participants = list(participants_of(access=access))
    online = online_user_ids(conversation.pk, [p.user_id for p in participants])
    messages = list(
        Message.objects.filter(conversation=conversation)
        .select_related("sender")
        .prefetch_related("attachments")
        .order_by("-seq")[:recent]
    )
    messages.reverse()
    return {
        "conversation": conversation_data(conversation),
        "last_seq": conversation.last_seq,
        "participants": [
            participant_data(p, online=str(p.user_id) in online) for p in participants
        ],
        "messages": [message_data(m, viewer_id=access.user.pk) for m in messages],
        "me": {"id": str(access.user.pk), "role": access.role},
    }


# --- Support ---------------------------------------------------------------------------


def support_inbox(
    *, organization, user, status: str | None = None, unread: bool | None = None
) -> QuerySet:
    """The organisation's support conversations, as ``user`` (an agent) sees them."""
    queryset = _with_unread(
        Conversation.objects.filter(kind=ConversationKind.SUPPORT, organization=organization),
        user,
    ).select_related("created_by", "organization")
    if status == "open":
        queryset = queryset.filter(closed_at__isnull=True)
    elif status == "closed":
        queryset = queryset.filter(closed_at__isnull=False)
    if unread is True:
        queryset = queryset.filter(unread__gt=0)
    elif unread is False:
        queryset = queryset.filter(unread=0)
    agents = Participant.objects.filter(
        role=ParticipantRole.AGENT, left_at__isnull=True
    ).select_related("user")
    return queryset.prefetch_related(
        Prefetch("participants", queryset=agents, to_attr="agents")
    ).order_by("-activity", "-pk")


def support_conversations_of(*, user, organization_id=None) -> QuerySet:
    """The caller's own support conversations (as the one who asked)."""
    queryset = _with_unread(
        Conversation.objects.filter(kind=ConversationKind.SUPPORT, created_by=user), user
    ).select_related("organization")
    if organization_id is not None:
        queryset = queryset.filter(organization_id=organization_id)
    return queryset.order_by("-activity", "-pk")


# --- Invitations and blocks ----------------------------------------------------------------


def invitations_of(*, user) -> QuerySet:
    """The caller's pending invitations to groups, newest first: the group's title and
    size and who invited them — never its messages."""
    members = Count(
        "conversation__participants", filter=Q(conversation__participants__left_at__isnull=True)
    )
    return (
        GroupInvitation.objects.filter(user=user, status=InvitationStatus.PENDING)
        .select_related("conversation", "invited_by", "user")
        .annotate(participant_count=members)
        .order_by("-updated_at", "-pk")
    )


def invitation_of(*, user, invitation_id) -> GroupInvitation:
    """One pending invitation of the caller; 404 ``invitation_not_found`` otherwise."""
    key = parse_uuid(invitation_id)
    invitation = invitations_of(user=user).filter(pk=key).first() if key else None
    if invitation is None:
        raise NotFound(code=MessagingError.INVITATION_NOT_FOUND)
    return invitation


def blocks_of(*, user) -> QuerySet:
    """The people the caller blocked, most recent first."""
    return (
        Block.objects.filter(blocker=user).select_related("blocked").order_by("-created_at", "-pk")
    )
