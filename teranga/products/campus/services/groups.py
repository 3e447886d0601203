"""Groups and clubs: creation, edits, membership with roles, join requests, and the
group's chat (a group conversation of the messaging module).

Every service is atomic and takes the group's row lock first (then, through messaging's
services, the conversation's): two admins leaving at once cannot leave the group
without one, and ``members_count`` moves in the transaction that changes the members.

**The chat.** A group gets one group conversation when it is created (its creator is the
conversation's owner). Joining makes the member a participant, leaving or removal takes
them out. Messaging lets only a conversation's owner or admins add people, and invites
(instead of adding) whom they share nothing with; joining a group *is* the member's
consent, so the services add through the conversation's current owner and accept the
invitation on the member's behalf at once. A chat step that messaging refuses (a block
between the two, a full conversation) does not undo the membership: the member reads the
group, just not its chat, and the refusal is logged.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import ApplicationError, Conflict, CoreError, NotFound, ValidationFailed
from teranga.core.links import object_link
from teranga.core.validators import parse_uuid
from teranga.platform.messaging import services as chat
from teranga.platform.messaging.models import ConversationKind, ParticipantRole
from teranga.platform.messaging.selectors import participants_of_queryset
from teranga.platform.notifications.services import notification_send
from teranga.platform.organizations.models import Membership, Organization, OrganizationKind

from ..errors import CampusError
from ..group_notices import GROUP_LINK, JOIN_DECIDED, JOIN_REQUESTED
from ..models import (
    CampusGroup,
    GroupJoinRequest,
    GroupKind,
    GroupMembership,
    GroupRole,
    GroupVisibility,
    JoinRequestStatus,
)
from ..models.events import CampusOrganizer
from ..selectors.groups import (
    group_for_role,
    group_for_viewer,
    role_at_least,
    role_too_low,
)

logger = logging.getLogger(__name__)


def _public_name(user) -> str:
    first = (user.first_name or "").strip()
    last = (user.last_name or "").strip()
    return f"{first} {last[:1]}.".strip() if last else first or _("A student")


#: A conversation's title is at most this long (messaging's limit).
CHAT_TITLE_MAX_LENGTH = 200


# --- The group's chat ----------------------------------------------------------------------


def _chat_manager(conversation_id):
    """The conversation's owner (else an admin) participant, who adds and removes."""
    participants = participants_of_queryset().filter(conversation_id=conversation_id)
    return (
        participants.filter(role=ParticipantRole.OWNER).first()
        or participants.filter(role=ParticipantRole.ADMIN).first()
    )


def _chat_add(group: CampusGroup, user) -> None:
    if group.conversation_id is None:
        return
    try:
        with transaction.atomic():
            manager = _chat_manager(group.conversation_id)
            if manager is None or manager.user_id == user.pk:
                return
            result, how = chat.participant_add(
                actor=manager.user, conversation_id=group.conversation_id, user_id=user.pk
            )
            if how == chat.ADD_INVITED:
                # Joining the group is the member's consent to its chat.
                chat.invitation_accept(user=user, invitation_id=result.pk)
    except ApplicationError as error:
        logger.warning("campus group %s: chat add of %s refused: %s", group.pk, user.pk, error.code)


def _chat_remove(group: CampusGroup, user_id) -> None:
    if group.conversation_id is None:
        return
    try:
        with transaction.atomic():
            manager = _chat_manager(group.conversation_id)
            if manager is None:
                return
            if str(manager.user_id) == str(user_id):
                chat.participant_leave(user=manager.user, conversation_id=group.conversation_id)
            else:
                chat.participant_remove(
                    actor=manager.user, conversation_id=group.conversation_id, user_id=user_id
                )
    except ApplicationError as error:
        logger.info("campus group %s: chat removal of %s: %s", group.pk, user_id, error.code)


def _chat_title(name: str) -> str:
    return name[:CHAT_TITLE_MAX_LENGTH]


# --- Groups ------------------------------------------------------------------------------


def _organization(organization_id, *, kind: str, code: CampusError, field: str):
    key = parse_uuid(organization_id)
    organization = Organization.objects.filter(pk=key, kind=kind).first() if key else None
    if organization is None:
        message = _("No such organisation.")
        raise ValidationFailed(message, code=code, fields={field: [message]})
    return organization


def _check_organizer(user, organizer_id, *, kind: str):
    """The club organisation a club is tied to: a club ``user`` is a member of."""
    if kind != GroupKind.CLUB:
        message = _("Only a club is tied to an organiser.")
        raise ValidationFailed(message, code=CoreError.INVALID, fields={"organizer": [message]})
    organizer = _organization(
        organizer_id,
        kind=OrganizationKind.CLUB,
        code=CampusError.ORGANIZER_NOT_FOUND,
        field="organizer",
    )
    if not Membership.objects.filter(organization=organizer, user=user).exists():
        message = _("Only a member of the club ties a group to it.")
        raise ValidationFailed(
            message, code=CampusError.ORGANIZER_NOT_FOUND, fields={"organizer": [message]}
        )
    return organizer


def _clean_text(value: str) -> str:
    from .posts import plain_text

    return plain_text(value)


def _clean_name(value: str) -> str:
    name = " ".join(_clean_text(value).split())
    if not name:
        message = _("This field may not be blank.")
        raise ValidationFailed(message, code=CoreError.INVALID, fields={"name": [message]})
    return name


@transaction.atomic
def group_create(
    *,
    user,
    name: str,
    description: str = "",
    kind: str = GroupKind.GROUP,
    visibility: str = GroupVisibility.PUBLIC,
    university_id=None,
    organizer_id=None,
) -> CampusGroup:
    """A new group; ``user`` becomes its admin and the owner of its chat."""
    name = _clean_name(name)
    organizer = None
    university = None
    if organizer_id is not None:
        organizer = _check_organizer(user, organizer_id, kind=kind)
    if university_id is not None:
        university = _organization(
            university_id,
            kind=OrganizationKind.UNIVERSITY,
            code=CampusError.UNIVERSITY_NOT_FOUND,
            field="university",
        )
    elif organizer is not None:
        university_id = (
            CampusOrganizer.objects.filter(organization=organizer)
            .values_list("university_id", flat=True)
            .first()
        )
        university = (
            Organization.objects.filter(pk=university_id).first() if university_id else None
        )
    conversation, _created = chat.conversation_create(
        creator=user, kind=ConversationKind.GROUP, title=_chat_title(name)
    )
    group = CampusGroup.objects.create(
        name=name,
        description=_clean_text(description),
        kind=kind,
        visibility=visibility,
        university=university,
        organizer=organizer,
        created_by=user,
        conversation=conversation,
        members_count=1,
    )
    membership = GroupMembership.objects.create(group=group, user=user, role=GroupRole.ADMIN)
    group.my_role = membership.role
    group.membership = membership
    group.pending_request = False
    return group


@transaction.atomic
def group_update(*, user, group_id, **changes) -> CampusGroup:
    """Edit a group (its admins): ``name``, ``description``, ``visibility``, ``kind``,
    ``university`` (id or None), ``organizer`` (id or None)."""
    group = group_for_role(user=user, group_id=group_id, role=GroupRole.ADMIN, lock=True)
    fields = []
    if "name" in changes:
        group.name = _clean_name(changes["name"])
        fields.append("name")
    if "description" in changes:
        group.description = _clean_text(changes["description"])
        fields.append("description")
    if "visibility" in changes:
        group.visibility = changes["visibility"]
        fields.append("visibility")
    if "kind" in changes:
        group.kind = changes["kind"]
        fields.append("kind")
        if group.kind != GroupKind.CLUB and "organizer_id" not in changes:
            group.organizer = None
            fields.append("organizer")
    if "organizer_id" in changes:
        organizer_id = changes["organizer_id"]
        group.organizer = (
            _check_organizer(user, organizer_id, kind=group.kind) if organizer_id else None
        )
        fields.append("organizer")
    if "university_id" in changes:
        university_id = changes["university_id"]
        group.university = (
            _organization(
                university_id,
                kind=OrganizationKind.UNIVERSITY,
                code=CampusError.UNIVERSITY_NOT_FOUND,
                field="university",
            )
            if university_id
            else None
        )
        fields.append("university")
    if fields:
        group.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
    if "name" in changes and group.conversation_id is not None:
        manager = _chat_manager(group.conversation_id)
        if manager is not None:
            chat.conversation_update(
                actor=manager.user,
                conversation_id=group.conversation_id,
                title=_chat_title(group.name),
            )
    return group


@transaction.atomic
def group_delete(*, user, group_id) -> None:
    """Delete a group (its admins), with its posts; everyone leaves its chat."""
    group = group_for_role(user=user, group_id=group_id, role=GroupRole.ADMIN, lock=True)
    if group.conversation_id is not None:
        participants = list(
            participants_of_queryset()
            .filter(conversation_id=group.conversation_id)
            .values_list("user_id", flat=True)
        )
        for participant_id in participants:
            _chat_remove(group, participant_id)
    group.delete()


def _member_added(group: CampusGroup, user, *, role: str = GroupRole.MEMBER) -> GroupMembership:
    """Make ``user`` a member of ``group`` (locked by the caller); 409 ``already_member``."""
    try:
        with transaction.atomic():
            membership = GroupMembership.objects.create(group=group, user=user, role=role)
    except IntegrityError:
        raise Conflict(
            _("You are already a member of this group."), code=CampusError.ALREADY_MEMBER
        ) from None
    CampusGroup.objects.filter(pk=group.pk).update(members_count=F("members_count") + 1)
    group.members_count += 1
    _chat_add(group, user)
    return membership


def _member_gone(group: CampusGroup, membership: GroupMembership) -> None:
    user_id = membership.user_id
    membership.delete()
    CampusGroup.objects.filter(pk=group.pk, members_count__gt=0).update(
        members_count=F("members_count") - 1
    )
    group.members_count = max(group.members_count - 1, 0)
    _chat_remove(group, user_id)


@transaction.atomic
def group_join(*, user, group_id) -> tuple[str, GroupMembership | GroupJoinRequest]:
    """Join a public group at once (``("member", membership)``), or ask to join a private
    one (``("requested", join request)``: admins and moderators decide)."""
    group = group_for_viewer(user=user, group_id=group_id, lock=True)
    if group.my_role is not None:
        raise Conflict(
            _("You are already a member of this group."), code=CampusError.ALREADY_MEMBER
        )
    if group.visibility == GroupVisibility.PUBLIC:
        membership = _member_added(group, user)
        group.my_role = membership.role
        return "member", membership
    if group.pending_request:
        raise Conflict(
            _("Your request to join is already waiting."), code=CampusError.JOIN_REQUEST_PENDING
        )
    request = GroupJoinRequest.objects.create(group=group, user=user)
    deciders = GroupMembership.objects.filter(
        group=group, role__in=[GroupRole.ADMIN, GroupRole.MODERATOR], user__is_active=True
    ).select_related("user")
    link = object_link(GROUP_LINK, group.pk)
    for decider in deciders:
        notification_send(
            recipient=decider.user,
            kind=JOIN_REQUESTED,
            context={"group": group.name, "user": _public_name(user)},
            link=link,
            idempotency_key=f"campus:group_join:{request.pk}:requested:{decider.user_id}",
        )
    return "requested", request


@transaction.atomic
def group_leave(*, user, group_id, successor_id=None) -> None:
    """Leave a group. The last admin names a member as the next admin
    (``successor_id``), else 409 ``last_admin``."""
    group = group_for_role(user=user, group_id=group_id, lock=True)
    membership = group.membership
    if membership.role == GroupRole.ADMIN:
        others = GroupMembership.objects.filter(group=group, role=GroupRole.ADMIN).exclude(
            pk=membership.pk
        )
        if not others.exists():
            if successor_id is None:
                raise Conflict(
                    _("You are the group's last admin: name another admin before you leave."),
                    code=CampusError.LAST_ADMIN,
                )
            key = parse_uuid(successor_id)
            successor = (
                GroupMembership.objects.filter(group=group, user_id=key)
                .exclude(pk=membership.pk)
                .first()
                if key
                else None
            )
            if successor is None:
                message = _("Choose a member of the group.")
                raise ValidationFailed(
                    message,
                    code=CampusError.GROUP_MEMBER_NOT_FOUND,
                    fields={"successor": [message]},
                )
            successor.role = GroupRole.ADMIN
            successor.save(update_fields=["role", "updated_at"])
    _member_gone(group, membership)


def _target(group: CampusGroup, user_id) -> GroupMembership:
    key = parse_uuid(user_id)
    membership = (
        GroupMembership.objects.select_related("user").filter(group=group, user_id=key).first()
        if key
        else None
    )
    if membership is None:
        raise NotFound(
            _("This person is not a member of the group."),
            code=CampusError.GROUP_MEMBER_NOT_FOUND,
        )
    return membership


def _last_admin(group: CampusGroup, membership: GroupMembership) -> bool:
    return (
        membership.role == GroupRole.ADMIN
        and not GroupMembership.objects.filter(group=group, role=GroupRole.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def group_member_update(*, user, group_id, user_id, role: str) -> GroupMembership:
    """Change a member's role (admins only). The last admin cannot step down: 409
    ``last_admin``."""
    group = group_for_role(user=user, group_id=group_id, role=GroupRole.ADMIN, lock=True)
    membership = _target(group, user_id)
    if role != GroupRole.ADMIN and _last_admin(group, membership):
        raise Conflict(
            _("The group needs an admin: name another admin first."), code=CampusError.LAST_ADMIN
        )
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def group_member_remove(*, user, group_id, user_id) -> None:
    """Remove a member (admins and moderators): a moderator removes members only, an
    admin anyone. Removing oneself is leaving."""
    if parse_uuid(user_id) is not None and str(parse_uuid(user_id)) == str(user.pk):
        group_leave(user=user, group_id=group_id)
        return
    group = group_for_role(user=user, group_id=group_id, role=GroupRole.MODERATOR, lock=True)
    membership = _target(group, user_id)
    if membership.role != GroupRole.MEMBER and not role_at_least(group.my_role, GroupRole.ADMIN):
        raise role_too_low()
    _member_gone(group, membership)


# --- Join requests -----------------------------------------------------------------------


def _request_for_moderator(user, request_id) -> GroupJoinRequest:
    key = parse_uuid(request_id)
    found = (
        GroupJoinRequest.objects.filter(pk=key).values_list("group_id", flat=True).first()
        if key
        else None
    )
    not_found = NotFound(_("No such join request."), code=CampusError.JOIN_REQUEST_NOT_FOUND)
    if found is None:
        raise not_found
    try:
        group = group_for_role(user=user, group_id=found, role=GroupRole.MODERATOR, lock=True)
    except NotFound:
        raise not_found from None
    request = (
        GroupJoinRequest.objects.select_for_update().select_related("user").filter(pk=key).first()
    )
    if request is None:
        raise not_found
    request.group = group
    return request


@transaction.atomic
def join_request_decide(*, user, request_id, approve: bool) -> GroupJoinRequest:
    """Approve (the requester becomes a member) or reject a pending join request (the
    group's admins and moderators); 409 ``join_request_not_pending`` once decided."""
    request = _request_for_moderator(user, request_id)
    if request.status != JoinRequestStatus.PENDING:
        raise Conflict(
            _("This join request was already decided."), code=CampusError.JOIN_REQUEST_NOT_PENDING
        )
    if (
        approve
        and not GroupMembership.objects.filter(
            group=request.group, user_id=request.user_id
        ).exists()
    ):
        _member_added(request.group, request.user)
    request.status = JoinRequestStatus.APPROVED if approve else JoinRequestStatus.REJECTED
    request.decided_by = user
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    if request.user.is_active:
        notification_send(
            recipient=request.user,
            kind=JOIN_DECIDED,
            context={"group": request.group.name, "status": request.status},
            link=object_link(GROUP_LINK, request.group.pk),
            idempotency_key=f"campus:group_join:{request.pk}:{request.status}",
        )
    return request
