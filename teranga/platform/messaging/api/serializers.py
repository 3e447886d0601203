"""Messaging serializers. Input serializers are strict (unknown fields are refused);
output serializers describe the JSON of ``events`` (one representation for the API and
the sockets) and produce it through those functions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.serializers import Serializer

from .. import events
from ..attachments import MAX_ATTACHMENTS
from ..models import ConversationKind, ParticipantRole
from ..services.messages import CLIENT_ID_MAX_LENGTH


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


class ConversationDetailSerializer(ConversationSerializer):
    participants = ParticipantSerializer(many=True)

    def to_representation(self, instance):
        data = _conversation_summary(instance, self.context.get("viewer_id"))
        data["participants"] = [
            events.participant_data(p) for p in getattr(instance, "active_participants", [])
        ]
        return data


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
    body = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, default=""
    )
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
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)


class ReadSerializer(Serializer):
    seq = serializers.IntegerField(
        required=False, min_value=0, allow_null=True, help_text="Default: the last message."
    )


class ParticipantAddSerializer(Serializer):
    user = serializers.UUIDField()
    role = serializers.ChoiceField(
        choices=[ParticipantRole.MEMBER, ParticipantRole.ADMIN], default=ParticipantRole.MEMBER
    )


class SupportOpenSerializer(Serializer):
    organization = serializers.CharField(max_length=220, help_text="Organisation id or slug.")
    body = serializers.CharField(
        allow_blank=True, trim_whitespace=False, required=False, default=""
    )
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
    opens = serializers.CharField(help_text="HH:MM, organisation's time zone.")
    closes = serializers.CharField(help_text="HH:MM (24:00 allowed).")


class SupportSettingsSerializer(Serializer):
    """Read and write (PUT replaces everything; omitted fields get their defaults)."""

    organization = serializers.UUIDField(read_only=True, source="organization_id")
    configured = serializers.SerializerMethodField()
    enabled = serializers.BooleanField(required=False, default=True)
    business_hours = serializers.JSONField(required=False, default=list)
    auto_reply = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
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
    api = serializers.DictField(child=serializers.CharField())
