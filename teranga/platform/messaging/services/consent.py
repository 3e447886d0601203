"""Consent: who may put whom into a group, invitations, and blocks (issue 15, defect 9).

As WhatsApp, Signal and Slack do, nobody becomes a member of a group they did not agree
to join:

* **Trust.** An owner or admin adds someone *directly* only when the two share an
  organisation (members of one organisation, any role), or share a private or group
  conversation in which both are active and the person being added took part of their
  own will: they started it or wrote in it. (A private conversation anybody can open
  with anybody, so merely being in one is not consent.)
* **Invitation.** Anyone else gets a pending :class:`GroupInvitation` and a
  "chat.invitation" notification. Until they accept they are not a participant: the
  group is not in their inbox, they read none of its messages and get none of its
  events (``access`` knows only participants). They accept (they become a member with
  the invited role) or decline; a declined invitation cannot be sent again for
  :data:`DECLINE_COOLDOWN` (409 ``invitation_declined``). Owners and admins withdraw
  a pending invitation as they remove a participant.
* **Blocks.** A block works both ways: neither person starts a private conversation
  with the other, adds the other to a group or invites them (403 ``user_unavailable``),
  and their private conversation takes no new message from either (403
  ``conversation_blocked``). Pending invitations between them are cancelled. In a group
  both stay in, messages are still shown to everyone — a group's history is one
  numbered sequence — but the blocker is not notified of the blocked person's messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from teranga.core.validators import parse_uuid
from teranga.platform.messaging.errors import MessagingError
from teranga.platform.organizations.models import Membership
from teranga.platform.organizations.selectors import organizations_of_user

from ..events import participant_data
from ..models import (
    Block,
    Conversation,
    ConversationKind,
    GroupInvitation,
    InvitationStatus,
    Message,
    Participant,
)
from ..notices import chat_invitation_notify
from ._common import active_user, emit, group_max_participants

#: How long after a decline the same group may not invite the same person again.
DECLINE_COOLDOWN = timedelta(days=30)


def _ids(user_ids: Iterable) -> list:
    return [key for key in (parse_uuid(value) for value in user_ids) if key is not None]


# --- Trust and blocks --------------------------------------------------------------------


def blocked_with(user, user_ids: Iterable) -> set[str]:
    """The ids among ``user_ids`` that ``user`` blocked or that blocked ``user``."""
    ids = _ids(user_ids)
    if not ids:
        return set()
    rows = Block.objects.filter(
        Q(blocker=user, blocked_id__in=ids) | Q(blocked=user, blocker_id__in=ids)
    ).values_list("blocker_id", "blocked_id")
    return {str(blocked if blocker == user.pk else blocker) for blocker, blocked in rows}


def blocked_by_any_of(user_ids: Iterable, sender) -> set[str]:
    """The ids among ``user_ids`` that blocked ``sender`` (they are not told of its
    messages)."""
    ids = _ids(user_ids)
    if not ids:
        return set()
    blockers = Block.objects.filter(blocked=sender, blocker_id__in=ids)
    return {str(key) for key in blockers.values_list("blocker_id", flat=True)}


def conversation_is_blocked(conversation: Conversation, sender) -> bool:
    """A private conversation whose two people are separated by a block (either way)."""
    if conversation.kind != ConversationKind.PRIVATE:
        return False
    others = Participant.objects.filter(conversation=conversation).exclude(user=sender)
    peer_ids = others.values("user_id")
    return Block.objects.filter(
        Q(blocker=sender, blocked_id__in=peer_ids) | Q(blocked=sender, blocker_id__in=peer_ids)
    ).exists()


def trusted_ids(adder, user_ids: Iterable) -> set[str]:
    """The ids among ``user_ids`` that ``adder`` may add to a group without asking: two
    queries whatever their number (see the module's "Trust")."""
    ids = _ids(user_ids)
    if not ids:
        return set()
    organizations = organizations_of_user(user=adder).order_by().values("organization_id")
    colleagues = Membership.objects.filter(organization_id__in=organizations, user_id__in=ids)
    trusted = {str(key) for key in colleagues.values_list("user_id", flat=True)}
    rest = [key for key in ids if str(key) not in trusted]
    if not rest:
        return trusted
    adder_conversations = Participant.objects.filter(
        user=adder,
        left_at__isnull=True,
        conversation__kind__in=[ConversationKind.PRIVATE, ConversationKind.GROUP],
    ).values("conversation_id")
    wrote = Message.objects.filter(
        conversation_id=OuterRef("conversation_id"), sender_id=OuterRef("user_id")
    )
    shared = Participant.objects.filter(
        conversation_id__in=adder_conversations, user_id__in=rest, left_at__isnull=True
    ).filter(Q(conversation__created_by_id=F("user_id")) | Exists(wrote))
    trusted |= {str(key) for key in shared.values_list("user_id", flat=True)}
    return trusted


def unavailable(user_ids: Iterable[str], *, field: str) -> Forbidden:
    """The refusal of an add, an invitation or a private conversation across a block. It
    does not say who blocked whom."""
    message = _("You cannot add this person or write to them.")
    return Forbidden(
        message,
        code=MessagingError.USER_UNAVAILABLE,
        fields={field: [_("Unavailable user: %(id)s.") % {"id": key} for key in user_ids]},
    )


# --- Participants and invitations ----------------------------------------------------------


def participant_activate(conversation: Conversation, user, *, role: str) -> Participant:
    """Make ``user`` an active participant of ``conversation`` (locked by the caller),
    reading from now on; a former participant is made active again."""
    now = timezone.now()
    existing = Participant.objects.filter(conversation=conversation, user=user).first()
    if existing is not None:
        existing.left_at = None
        existing.role = role
        existing.muted = False
        existing.last_read_seq = conversation.last_seq
        existing.last_read_at = now
        existing.save()
        participant = existing
    else:
        participant = Participant.objects.create(
            conversation=conversation,
            user=user,
            role=role,
            last_read_seq=conversation.last_seq,
            last_read_at=now,
        )
    emit(conversation, {"type": "participant.added", "participant": participant_data(participant)})
    return participant


def invitation_issue(
    conversation: Conversation, *, user, invited_by, role: str
) -> tuple[GroupInvitation, bool]:
    """Invite ``user`` to ``conversation`` (locked by the caller) and tell them; the
    pending invitation if there is one already (created False)."""
    invitation = (
        GroupInvitation.objects.select_for_update()
        .filter(conversation=conversation, user=user)
        .first()
    )
    now = timezone.now()
    if invitation is not None and invitation.status == InvitationStatus.PENDING:
        return invitation, False
    if (
        invitation is not None
        and invitation.status == InvitationStatus.DECLINED
        and invitation.responded_at is not None
        and invitation.responded_at > now - DECLINE_COOLDOWN
    ):
        raise Conflict(
            _("This person declined an invitation to this group recently."),
            code=MessagingError.INVITATION_DECLINED,
        )
    if invitation is None:
        try:
            with transaction.atomic():
                invitation = GroupInvitation.objects.create(
                    conversation=conversation, user=user, invited_by=invited_by, role=role
                )
        except IntegrityError:  # invited at the same moment by another request
            return GroupInvitation.objects.get(conversation=conversation, user=user), False
    else:
        invitation.status = InvitationStatus.PENDING
        invitation.invited_by = invited_by
        invitation.role = role
        invitation.responded_at = None
        invitation.save()
    chat_invitation_notify(invitation=invitation, conversation=conversation, inviter=invited_by)
    return invitation, True


def pending_invitation_count(conversation: Conversation) -> int:
    return GroupInvitation.objects.filter(
        conversation=conversation, status=InvitationStatus.PENDING
    ).count()


def _invitation_of(user, invitation_id) -> GroupInvitation:
    """``user``'s pending invitation ``invitation_id``; 404 ``invitation_not_found``."""
    key = parse_uuid(invitation_id)
    invitation = (
        GroupInvitation.objects.filter(pk=key, user=user, status=InvitationStatus.PENDING).first()
        if key is not None and user is not None and user.is_authenticated
        else None
    )
    if invitation is None:
        raise NotFound(_("No such invitation."), code=MessagingError.INVITATION_NOT_FOUND)
    return invitation


@transaction.atomic
def invitation_accept(*, user, invitation_id) -> Participant:
    """Accept a pending invitation: become a participant of the group with the invited
    role (409 ``group_full`` when the group filled up meanwhile)."""
    found = _invitation_of(user, invitation_id)
    # The conversation's row lock first, then the invitation's: the services' order.
    conversation = Conversation.objects.select_for_update().get(pk=found.conversation_id)
    invitation = GroupInvitation.objects.select_for_update().get(pk=found.pk)
    if invitation.status != InvitationStatus.PENDING:  # answered meanwhile
        raise NotFound(_("No such invitation."), code=MessagingError.INVITATION_NOT_FOUND)
    active = Participant.objects.filter(conversation=conversation, left_at__isnull=True).count()
    if active >= group_max_participants():
        raise Conflict(
            _("A group has at most %(count)d participants.") % {"count": group_max_participants()},
            code=MessagingError.GROUP_FULL,
        )
    participant = participant_activate(conversation, user, role=invitation.role)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at", "updated_at"])
    return participant


@transaction.atomic
def invitation_decline(*, user, invitation_id) -> GroupInvitation:
    """Decline a pending invitation (the group may not invite again for a while)."""
    found = _invitation_of(user, invitation_id)
    invitation = GroupInvitation.objects.select_for_update().get(pk=found.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise NotFound(_("No such invitation."), code=MessagingError.INVITATION_NOT_FOUND)
    invitation.status = InvitationStatus.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at", "updated_at"])
    return invitation


def invitation_withdraw(conversation: Conversation, user_id) -> GroupInvitation | None:
    """Cancel the pending invitation of ``user_id`` to ``conversation`` (locked by the
    caller), if there is one."""
    invitation = (
        GroupInvitation.objects.select_for_update()
        .filter(conversation=conversation, user_id=parse_uuid(user_id))
        .filter(status=InvitationStatus.PENDING)
        .first()
    )
    if invitation is not None:
        invitation.status = InvitationStatus.CANCELLED
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "responded_at", "updated_at"])
    return invitation


# --- Blocks --------------------------------------------------------------------------------


@transaction.atomic
def block_create(*, user, user_id) -> tuple[Block, bool]:
    """Block ``user_id``; the existing block if any (created False). Pending invitations
    between the two, either way, are cancelled."""
    if parse_uuid(user_id) is not None and str(parse_uuid(user_id)) == str(user.pk):
        raise ValidationFailed(
            _("You cannot block yourself."),
            code=MessagingError.CANNOT_BLOCK_SELF,
            fields={"user": [_("Choose another user.")]},
        )
    other = active_user(user_id, field="user")
    existing = Block.objects.filter(blocker=user, blocked=other).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            block = Block.objects.create(blocker=user, blocked=other)
    except IntegrityError:  # the same block at the same moment
        return Block.objects.get(blocker=user, blocked=other), False
    now = timezone.now()
    GroupInvitation.objects.filter(status=InvitationStatus.PENDING).filter(
        Q(user=user, invited_by=other) | Q(user=other, invited_by=user)
    ).update(status=InvitationStatus.CANCELLED, responded_at=now, updated_at=now)
    return block, True


@transaction.atomic
def block_delete(*, user, user_id) -> None:
    """Unblock ``user_id``; 404 ``block_not_found`` when ``user`` had not blocked them."""
    key = parse_uuid(user_id)
    deleted = Block.objects.filter(blocker=user, blocked_id=key).delete()[0] if key else 0
    if not deleted:
        raise NotFound(_("You have not blocked this person."), code=MessagingError.BLOCK_NOT_FOUND)
