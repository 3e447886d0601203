from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.serializers import BaseModelSerializer, Serializer

from ..links import booking_link
from ..models import Booking, BookingStatus, CalendarFeed
from ..selectors import AGENDA_DEFAULT_FUTURE, AGENDA_DEFAULT_PAST, AGENDA_MAX_RANGE
from ..sources import EntryStatus

# --- Agenda -----------------------------------------------------------------------------


class AgendaQuerySerializer(serializers.Serializer):
    """``?from=&to=`` (ISO 8601 date-times; a time without offset is read in the server's
    time zone). Default: from a day ago to 60 days ahead; at most 366 days."""

    def get_fields(self):
        return {
            "from": serializers.DateTimeField(
                required=False, help_text="Start of the range (default: now − 1 day)."
            ),
            "to": serializers.DateTimeField(
                required=False, help_text="End of the range (default: now + 60 days)."
            ),
        }

    def validate(self, attrs):
        now = timezone.now()
        starts_from = attrs.get("from") or now - AGENDA_DEFAULT_PAST
        ends_before = attrs.get("to") or (
            starts_from + AGENDA_DEFAULT_FUTURE + AGENDA_DEFAULT_PAST
            if "from" in attrs
            else now + AGENDA_DEFAULT_FUTURE
        )
        if ends_before <= starts_from:
            raise serializers.ValidationError({"to": [_("The end must be after the start.")]})
        if ends_before - starts_from > AGENDA_MAX_RANGE:
            raise serializers.ValidationError(
                {"to": [_("The range may cover at most %(days)d days.") % {"days": 366}]}
            )
        return {"starts_from": starts_from, "ends_before": ends_before}


class _RefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)


class AgendaEntrySerializer(BaseModelSerializer):
    """One booking of my agenda. ``role``: whether I am its client or the staff member
    booked. ``link``: the page of the product's object (e.g. the reservation), which
    hands over to the app (``teranga.core.links``); "" when the product has none."""

    source = serializers.CharField(read_only=True, help_text="The product, e.g. `booking`.")
    status = serializers.ChoiceField(choices=BookingStatus.choices, read_only=True)
    organization = _RefSerializer(read_only=True)
    resource = _RefSerializer(read_only=True)
    role = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "source",
            "title",
            "status",
            "starts_at",
            "ends_at",
            "time_zone",
            "organization",
            "resource",
            "role",
            "link",
            "needs_attention",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["client", "staff"]))
    def get_role(self, obj: Booking) -> str:
        user = self.context["request"].user
        return "client" if obj.client_id == user.pk else "staff"

    def get_link(self, obj: Booking) -> str:
        return booking_link(obj)


class CalendarEntrySerializer(Serializer):
    """A product's calendar entry (``scheduling.sources.CalendarEntry``)."""

    uid = serializers.CharField(read_only=True, help_text="Stable identifier of the entry.")
    source = serializers.CharField(
        read_only=True, help_text="The calendar source it comes from (`<product>.…`)."
    )
    title = serializers.CharField(read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    status = serializers.ChoiceField(choices=[e.value for e in EntryStatus], read_only=True)
    location = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="Its page (empty if none).")
    description = serializers.CharField(read_only=True)


# --- Calendar feeds ----------------------------------------------------------------------


class CalendarFeedSerializer(BaseModelSerializer):
    """A feed as listed: never its secret token (it is shown once, at creation)."""

    organization = serializers.UUIDField(
        source="organization_id",
        read_only=True,
        allow_null=True,
        help_text="Empty: my own agenda.",
    )
    organization_name = serializers.SerializerMethodField()

    class Meta:
        model = CalendarFeed
        fields = ["id", "name", "organization", "organization_name", "created_at", "last_used_at"]
        read_only_fields = fields

    def get_organization_name(self, obj: CalendarFeed) -> str | None:
        return obj.organization.name if obj.organization_id else None


class CalendarFeedCreatedSerializer(CalendarFeedSerializer):
    url = serializers.URLField(
        read_only=True,
        help_text="The secret subscription URL. Shown only now: keep it; revoke it if shared.",
    )
    webcal_url = serializers.CharField(
        read_only=True, help_text="The same URL with the `webcal://` scheme, for calendar apps."
    )

    class Meta(CalendarFeedSerializer.Meta):
        fields = [*CalendarFeedSerializer.Meta.fields, "url", "webcal_url"]
        read_only_fields = fields


class CalendarFeedCreateSerializer(Serializer):
    organization = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="An organisation's bookings (agents and above); empty for my own agenda.",
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
