"""Messages: send (numbered, idempotent, moderated, with attachments), edit, delete, read.

Numbering: ``message_send`` takes the conversation's row lock and gives the message
``last_seq + 1``, so numbers are gapless and unique per conversation, and unread counts
are ``last_seq - last_read_seq``. A send carrying a ``client_id`` already used by the
same sender in the conversation returns the first message (created False): a retried
send is one message.

Blocks (``services.consent``): a private conversation between two people one of whom
blocked the other takes no new message (403 ``conversation_blocked``); in a group, whoever
blocked the sender is not notified of the message.

Edits: the sender only, text messages only, within ``CHAT_EDIT_WINDOW_SECONDS`` (15
minutes by default) of sending, and not once deleted. Deletes are soft (``deleted_at``;
the body is kept for staff review but shown blank to everyone but the sender): by the
sender, a group's owners and admins, or the support agents of a support conversation.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, CoreError, Forbidden, NotFound, ValidationFailed
from teranga.core.validators import parse_uuid
from teranga.platform.messaging.errors import MessagingError
from teranga.platform.moderation.services import check, record_block, record_flag
from teranga.platform.organizations.access import ROLE_RANK, rule_for
from teranga.platform.organizations.models import Membership

from ..access import SUPPORT_ANSWER, ConversationAccess, conversation_access
from ..attachments import attachments_check
from ..events import message_data
from ..models import (
    Attachment,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ModerationStatus,
    Participant,
    ParticipantRole,
    SupportSettings,
)
from ..notices import chat_message_notify
from ..presence import online_user_ids
from ..support import closed_since
from ._common import agent_join, edit_window_seconds, emit, max_length
from .consent import blocked_by_any_of, conversation_is_blocked

CLIENT_ID_MAX_LENGTH = 64
#: Messages' moderation kind (registered by ``moderation_kind``).
MODERATION_KIND = "messaging.message"


def _body(body: str, *, has_attachments: bool) -> str:
    body = (body or "").strip()
    if len(body) > max_length():
        message = _("At most %(count)d characters.") % {"count": max_length()}
        raise ValidationFailed(
            message, code=MessagingError.MESSAGE_TOO_LONG, fields={"body": [message]}
        )
    if not body and not has_attachments:
        raise ValidationFailed(
            _("Write a message or attach a file."),
            code=MessagingError.EMPTY_MESSAGE,
            fields={"body": [_("This field may not be blank.")]},
        )
    return body


def _blocked() -> ValidationFailed:
    return ValidationFailed(
        _("This message was blocked by moderation."),
        code=MessagingError.MESSAGE_BLOCKED,
        fields={"body": [_("This message was blocked by moderation.")]},
    )


class _Blocked(Exception):
    """Raised inside a transaction that the refusal rolls back; logged after it."""

    def __init__(self, verdict, conversation, body: str, message_id: str) -> None:
        super().__init__(verdict.reason)
        self.verdict, self.conversation = verdict, conversation
        self.body, self.message_id = body, message_id


def _check(body: str, conversation, sender):
    """The moderation verdict on ``body`` (``moderation.services.check``)."""
    return check(
        body,
        kind=MODERATION_KIND,
        author=sender,
        organization=conversation.organization,
        scope=f"messaging.conversation:{conversation.pk}",
    )


def _refuse(verdict, conversation, sender, body: str, message_id="") -> ValidationFailed:
    """Log the blocked attempt (in its own transaction) and answer 400 ``message_blocked``."""
    record_block(
        verdict,
        kind=MODERATION_KIND,
        author=sender,
        object_id=message_id,
        organization=conversation.organization,
        scope=f"messaging.conversation:{conversation.pk}",
        text=body,
    )
    return _blocked()


def _record(verdict, message: Message, conversation, sender) -> None:
    """A flagged message opens (or joins) its case, in the caller's transaction."""
    if verdict.flagged:
        record_flag(
            verdict,
            kind=MODERATION_KIND,
            object_id=str(message.pk),
            author=sender,
            organization=conversation.organization,
            scope=f"messaging.conversation:{conversation.pk}",
            text=message.body,
        )


def _by_client_id(conversation_id, sender, client_id: str, body: str) -> Message | None:
    if not client_id:
        return None
    existing = (
        Message.objects.select_related("sender")
        .filter(conversation_id=conversation_id, sender=sender, client_id=client_id)
        .first()
    )
    if existing is not None and existing.body != body and existing.deleted_at is None:
        raise Conflict(
            _("This client_id was already used for another message."),
            code=MessagingError.CLIENT_ID_REUSED,
        )
    return existing


def message_send(
    *, sender, conversation_id, body: str = "", client_id: str = "", attachments=()
) -> tuple[Message, bool]:
    """Send a message; returns (message, created)."""
    client_id = (client_id or "").strip()
    if len(client_id) > CLIENT_ID_MAX_LENGTH:
        message = _("At most %(count)d characters.") % {"count": CLIENT_ID_MAX_LENGTH}
        raise ValidationFailed(message, code=CoreError.INVALID, fields={"client_id": [message]})
    # Access first: an outsider learns nothing, and never makes us re-encode images.
    access = conversation_access(sender, conversation_id)
    checked = attachments_check(attachments)
    body = _body(body, has_attachments=bool(checked))
    existing = _by_client_id(access.conversation.pk, sender, client_id, body)
    if existing is not None:
        return existing, False
    if conversation_is_blocked(access.conversation, sender):
        raise Forbidden(
            _("You can no longer write in this conversation."),
            code=MessagingError.CONVERSATION_BLOCKED,
        )
    verdict = _check(body, access.conversation, sender)
    if verdict.blocked:
        raise _refuse(verdict, access.conversation, sender, body)
    with transaction.atomic():
        access = conversation_access(sender, conversation_id, lock=True)
        existing = _by_client_id(access.conversation.pk, sender, client_id, body)
        if existing is not None:  # the twin committed while we waited for the lock
            return existing, False
        return _send_locked(access, sender, body, client_id, checked, verdict), True


def _send_locked(access: ConversationAccess, sender, body, client_id, checked, verdict) -> Message:
    conversation = access.conversation
    now = timezone.now()
    seq = conversation.last_seq + 1
    message = Message.objects.create(
        conversation=conversation,
        seq=seq,
        sender=sender,
        kind=MessageKind.TEXT,
        body=body,
        client_id=client_id,
        moderation=ModerationStatus.FLAGGED if verdict.flagged else ModerationStatus.OK,
        moderation_reason=verdict.reason[:200] if verdict.flagged else "",
    )
    for upload in checked:
        Attachment.objects.create(
            message=message,
            file=upload.file,
            name=upload.name,
            content_type=upload.content_type,
            size=upload.size,
        )
    message.checked_attachments = checked
    _record(verdict, message, conversation, sender)
    if access.participant is None:  # a support agent's first reply
        agent_join(conversation, sender, read_seq=seq)
    else:  # writing reads everything before
        Participant.objects.filter(pk=access.participant.pk, last_read_seq__lt=seq).update(
            last_read_seq=seq, last_read_at=now
        )
    reopened = conversation.closed_at is not None
    conversation.last_seq = seq
    conversation.last_message_at = now
    conversation.closed_at = None
    auto_reply = _auto_reply(access, sender, seq=seq + 1, now=now)
    if auto_reply is not None:
        conversation.last_seq = auto_reply.seq
    conversation.save(update_fields=["last_seq", "last_message_at", "closed_at", "updated_at"])

    chat_message_notify(
        message=message, conversation=conversation, recipients=_recipients(access, sender)
    )
    if reopened:
        emit(conversation, {"type": "conversation.reopened"})
    emit(conversation, {"type": "message.created", "message": message_data(message)})
    if auto_reply is not None:
        emit(conversation, {"type": "message.created", "message": message_data(auto_reply)})
    return message


def _auto_reply(access: ConversationAccess, sender, *, seq: int, now) -> Message | None:
    """Outside business hours, the requester's first message of each closed period of a
    support conversation gets the organisation's automatic reply."""
    if not access.is_requester:
        return None
    conversation = access.conversation
    support = (
        SupportSettings.objects.select_related("organization")
        .filter(organization_id=conversation.organization_id, enabled=True)
        .first()
    )
    if support is None:
        return None
    since = closed_since(support.business_hours, support.organization.time_zone, now)
    if since is None:
        return None
    already = Message.objects.filter(
        conversation=conversation, kind=MessageKind.AUTO_REPLY, created_at__gte=since
    ).exists()
    if already:
        return None
    text = support.auto_reply.strip()
    if not text:
        with translation.override(getattr(sender, "language", None) or "fr"):
            text = _(
                "Thank you for your message. We are closed right now: an agent will answer "
                "as soon as we open."
            )
    return Message.objects.create(
        conversation=conversation, seq=seq, sender=None, kind=MessageKind.AUTO_REPLY, body=text
    )


def _support_agent_ids(organization_id) -> set:
    minimum = ROLE_RANK[rule_for(SUPPORT_ANSWER).min_role]
    roles = [role for role, rank in ROLE_RANK.items() if rank >= minimum]
    return set(
        Membership.objects.filter(
            organization_id=organization_id, role__in=roles, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def _recipients(access: ConversationAccess, sender) -> list:
    """Who hears of a new message (see ``notices``)."""
    conversation = access.conversation
    participants = list(
        Participant.objects.select_related("user")
        .filter(conversation=conversation, left_at__isnull=True, user__is_active=True)
        .exclude(user=sender)
    )
    blockers = blocked_by_any_of([p.user_id for p in participants], sender)
    users = [p.user for p in participants if not p.muted and str(p.user_id) not in blockers]
    if conversation.kind == ConversationKind.SUPPORT:
        agents = _support_agent_ids(conversation.organization_id)
        users = [u for u in users if u.pk == conversation.created_by_id or u.pk in agents]
        answered = any(
            p.role == ParticipantRole.AGENT and p.user_id in agents for p in participants
        )
        if access.is_requester and not answered:
            from django.contrib.auth import get_user_model

            muted = {p.user_id for p in participants if p.muted}
            known = {u.pk for u in users} | muted | {sender.pk}
            users += list(get_user_model().objects.filter(pk__in=agents - known))
    online = online_user_ids(conversation.pk, [u.pk for u in users])
    return [u for u in users if str(u.pk) not in online]


def _message_for_update(access: ConversationAccess, message_id) -> Message:
    message = (
        Message.objects.select_for_update()
        .filter(conversation=access.conversation, pk=parse_uuid(message_id))
        .first()
    )
    if message is None:
        raise NotFound(_("No such message."), code=MessagingError.MESSAGE_NOT_FOUND)
    return message


def message_edit(*, actor, conversation_id, message_id, body: str) -> Message:
    """Edit one's own text message; a blocked text is refused (400 ``message_blocked``,
    the attempt logged once the edit's transaction rolled back)."""
    try:
        return _message_edit(
            actor=actor, conversation_id=conversation_id, message_id=message_id, body=body
        )
    except _Blocked as blocked:
        raise _refuse(
            blocked.verdict, blocked.conversation, actor, blocked.body, blocked.message_id
        ) from None


@transaction.atomic
def _message_edit(*, actor, conversation_id, message_id, body: str) -> Message:
    access = conversation_access(actor, conversation_id, lock=True)
    message = _message_for_update(access, message_id)
    if message.sender_id != actor.pk or message.kind != MessageKind.TEXT:
        raise Forbidden(
            _("Only its sender edits a message."), code=MessagingError.NOT_MESSAGE_SENDER
        )
    if message.deleted_at is not None:
        raise Conflict(_("This message was deleted."), code=MessagingError.MESSAGE_DELETED)
    if timezone.now() - message.created_at > timedelta(seconds=edit_window_seconds()):
        raise Conflict(
            _("A message can be edited for %(minutes)d minutes after sending.")
            % {"minutes": edit_window_seconds() // 60},
            code=MessagingError.EDIT_WINDOW_CLOSED,
        )
    body = _body(body, has_attachments=message.attachments.exists())
    verdict = _check(body, access.conversation, actor)
    if verdict.blocked:
        raise _Blocked(verdict, access.conversation, body, str(message.pk))
    message.body = body
    message.edited_at = timezone.now()
    message.moderation = ModerationStatus.FLAGGED if verdict.flagged else ModerationStatus.OK
    message.moderation_reason = verdict.reason[:200] if verdict.flagged else ""
    message.save(
        update_fields=["body", "edited_at", "moderation", "moderation_reason", "updated_at"]
    )
    _record(verdict, message, access.conversation, actor)
    emit(access.conversation, {"type": "message.updated", "message": message_data(message)})
    return message


@transaction.atomic
def message_delete(*, actor, conversation_id, message_id) -> Message:
    access = conversation_access(actor, conversation_id, lock=True)
    message = _message_for_update(access, message_id)
    allowed = (
        (message.sender_id is not None and message.sender_id == actor.pk)
        or access.manages_participants
        or (access.is_support and access.is_agent)
    )
    if not allowed:
        raise Forbidden(
            _("You cannot delete this message."), code=MessagingError.CANNOT_DELETE_MESSAGE
        )
    if message.deleted_at is None:
        message.deleted_at = timezone.now()
        message.save(update_fields=["deleted_at", "updated_at"])
        emit(access.conversation, {"type": "message.deleted", "message": message_data(message)})
    return message


@transaction.atomic
def conversation_read(*, user, conversation_id, up_to_seq: int | None = None) -> Participant:
    """Mark the conversation read up to ``up_to_seq`` (default: its last message). Never
    moves backwards; a support agent becomes a participant."""
    access = conversation_access(user, conversation_id)
    conversation: Conversation = access.conversation
    last = Conversation.objects.filter(pk=conversation.pk).values_list("last_seq", flat=True)[0]
    if up_to_seq is None:
        up_to_seq = last
    if isinstance(up_to_seq, bool) or not isinstance(up_to_seq, int) or up_to_seq < 0:
        raise ValidationFailed(fields={"seq": [_("A message number is required.")]})
    if up_to_seq > last:
        message = _("There is no message %(seq)d yet.") % {"seq": up_to_seq}
        raise ValidationFailed(message, code=MessagingError.INVALID_SEQ, fields={"seq": [message]})
    participant = access.participant
    if participant is None:
        participant = agent_join(conversation, user, read_seq=0)
    now = timezone.now()
    moved = Participant.objects.filter(pk=participant.pk, last_read_seq__lt=up_to_seq).update(
        last_read_seq=up_to_seq, last_read_at=now
    )
    participant.refresh_from_db()
    if moved:
        emit(conversation, {"type": "read", "user": str(user.pk), "seq": participant.last_read_seq})
    return participant


@transaction.atomic
def messages_review(*, message_ids, hide: bool) -> int:
    """Staff review of flagged messages: mark them OK, or hide them (soft delete, as a
    sender's delete). Returns how many changed."""
    changed = 0
    messages = (
        Message.objects.select_for_update()
        .filter(pk__in=list(message_ids))
        .order_by("conversation_id", "seq")
    )
    for message in messages:
        if hide:
            if message.deleted_at is not None:
                continue
            message.deleted_at = timezone.now()
            message.save(update_fields=["deleted_at", "updated_at"])
            event = {"type": "message.deleted", "message": message_data(message)}
            emit(message.conversation, event)
        else:
            if message.moderation == ModerationStatus.OK:
                continue
            message.moderation = ModerationStatus.OK
            message.save(update_fields=["moderation", "updated_at"])
        changed += 1
    return changed
