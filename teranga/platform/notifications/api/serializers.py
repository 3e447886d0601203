from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.limits import NOTE_MAX_LENGTH, QUERY_MAX_LENGTH
from teranga.core.serializers import BaseModelSerializer, Serializer
from teranga.platform.notifications.channels import shown_at
from teranga.platform.notifications.models import Broadcast, Channel, Notification
from teranga.platform.organizations.validators import validate_time_zone

#: The languages, named in the request's language (English in the schema).
LANGUAGES = settings.LANGUAGES


class ShownAtField(serializers.DateTimeField):
    """When the notification reached the inbox (its ``send_at`` if it was scheduled)."""

    def get_attribute(self, instance):
        return shown_at(instance)


class NotificationSerializer(BaseModelSerializer):
    is_read = serializers.SerializerMethodField()
    data = serializers.JSONField(
        read_only=True, help_text="What the notification is about (ids, times), by kind."
    )
    created_at = ShownAtField(
        read_only=True, help_text="When it reached the inbox (a scheduled one: when it fired)."
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "data", "is_read", "read_at", "created_at"]
        read_only_fields = fields

    def get_is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True)


class ReadAllResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(read_only=True, help_text="How many were marked read.")


# --- Preferences ---------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "boolean"},
        "example": {"email": True, "sms": False, "websocket": True},
    }
)
class ChannelSwitchesField(serializers.DictField):
    """``{channel: on}`` for the channels of one type."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.BooleanField(), **kwargs)


class TypePreferenceSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True, help_text="Its name, in my language.")
    urgent = serializers.BooleanField(
        read_only=True, help_text="Always sent (money, security): cannot be turned off."
    )
    channels = ChannelSwitchesField(read_only=True)


class QuietHoursSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(read_only=True)
    starts_at = serializers.TimeField(read_only=True, format="%H:%M", allow_null=True)
    ends_at = serializers.TimeField(read_only=True, format="%H:%M", allow_null=True)
    time_zone = serializers.CharField(read_only=True)


class PreferencesSerializer(serializers.Serializer):
    types = TypePreferenceSerializer(many=True, read_only=True)
    quiet_hours = QuietHoursSerializer(read_only=True)


class TypePreferenceInputSerializer(Serializer):
    kind = serializers.CharField(max_length=60)
    channels = ChannelSwitchesField(
        help_text="Channels to switch; a channel left out is on.", allow_empty=True
    )


class QuietHoursInputSerializer(Serializer):
    enabled = serializers.BooleanField()
    starts_at = serializers.TimeField(required=False, allow_null=True, help_text="e.g. 22:00")
    ends_at = serializers.TimeField(required=False, allow_null=True, help_text="e.g. 07:00")
    time_zone = serializers.CharField(
        max_length=64, default="Africa/Dakar", validators=[validate_time_zone]
    )


class PreferencesInputSerializer(Serializer):
    types = TypePreferenceInputSerializer(
        many=True, help_text="The types to switch; a type left out has every channel on."
    )
    quiet_hours = QuietHoursInputSerializer()


# --- Types and previews (platform staff) ---------------------------------------------------


class NotificationTypeSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), read_only=True
    )
    urgent = serializers.BooleanField(read_only=True)
    staff_only = serializers.BooleanField(read_only=True)


class PreviewQuerySerializer(Serializer):
    language = serializers.ChoiceField(choices=LANGUAGES, default="fr")
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, help_text="Default: the type's first channel."
    )


class PreviewSerializer(serializers.Serializer):
    """One channel of a type, rendered with sample values. Email: ``subject``, ``text``,
    ``html``; SMS: ``text``, ``segments``, ``encoding``; push and in-app: ``title``,
    ``body``."""

    kind = serializers.CharField(read_only=True)
    language = serializers.CharField(read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    subject = serializers.CharField(read_only=True, required=False)
    html = serializers.CharField(read_only=True, required=False)
    text = serializers.CharField(read_only=True, required=False)
    segments = serializers.IntegerField(
        read_only=True, required=False, help_text="How many SMS the text is sent as."
    )
    encoding = serializers.ChoiceField(
        choices=(("gsm7", "GSM-7"), ("ucs2", "UCS-2")), read_only=True, required=False
    )
    title = serializers.CharField(read_only=True, required=False)
    body = serializers.CharField(read_only=True, required=False)


# --- Broadcasts ----------------------------------------------------------------------------


#: A segment's parameters: a few named scalars (each segment's own serializer checks them).
SEGMENT_PARAMS_MAX = 20
SEGMENT_PARAM_NAME_MAX_LENGTH = 60
SEGMENT_PARAMS_SCHEMA = {
    "type": "object",
    "maxProperties": SEGMENT_PARAMS_MAX,
    "additionalProperties": {
        "oneOf": [
            {"type": "string", "maxLength": QUERY_MAX_LENGTH},
            {"type": "number"},
            {"type": "boolean"},
        ]
    },
}


@extend_schema_field(SEGMENT_PARAMS_SCHEMA)
class SegmentParamsField(serializers.JSONField):
    """A segment's parameters (any JSON to the field: the service refuses what is not an
    object, the segment's serializer what it does not take; bounded below)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            f"The segment's parameters: an object of at most {SEGMENT_PARAMS_MAX} names (of "
            f"at most {SEGMENT_PARAM_NAME_MAX_LENGTH} characters), each a number, a boolean "
            f"or a string of at most {QUERY_MAX_LENGTH} characters.",
        )
        super().__init__(**kwargs)


class BroadcastCreateSerializer(Serializer):
    segment = serializers.CharField(max_length=60, help_text="e.g. booking.upcoming_clients")
    params = SegmentParamsField(required=False, default=dict)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=NOTE_MAX_LENGTH)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices),
        allow_empty=False,
        max_length=len(Channel.choices),
    )

    def validate_params(self, value):
        """Bound what the segment's serializer will see (and may echo back in its errors).
        What is not an object is the service's to refuse (``invalid_segment_params``)."""
        if not isinstance(value, dict):
            return value
        too_long = _("Ensure this field has no more than {max_length} characters.")
        if len(value) > SEGMENT_PARAMS_MAX:
            raise serializers.ValidationError(
                _("Ensure this field has no more than {max_length} elements.").format(
                    max_length=SEGMENT_PARAMS_MAX
                )
            )
        for name, item in value.items():
            if len(name) > SEGMENT_PARAM_NAME_MAX_LENGTH:
                raise serializers.ValidationError(
                    too_long.format(max_length=SEGMENT_PARAM_NAME_MAX_LENGTH)
                )
            if isinstance(item, str) and len(item) > QUERY_MAX_LENGTH:
                raise serializers.ValidationError(
                    {name: [too_long.format(max_length=QUERY_MAX_LENGTH)]}
                )
        return value


class BroadcastSerializer(BaseModelSerializer):
    segment_params = serializers.JSONField(read_only=True)
    channels = serializers.ListField(child=serializers.CharField(), read_only=True)
    created_by = serializers.UUIDField(source="created_by_id", read_only=True, allow_null=True)

    class Meta:
        model = Broadcast
        fields = [
            "id",
            "segment",
            "segment_params",
            "title",
            "body",
            "channels",
            "recipients_count",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class SegmentSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
