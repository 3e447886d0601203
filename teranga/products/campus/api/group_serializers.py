"""Serializers of groups and clubs: groups, members, join requests, posts, comments,
reactions."""

from __future__ import annotations

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.limits import DESCRIPTION_MAX_LENGTH, QUERY_MAX_LENGTH
from teranga.core.serializers import Serializer

from ..models import GroupKind, GroupRole, GroupVisibility, JoinRequestStatus, Reaction
from ..models.groups import COMMENT_MAX_LENGTH, GROUP_NAME_MAX_LENGTH, POST_MAX_LENGTH


def public_name(user) -> str:
    """What others see of a user: the first name and the last name's initial (never the
    email address)."""
    first = (user.first_name or "").strip()
    last = (user.last_name or "").strip()
    return f"{first} {last[:1]}.".strip() if last else first


class GroupUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.SerializerMethodField(
        help_text="First name and the last name's initial; never the email address."
    )

    @extend_schema_field(serializers.CharField(allow_blank=True))
    def get_name(self, user) -> str:
        return public_name(user)


class GroupOrganizationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


# --- Groups ------------------------------------------------------------------------------


class GroupQuerySerializer(Serializer):
    q = serializers.CharField(
        max_length=QUERY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Name or description contains.",
    )
    university = serializers.UUIDField(required=False, help_text="Groups of this university.")
    mine = serializers.BooleanField(
        required=False, default=None, allow_null=True, help_text="Only the groups I am a member of."
    )


class GroupCreateSerializer(Serializer):
    name = serializers.CharField(max_length=GROUP_NAME_MAX_LENGTH)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False, default=""
    )
    kind = serializers.ChoiceField(choices=GroupKind.choices, default=GroupKind.GROUP)
    visibility = serializers.ChoiceField(
        choices=GroupVisibility.choices,
        default=GroupVisibility.PUBLIC,
        help_text="Public: anyone joins at once. Private: join requests, content for members only.",
    )
    university = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The university (an organisation of kind university) the group belongs to.",
    )
    organizer = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A club's organiser organisation (of kind club, one you are a member of).",
    )


class GroupUpdateSerializer(Serializer):
    name = serializers.CharField(max_length=GROUP_NAME_MAX_LENGTH, required=False)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False
    )
    kind = serializers.ChoiceField(choices=GroupKind.choices, required=False)
    visibility = serializers.ChoiceField(choices=GroupVisibility.choices, required=False)
    university = serializers.UUIDField(required=False, allow_null=True)
    organizer = serializers.UUIDField(required=False, allow_null=True)


class GroupSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=GroupKind.choices)
    visibility = serializers.ChoiceField(choices=GroupVisibility.choices)
    university = GroupOrganizationSerializer(allow_null=True)
    organizer = GroupOrganizationSerializer(allow_null=True)
    members_count = serializers.IntegerField()
    my_role = serializers.ChoiceField(
        choices=GroupRole.choices, allow_null=True, help_text="My role; null: not a member."
    )
    pending_request = serializers.BooleanField(help_text="I asked to join and wait for a decision.")
    conversation = serializers.SerializerMethodField(
        help_text="The group's chat (a messaging conversation, `/ws/chat/…`): members only, "
        "null for anyone else."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_conversation(self, group):
        if getattr(group, "my_role", None) is None or group.conversation_id is None:
            return None
        return str(group.conversation_id)


class JoinRequestSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    group = serializers.UUIDField(source="group_id")
    user = GroupUserSerializer()
    status = serializers.ChoiceField(choices=JoinRequestStatus.choices)
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class JoinResult(models.TextChoices):
    MEMBER = "member", "member"
    REQUESTED = "requested", "requested"


class JoinResultSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=JoinResult.choices,
        help_text="`member`: joined (public group); `requested`: a join request waits.",
    )
    group = GroupSerializer()
    join_request = JoinRequestSerializer(allow_null=True)


class LeaveSerializer(Serializer):
    successor = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The last admin names a member (user id) who becomes admin.",
    )


class MemberSerializer(serializers.Serializer):
    user = GroupUserSerializer()
    role = serializers.ChoiceField(choices=GroupRole.choices)
    joined_at = serializers.DateTimeField(source="created_at")


class MemberUpdateSerializer(Serializer):
    role = serializers.ChoiceField(choices=GroupRole.choices)


# --- Posts -------------------------------------------------------------------------------


class PostWriteSerializer(Serializer):
    text = serializers.CharField(max_length=POST_MAX_LENGTH, help_text="Plain text.")


class PostSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    group = serializers.UUIDField(source="group_id")
    author = GroupUserSerializer()
    text = serializers.CharField()
    edited_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    reactions = serializers.DictField(
        source="reaction_counts",
        child=serializers.IntegerField(),
        help_text="Count per emoji, every emoji of the set: " + " ".join(Reaction.values),
    )
    reactions_total = serializers.IntegerField()
    my_reaction = serializers.ChoiceField(
        choices=Reaction.choices, allow_null=True, help_text="My reaction; null: none."
    )
    comments_count = serializers.IntegerField()


class CommentWriteSerializer(Serializer):
    text = serializers.CharField(max_length=COMMENT_MAX_LENGTH, help_text="Plain text.")


class CommentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    post = serializers.UUIDField(source="post_id")
    author = GroupUserSerializer()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class ReactionWriteSerializer(Serializer):
    emoji = serializers.ChoiceField(choices=Reaction.choices)
