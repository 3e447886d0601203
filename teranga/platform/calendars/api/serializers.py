from __future__ import annotations

from rest_framework import serializers

from teranga.core.serializers import BaseModelSerializer, Serializer

from ..models import CalendarConnection, ConnectionStatus, ExternalCalendar
from ..notices import provider_label


class CalendarProviderSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True, help_text="`sandbox`, `google`, `microsoft`.")
    label = serializers.CharField(read_only=True, help_text="Its name for people.")
    push_notifications = serializers.BooleanField(
        read_only=True,
        help_text="Changes arrive at once (else only the periodic resync reads them).",
    )


class ExternalCalendarSerializer(BaseModelSerializer):
    class Meta:
        model = ExternalCalendar
        fields = [
            "id",
            "name",
            "is_primary",
            "can_write",
            "blocks_slots",
            "receives_events",
            "last_full_sync_at",
        ]
        read_only_fields = fields


class ConnectionSerializer(BaseModelSerializer):
    """A connection with its calendars; never its tokens."""

    provider_label = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=ConnectionStatus.choices, read_only=True)
    calendars = ExternalCalendarSerializer(many=True, read_only=True)

    class Meta:
        model = CalendarConnection
        fields = [
            "id",
            "provider",
            "provider_label",
            "account",
            "status",
            "last_error",
            "last_synced_at",
            "next_attempt_at",
            "revoked_at",
            "created_at",
            "calendars",
        ]
        read_only_fields = fields

    def get_provider_label(self, obj: CalendarConnection) -> str:
        return provider_label(obj.provider)


class ConnectStartSerializer(Serializer):
    provider = serializers.CharField(max_length=20, help_text="`sandbox`, `google`, `microsoft`.")


class ConnectStartedSerializer(serializers.Serializer):
    authorization_url = serializers.URLField(
        read_only=True,
        help_text="Open it in a browser: the provider asks for consent, then sends the user "
        "back to Teranga's page, which hands over to the app.",
    )
    expires_in = serializers.IntegerField(read_only=True, help_text="Seconds the link stays valid.")


class CalendarChoiceSerializer(Serializer):
    blocks_slots = serializers.BooleanField(
        required=False, help_text="Its busy times block my slots."
    )
    receives_events = serializers.BooleanField(
        required=False,
        help_text="My bookings and calendar entries are pushed to it (one calendar per "
        "connection: choosing it unsets the other).",
    )


class CalendarWebhookResultSerializer(serializers.Serializer):
    recorded = serializers.IntegerField(read_only=True, help_text="Calendars to read again.")
