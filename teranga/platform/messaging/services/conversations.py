"""Conversations and their participants.

* Private: one conversation per pair of users (``private_key`` = the two ids, sorted);
  asking again returns the existing one. Its two participants stay; nobody is added.
* Group: a title, the creator is its owner; owners and admins add and remove
  participants (only an owner adds an admin or removes one); anyone may leave, and a
  group whose last owner leaves gets a new owner (the longest-standing admin, else
  member). Nobody is put into a group without consent: whom the adder does not "trust"
  is invited instead, and a block keeps two people apart (``services.consent``).
* Support conversations are opened by ``services.support``; only their agents leave.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, CoreError, Forbidden, NotFound, ValidationFailed
from teranga.core.validators import parse_uuid
from teranga.platform.messaging.errors import MessagingError

from ..access import conversation_access
from ..events import participant_data
from ..models import (
    Conversation,
    ConversationKind,
    GroupInvitation,
    Participant,
    ParticipantRole,
)
from ._common import active_user, emit, group_max_participants
from .consent import (
    blocked_with,
    invitation_issue,
    invitation_withdraw,
    participant_activate,
    pending_invitation_count,
    trusted_ids,
    unavailable,
)

TITLE_MAX_LENGTH = 200
#: What ``participant_add`` did.
ADD_ADDED, ADD_PRESENT, ADD_INVITED = "added", "present", "invited"


def _not_a_group() -> ValidationFailed:
    return ValidationFailed(
        _("Only the participants of a group can change."), code=MessagingError.NOT_A_GROUP
    )


def _title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationFailed(
            _("A group needs a title."), code=CoreError.INVALID, fields={"title": [_("Required.")]}
        )
    if len(title) > TITLE_MAX_LENGTH:
        message = _("At most %(count)d characters.") % {"count": TITLE_MAX_LENGTH}
        raise ValidationFailed(message, code=CoreError.INVALID, fields={"title": [message]})
    return title


def private_key(first, second) -> str:
    return ":".join(sorted([str(uuid.UUID(str(first))), str(uuid.UUID(str(second)))]))


@transaction.atomic
def conversation_create(
    *,
    creator,
    kind: str,
    user_id=None,
    title: str = "",
    participant_ids: Iterable = (),
) -> tuple[Conversation, bool]:
    """A private conversation with ``user_id`` (the existing one if any: created False),
    or a new group titled ``title`` with ``participant_ids``."""
    if kind == ConversationKind.PRIVATE:
        return _private(creator=creator, user_id=user_id)
    if kind == ConversationKind.GROUP:
        return _group(creator=creator, title=title, participant_ids=participant_ids), True
    raise ValidationFailed(
        _("Choose private or group."),
        code=CoreError.INVALID,
        fields={"kind": [_("Invalid choice.")]},
    )


def _private(*, creator, user_id) -> tuple[Conversation, bool]:
    if user_id is not None and str(user_id) == str(creator.pk):
        raise ValidationFailed(
            _("You cannot start a conversation with yourself."),
            code=MessagingError.CANNOT_MESSAGE_SELF,
            fields={"user": [_("Choose another user.")]},
        )
    other = active_user(user_id, field="user")
    if blocked_with(creator, [other.pk]):
        raise unavailable([str(other.pk)], field="user")
    key = private_key(creator.pk, other.pk)
    existing = Conversation.objects.filter(private_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=ConversationKind.PRIVATE, created_by=creator, private_key=key
            )
            Participant.objects.bulk_create(
                [
                    Participant(conversation=conversation, user=creator),
                    Participant(conversation=conversation, user=other),
                ]
            )
    except IntegrityError:  # the pair started it at the same moment
        return Conversation.objects.get(private_key=key), False
    return conversation, True


def _group(*, creator, title: str, participant_ids: Iterable) -> Conversation:
    title = _title(title)
    wanted: dict[str, uuid.UUID] = {}
    invalid = []
    for value in participant_ids or ():
        key = parse_uuid(value)
        if key is None:
            invalid.append(str(value))
            continue
        if key != uuid.UUID(str(creator.pk)):
            wanted[str(key)] = key
    if len(wanted) + 1 > group_max_participants():
        message = _("A group has at most %(count)d participants.") % {
            "count": group_max_participants()
        }
        raise ValidationFailed(
            message, code=MessagingError.GROUP_FULL, fields={"participants": [message]}
        )
    users = list(get_user_model().objects.filter(pk__in=list(wanted.values()), is_active=True))
    unknown = sorted(set(wanted) - {str(user.pk) for user in users}) + invalid
    if unknown:
        raise ValidationFailed(
            _("Unknown users: %(ids)s.") % {"ids": ", ".join(unknown[:10])},
            code=MessagingError.UNKNOWN_USER,
            fields={"participants": [_("Unknown user: %(id)s.") % {"id": u} for u in unknown]},
        )
    blocked = blocked_with(creator, [user.pk for user in users])
    if blocked:
        raise unavailable(sorted(blocked), field="participants")
    trusted = trusted_ids(creator, [user.pk for user in users])
    conversation = Conversation.objects.create(
        kind=ConversationKind.GROUP, title=title, created_by=creator
    )
    members = [user for user in users if str(user.pk) in trusted]
    Participant.objects.bulk_create(
        [Participant(conversation=conversation, user=creator, role=ParticipantRole.OWNER)]
        + [Participant(conversation=conversation, user=user) for user in members]
    )
    for user in users:
        if str(user.pk) not in trusted:
            invitation_issue(
                conversation, user=user, invited_by=creator, role=ParticipantRole.MEMBER
            )
    return conversation


@transaction.atomic
def conversation_update(
    *, actor, conversation_id, title: str | None = None, muted: bool | None = None
) -> Conversation:
    """Rename a group (its owners and admins) and/or mute it for oneself."""
    access = conversation_access(actor, conversation_id, lock=title is not None)
    conversation = access.conversation
    if title is not None:
        if not access.is_group:
            raise _not_a_group()
        if not access.manages_participants:
            raise Forbidden(
                _("Only the group's owners and admins rename it."),
                code=MessagingError.NOT_GROUP_ADMIN,
            )
        conversation.title = _title(title)
        conversation.save(update_fields=["title", "updated_at"])
        emit(conversation, {"type": "conversation.updated", "title": conversation.title})
    if muted is not None:
        participant = access.participant
        if participant is None:
            raise ValidationFailed(
                _("Join the conversation first."), code=MessagingError.NOT_A_PARTICIPANT
            )
        participant.muted = bool(muted)
        participant.save(update_fields=["muted", "updated_at"])
    return conversation


@transaction.atomic
def participant_add(
    *, actor, conversation_id, user_id, role: str = ParticipantRole.MEMBER
) -> tuple[Participant | GroupInvitation, str]:
    """Add ``user_id`` to a group (or make a former participant active again) when the
    actor may add them without asking (``consent.trusted_ids``), else invite them.

    Returns (the participant, ``"added"``), (the participant, ``"present"``: already
    there) or (the pending invitation, ``"invited"``)."""
    access = conversation_access(actor, conversation_id, lock=True)
    conversation = access.conversation
    if not access.is_group:
        raise _not_a_group()
    if not access.manages_participants:
        raise Forbidden(
            _("Only the group's owners and admins add people."), code=MessagingError.NOT_GROUP_ADMIN
        )
    if role not in (ParticipantRole.MEMBER, ParticipantRole.ADMIN):
        raise ValidationFailed(
            _("Choose member or admin."),
            code=CoreError.INVALID,
            fields={"role": [_("Invalid choice.")]},
        )
    if role == ParticipantRole.ADMIN and access.role != ParticipantRole.OWNER:
        raise Forbidden(_("Only an owner adds an admin."), code=MessagingError.ROLE_TOO_HIGH)
    user = active_user(user_id, field="user")
    existing = Participant.objects.filter(conversation=conversation, user=user).first()
    if existing is not None and existing.left_at is None:
        return existing, ADD_PRESENT
    if blocked_with(actor, [user.pk]):
        raise unavailable([str(user.pk)], field="user")
    active = Participant.objects.filter(conversation=conversation, left_at__isnull=True).count()
    if active + pending_invitation_count(conversation) >= group_max_participants():
        raise Conflict(
            _("A group has at most %(count)d participants.") % {"count": group_max_participants()},
            code=MessagingError.GROUP_FULL,
        )
    if str(user.pk) not in trusted_ids(actor, [user.pk]):
        invitation, _created = invitation_issue(
            conversation, user=user, invited_by=actor, role=role
        )
        return invitation, ADD_INVITED
    invitation_withdraw(conversation, user.pk)  # now a member: nothing left to accept
    return participant_activate(conversation, user, role=role), ADD_ADDED


@transaction.atomic
def participant_remove(*, actor, conversation_id, user_id) -> Participant | GroupInvitation:
    """Remove ``user_id`` from a group (owners and admins), or withdraw their pending
    invitation; removing oneself is leaving."""
    if str(user_id) == str(actor.pk):
        return participant_leave(user=actor, conversation_id=conversation_id)
    access = conversation_access(actor, conversation_id, lock=True)
    if not access.is_group:
        raise _not_a_group()
    if not access.manages_participants:
        raise Forbidden(
            _("Only the group's owners and admins remove people."),
            code=MessagingError.NOT_GROUP_ADMIN,
        )
    target = (
        Participant.objects.select_related("user")
        .filter(conversation=access.conversation, user_id=parse_uuid(user_id))
        .filter(left_at__isnull=True)
        .first()
    )
    if target is None:
        withdrawn = invitation_withdraw(access.conversation, user_id)
        if withdrawn is not None:
            return withdrawn
        raise NotFound(
            _("This person is not in the conversation."), code=MessagingError.PARTICIPANT_NOT_FOUND
        )
    if target.role in (ParticipantRole.OWNER, ParticipantRole.ADMIN) and (
        access.role != ParticipantRole.OWNER
    ):
        raise Forbidden(
            _("Only an owner removes an owner or an admin."), code=MessagingError.ROLE_TOO_HIGH
        )
    return _leave(access.conversation, target, removed=True)


@transaction.atomic
def participant_leave(*, user, conversation_id) -> Participant:
    """Leave a group, or stop answering a support conversation (agents)."""
    access = conversation_access(user, conversation_id, lock=True)
    conversation = access.conversation
    if conversation.kind == ConversationKind.PRIVATE or (access.is_support and not access.is_agent):
        raise ValidationFailed(
            _("This conversation cannot be left."), code=MessagingError.NOT_A_GROUP
        )
    participant = access.participant
    if participant is None:  # an agent who never joined
        raise NotFound(
            _("You are not in the conversation."), code=MessagingError.PARTICIPANT_NOT_FOUND
        )
    if participant.role == ParticipantRole.OWNER:
        _hand_over(conversation, leaving=participant)
    return _leave(conversation, participant, removed=False)


def _hand_over(conversation: Conversation, *, leaving: Participant) -> None:
    others = Participant.objects.filter(conversation=conversation, left_at__isnull=True).exclude(
        pk=leaving.pk
    )
    if others.filter(role=ParticipantRole.OWNER).exists():
        return
    successor = (
        others.filter(role=ParticipantRole.ADMIN).order_by("created_at").first()
        or others.order_by("created_at").first()
    )
    if successor is None:
        return
    successor.role = ParticipantRole.OWNER
    successor.save(update_fields=["role", "updated_at"])
    emit(conversation, {"type": "participant.updated", "participant": participant_data(successor)})


def _leave(conversation: Conversation, participant: Participant, *, removed: bool) -> Participant:
    participant.left_at = timezone.now()
    participant.save(update_fields=["left_at", "updated_at"])
    emit(
        conversation,
        {
            "type": "participant.removed",
            "user": str(participant.user_id),
            "reason": "removed" if removed else "left",
        },
    )
    return participant
