"""Serializers of event invitations and share links."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.links import public_link
from teranga.core.serializers import Serializer

from ..models import InvitationStatus
from ..services.invitations import MAX_BATCH
from .group_serializers import public_name

#: Longest life of a share link (30 days).
SHARE_MAX_HOURS = 24 * 30


class EventInvitationEntrySerializer(Serializer):
    user = serializers.UUIDField(required=False, help_text="A registered user to invite.")
    email = serializers.EmailField(required=False, help_text="An email address to invite.")

    def validate(self, attrs):
        if bool(attrs.get("user")) == bool(attrs.get("email")):
            raise serializers.ValidationError(_("Give either a user or an email address."))
        return attrs


class EventInvitationCreateSerializer(Serializer):
    user = serializers.UUIDField(required=False, help_text="One registered user to invite.")
    email = serializers.EmailField(required=False, help_text="One email address to invite.")
    invitations = EventInvitationEntrySerializer(
        many=True,
        required=False,
        max_length=MAX_BATCH,
        min_length=1,
        help_text=f"Several at once (at most {MAX_BATCH}), instead of `user`/`email`.",
    )

    def validate(self, attrs):
        given = [key for key in ("user", "email", "invitations") if attrs.get(key)]
        if len(given) != 1:
            raise serializers.ValidationError(_("Give exactly one of user, email or invitations."))
        if "invitations" in attrs:
            return {"entries": [dict(entry) for entry in attrs["invitations"]]}
        return {"entries": [{given[0]: attrs[given[0]]}]}


class EventInvitationEventSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()


class EventInvitationUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_blank=True))
    def get_name(self, user) -> str:
        return public_name(user)


class EventInvitationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField(help_text="The invitation's code (accept / decline).")
    event = EventInvitationEventSerializer()
    user = EventInvitationUserSerializer(allow_null=True, help_text="The invitee, once known.")
    email = serializers.EmailField(
        allow_blank=True, help_text="The address invited (no account matched yet)."
    )
    status = serializers.ChoiceField(choices=InvitationStatus.choices)
    created_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)


class MyEventInvitationsQuerySerializer(Serializer):
    status = serializers.ChoiceField(choices=InvitationStatus.choices, required=False)


class CampusShareLinkCreateSerializer(Serializer):
    expires_in_hours = serializers.IntegerField(
        min_value=1, max_value=SHARE_MAX_HOURS, required=False, default=72
    )


class CampusShareLinkSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="The page to share.")
    event = serializers.UUIDField(source="event_id")
    expires_at = serializers.DateTimeField()
    visits = serializers.IntegerField()
    conversions = serializers.IntegerField(help_text="Paid orders bought through the link.")
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.URLField())
    def get_url(self, link) -> str:
        return public_link(f"/campus/s/{link.code}/")


class CampusShareConvertSerializer(Serializer):
    order = serializers.UUIDField(help_text="A paid order of mine for the link's event.")
