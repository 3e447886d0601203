"""What the messaging services share: limits from settings, broadcasts, user look-ups."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import ValidationFailed
from teranga.core.limits import MESSAGE_MAX_LENGTH
from teranga.core.validators import parse_uuid
from teranga.platform.messaging.errors import MessagingError
from teranga.platform.realtime.broadcast import broadcast_on_commit

from ..events import participant_data
from ..models import Conversation, Participant, ParticipantRole


def max_length() -> int:
    """A message's length limit: ``CHAT_MESSAGE_MAX_LENGTH``, never above the stored
    field's (``teranga.core.limits.MESSAGE_MAX_LENGTH``)."""
    return min(int(getattr(settings, "CHAT_MESSAGE_MAX_LENGTH", 4000)), MESSAGE_MAX_LENGTH)


def edit_window_seconds() -> int:
    """How long after sending its sender may edit a message (default 15 minutes)."""
    return int(getattr(settings, "CHAT_EDIT_WINDOW_SECONDS", 15 * 60))


def group_max_participants() -> int:
    return int(getattr(settings, "CHAT_GROUP_MAX_PARTICIPANTS", 500))


def emit(conversation: Conversation, event: dict) -> None:
    """Send ``event`` to the conversation's sockets once the transaction commits."""
    broadcast_on_commit(conversation.group_name, event)


def active_user(user_id, *, field: str):
    """The active user ``user_id``; ValidationFailed ``unknown_user`` on ``field``."""
    key = parse_uuid(user_id)
    user = get_user_model().objects.filter(pk=key, is_active=True).first() if key else None
    if user is None:
        raise ValidationFailed(
            _("Unknown user."),
            code=MessagingError.UNKNOWN_USER,
            fields={field: [_("Unknown user.")]},
        )
    return user


def agent_join(conversation: Conversation, user, *, read_seq: int) -> Participant:
    """Make a support agent a participant (or active again); idempotent."""
    participant = Participant.objects.filter(conversation=conversation, user=user).first()
    if participant is None:
        try:
            with transaction.atomic():
                participant = Participant.objects.create(
                    conversation=conversation,
                    user=user,
                    role=ParticipantRole.AGENT,
                    last_read_seq=read_seq,
                    last_read_at=timezone.now(),
                )
        except IntegrityError:  # joined at the same moment by another request
            participant = Participant.objects.get(conversation=conversation, user=user)
    if participant.left_at is not None or participant.role != ParticipantRole.AGENT:
        participant.left_at = None
        participant.role = ParticipantRole.AGENT
        participant.save(update_fields=["left_at", "role", "updated_at"])
    emit(conversation, {"type": "participant.added", "participant": participant_data(participant)})
    return participant
