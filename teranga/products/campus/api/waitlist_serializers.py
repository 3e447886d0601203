"""Serializers of the waiting list."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.serializers import Serializer

from ..models import WaitingListEntry, WaitingStatus
from ..selectors.waitlist import STATUSES


class WaitlistJoinSerializer(Serializer):
    ticket_type = serializers.UUIDField(help_text="The sold-out ticket type of this event.")


class WaitlistQuerySerializer(Serializer):
    status = serializers.MultipleChoiceField(
        choices=[(value, value) for value in STATUSES],
        required=False,
        help_text="Only entries in these statuses (repeatable). Default: a student's own "
        "list shows waiting and offered entries; an event's list shows every entry.",
    )


class WaitlistEventSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()


class WaitlistTicketTypeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class WaitlistEntrySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=WaitingStatus.choices)
    event = WaitlistEventSerializer()
    ticket_type = WaitlistTicketTypeSerializer()
    position = serializers.SerializerMethodField(
        help_text="Place in the queue of this ticket type (1: next to be offered a seat); "
        "null unless waiting."
    )
    offered_at = serializers.DateTimeField(allow_null=True)
    hold_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="Offered: the seat is held for you until then."
    )
    closed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.IntegerField(allow_null=True, min_value=1))
    def get_position(self, entry: WaitingListEntry) -> int | None:
        if entry.status != WaitingStatus.WAITING:
            return None
        ahead = getattr(entry, "ahead", None)
        return None if ahead is None else int(ahead) + 1


class WaitlistUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    first_name = serializers.CharField(allow_blank=True)
    last_name = serializers.CharField(allow_blank=True)


class WaitlistStaffEntrySerializer(WaitlistEntrySerializer):
    user = WaitlistUserSerializer()
