"""Messaging serializers. Input serializers are strict (unknown fields are refused);
output serializers describe the JSON of ``events`` (one representation for the API and
the sockets) and produce it through those functions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.errors import ValidationFailed
from teranga.core.limits import MESSAGE_MAX_LENGTH, NOTE_MAX_LENGTH
from teranga.core.serializers import Serializer

from .. import events
from ..attachments import MAX_ATTACHMENTS
from ..errors import MessagingError
from ..models import ConversationKind, InvitationStatus, ParticipantRole
from ..services.messages import CLIENT_ID_MAX_LENGTH


class MessageBodyField(serializers.CharField):
    """A message's text: at most ``MESSAGE_MAX_LENGTH`` characters, refused with the
    same code as the service and the socket (400 ``message_too_long``, not the generic
    ``invalid`` of a serializer's length check), so one limit has one code everywhere."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(max_length=MESSAGE_MAX_LENGTH, **kwargs)

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str) and len(data) > MESSAGE_MAX_LENGTH:
            message = _("At most %(count)d characters.") % {"count": MESSAGE_MAX_LENGTH}
            raise ValidationFailed(
                message, code=MessagingError.MESSAGE_TOO_LONG, fields={self.field_name: [message]}
            )
        return super().run_validation(data)


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(" + "|".join(ConversationKind.values) + ")$",
        "description": "`private` (1:1), `group` or `support`.",
    }
)
class ConversationKindField(serializers.ChoiceField):
    """The conversation kind. Documented with a pattern, not an enum: an enum named
    "kind" used by several components collides with the other "kind" enums of the API
    unless ENUM_NAME_OVERRIDES names it (see the report)."""

    def __init__(self, **kwargs):
        super().__init__(choices=ConversationKind.choices, **kwargs)


# --- Output --------------------------------------------------------------------------------


class UserSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    avatar = serializers.CharField(allow_null=True)


class AttachmentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField(help_text="Download URL (participants only).")


class MessageSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    conversation = serializers.UUIDField()
    seq = serializers.IntegerField(help_text="Gapless number in the conversation.")
    kind = serializers.ChoiceField(choices=["text", "system", "auto_reply"])
    sender = UserSummarySerializer(allow_null=True, help_text="null for automatic replies.")
    body = serializers.CharField(help_text="Blank once deleted (except for its sender).")
    attachments = AttachmentSerializer(many=True)
    client_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance):
        return events.message_data(instance, viewer_id=self.context.get("viewer_id"))


class ParticipantSerializer(serializers.Serializer):
    user = UserSummarySerializer()
    role = serializers.ChoiceField(choices=ParticipantRole.choices)
    last_read_seq = serializers.IntegerField()
    last_read_at = serializers.DateTimeField(allow_null=True)
    joined_at = serializers.DateTimeField()

    def to_representation(self, instance):
        return events.participant_data(instance)


def _conversation_summary(conversation, viewer_id) -> dict:
    data = events.conversation_data(conversation)
    last = getattr(conversation, "last_message", None)
    data.update(
        organization_name=conversation.organization.name if conversation.organization_id else None,
        unread=max(0, int(getattr(conversation, "unread", 0) or 0)),
        last_read_seq=int(getattr(conversation, "my_last_read_seq", 0) or 0),
        my_role=getattr(conversation, "my_role", None),
        muted=bool(getattr(conversation, "my_muted", False)),
        participant_count=getattr(conversation, "participant_count", None),
        peers=[
            events.user_data(p.user)
            for p in getattr(conversation, "peers", [])
            if str(p.user_id) != str(viewer_id)
        ],
        last_message=events.message_data(last, viewer_id=viewer_id) if last else None,
    )
    return data


class ConversationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = ConversationKindField()
    title = serializers.CharField()
    organization = serializers.UUIDField(allow_null=True)
    organization_name = serializers.CharField(allow_null=True)
    last_seq = serializers.IntegerField()
    last_message_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    unread = serializers.IntegerField(help_text="Messages after my last_read_seq.")
    last_read_seq = serializers.IntegerField()
    my_role = serializers.CharField(allow_null=True)
    muted = serializers.BooleanField()
    participant_count = serializers.IntegerField(allow_null=True)
    peers = UserSummarySerializer(many=True, help_text="Private: the other person.")
    last_message = MessageSerializer(allow_null=True)

    def to_representation(self, instance):
        return _conversation_summary(instance, self.context.get("viewer_id"))


def invitation_data(invitation) -> dict:
    return {
        "id": str(invitation.pk),
        "conversation": {
            "id": str(invitation.conversation_id),
            "title": invitation.conversation.title,
        },
        "user": events.user_data(invitation.user),
        "invited_by": events.user_data(invitation.invited_by) if invitation.invited_by_id else None,
        "role": invitation.role,
        "status": invitation.status,
        "created_at": invitation.created_at,
        "updated_at": invitation.updated_at,
    }


class GroupInvitationConversationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()


class GroupInvitationSerializer(serializers.Serializer):
    """An invitation to a group: what the invitee sees before accepting (the group's
    title and who asked — not its messages or members)."""

    id = serializers.UUIDField()
    conversation = GroupInvitationConversationSerializer()
    user = UserSummarySerializer(help_text="The invitee.")
    invited_by = UserSummarySerializer(allow_null=True, help_text="null once deleted.")
    role = serializers.ChoiceField(choices=[ParticipantRole.MEMBER, ParticipantRole.ADMIN])
    status = serializers.ChoiceField(choices=InvitationStatus.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(help_text="When it was last sent.")

    def to_representation(self, instance):
        return invitation_data(instance)


class ConversationDetailSerializer(ConversationSerializer):
    participants = ParticipantSerializer(many=True)
    pending_invitations = GroupInvitationSerializer(
        many=True,
        help_text="Groups: the invitations not answered yet, shown to the group's owners "
        "and admins only (empty for everyone else).",
    )

    def to_representation(self, instance):
        data = _conversation_summary(instance, self.context.get("viewer_id"))
        data["participants"] = [
            events.participant_data(p) for p in getattr(instance, "active_participants", [])
        ]
        data["pending_invitations"] = [
            invitation_data(i) for i in getattr(instance, "pending_invitations", [])
        ]
        return data


class BlockSerializer(serializers.Serializer):
    user = UserSummarySerializer(help_text="The person I blocked.")
    created_at = serializers.DateTimeField()

    def to_representation(self, instance):
        return {"user": events.user_data(instance.blocked), "created_at": instance.created_at}


class InboxConversationSerializer(ConversationSerializer):
    requester = UserSummarySerializer(allow_null=True)
    agents = UserSummarySerializer(many=True)

    def to_representation(self, instance):
        data = _conversation_summary(instance, self.context.get("viewer_id"))
        data["requester"] = events.user_data(instance.created_by)
        data["agents"] = [events.user_data(p.user) for p in getattr(instance, "agents", [])]
        return data


class ReadStateSerializer(serializers.Serializer):
    conversation = serializers.UUIDField()
    last_read_seq = serializers.IntegerField()
    unread = serializers.IntegerField()


class SupportOpenResultSerializer(serializers.Serializer):
    conversation = ConversationSerializer()
    message = MessageSerializer()
    created = serializers.BooleanField(help_text="A new conversation was opened.")


# --- Input ---------------------------------------------------------------------------------


class ConversationListQuerySerializer(Serializer):
    kind = ConversationKindField(required=False)
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


class ConversationCreateSerializer(Serializer):
    kind = serializers.ChoiceField(
        choices=[ConversationKind.PRIVATE, ConversationKind.GROUP],
        help_text="Support conversations are opened with POST /support/conversations/.",
    )
    user = serializers.UUIDField(required=False, help_text="private: the other person.")
    title = serializers.CharField(required=False, max_length=200, allow_blank=True)
    participants = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=1000, allow_empty=True
    )

    def validate(self, attrs):
        if attrs["kind"] == ConversationKind.PRIVATE:
            if "user" not in attrs:
                message = _("Required for a private conversation.")
                raise serializers.ValidationError({"user": [message]})
            if attrs.get("title") or attrs.get("participants"):
                raise serializers.ValidationError(
                    {"kind": [_("A private conversation has no title or participants list.")]}
                )
        elif "user" in attrs:
            raise serializers.ValidationError({"user": [_("Only for a private conversation.")]})
        return attrs


class ConversationUpdateSerializer(Serializer):
    title = serializers.CharField(required=False, max_length=200)
    muted = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Give title and/or muted."))
        return attrs


class MessageListQuerySerializer(Serializer):
    since = serializers.IntegerField(
        required=False, min_value=0, help_text="Only messages after this seq, oldest first."
    )


class MessageCreateSerializer(Serializer):
    body = MessageBodyField(required=False, allow_blank=True, default="")
    client_id = serializers.CharField(
        required=False, allow_blank=True, max_length=CLIENT_ID_MAX_LENGTH, default=""
    )


def attachments_field() -> serializers.ListField:
    """The files of an upload endpoint (multipart/form-data): at least one. More than
    ``MAX_ATTACHMENTS`` is refused by the service (400 ``too_many_attachments``)."""
    return serializers.ListField(
        child=serializers.FileField(),
        allow_empty=False,
        help_text=f"1 to {MAX_ATTACHMENTS} images (JPEG, PNG, WebP, GIF) or PDF documents, "
        "checked by content.",
    )


class MessageUploadSerializer(MessageCreateSerializer):
    """A message with its files (`POST …/messages/upload/`, multipart/form-data)."""

    attachments = attachments_field()


class MessageEditSerializer(Serializer):
    body = MessageBodyField(allow_blank=True)


class ReadSerializer(Serializer):
    seq = serializers.IntegerField(
        required=False, min_value=0, allow_null=True, help_text="Default: the last message."
    )


class BlockCreateSerializer(Serializer):
    user = serializers.UUIDField(help_text="The person to block.")


class ParticipantAddSerializer(Serializer):
    user = serializers.UUIDField()
    role = serializers.ChoiceField(
        choices=[ParticipantRole.MEMBER, ParticipantRole.ADMIN], default=ParticipantRole.MEMBER
    )


class SupportOpenSerializer(Serializer):
    organization = serializers.CharField(max_length=220, help_text="Organisation id or slug.")
    body = MessageBodyField(allow_blank=True, required=False, default="")
    client_id = serializers.CharField(
        required=False, allow_blank=True, max_length=CLIENT_ID_MAX_LENGTH, default=""
    )


class SupportOpenUploadSerializer(SupportOpenSerializer):
    """The first message with its files (`POST support/conversations/upload/`,
    multipart/form-data)."""

    attachments = attachments_field()


class SupportListQuerySerializer(Serializer):
    organization = serializers.UUIDField(required=False)


class InboxQuerySerializer(Serializer):
    status = serializers.ChoiceField(choices=["open", "closed"], required=False)
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


class WidgetQuerySerializer(Serializer):
    org = serializers.CharField(max_length=220, help_text="Organisation id or slug.")


class BusinessHoursSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="Monday = 0.")
    opens = serializers.CharField(max_length=5, help_text="HH:MM, organisation's time zone.")
    closes = serializers.CharField(max_length=5, help_text="HH:MM (24:00 allowed).")


@extend_schema_field(BusinessHoursSerializer(many=True))
class BusinessHoursField(serializers.JSONField):
    """The opening periods, as JSON: checked by the service (400
    ``invalid_business_hours`` with the period at fault), documented as their shape."""


class SupportSettingsSerializer(Serializer):
    """Read and write (PUT replaces everything; omitted fields get their defaults)."""

    organization = serializers.UUIDField(read_only=True, source="organization_id")
    configured = serializers.SerializerMethodField()
    enabled = serializers.BooleanField(required=False, default=True)
    business_hours = BusinessHoursField(required=False, default=list)
    auto_reply = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX_LENGTH
    )
    welcome_message = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )
    whatsapp = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, help_text="Phone number."
    )
    telegram = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, help_text="Username."
    )
    discord = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, help_text="Invite code."
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    primary_color = serializers.CharField(required=False, default="#D4AF37", max_length=7)

    def get_configured(self, instance) -> bool:
        return bool(getattr(instance, "pk", None) and not instance._state.adding)


class WidgetChannelSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["whatsapp", "telegram", "discord", "email"])
    label = serializers.CharField()
    url = serializers.CharField()


class WidgetEmbedSerializer(serializers.Serializer):
    page_url = serializers.URLField(help_text="The widget page the loader frames.")
    script_url = serializers.URLField(help_text="The loader script (support-widget.js).")
    snippet = serializers.CharField(help_text="The <script> line a website pastes.")


class WidgetConfigSerializer(serializers.Serializer):
    organization = serializers.DictField()
    enabled = serializers.BooleanField()
    open_now = serializers.BooleanField()
    time_zone = serializers.CharField()
    today = serializers.DateField()
    hours_today = serializers.ListField(child=serializers.DictField())
    business_hours = BusinessHoursSerializer(many=True)
    next_opening_at = serializers.DateTimeField(allow_null=True)
    welcome_message = serializers.CharField()
    colors = serializers.DictField(child=serializers.CharField())
    channels = WidgetChannelSerializer(many=True)
    embed = WidgetEmbedSerializer()
    api = serializers.DictField(child=serializers.CharField())
