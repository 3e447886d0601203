"""``GET /api/v1/campus/me/calendar/``: my campus calendar as JSON — the events I hold a
ticket for and my favourite events, overlapping ``[from, to)``. The same entries reach
my personal iCal feed through the platform's calendar (source ``campus.participations``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView

from teranga.core.errors import CoreError
from teranga.core.links import object_link
from teranga.core.pagination import PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import Serializer, validated_query
from teranga.platform.scheduling.extensions import EntryStatus

from ..calendar import CalendarKind, calendar_items, entry_status, event_location
from ..models import Event

DEFAULT_PAST = timedelta(days=1)
DEFAULT_FUTURE = timedelta(days=60)
MAX_RANGE = timedelta(days=366)


class CampusCalendarQuerySerializer(Serializer):
    """``?from=&to=`` (ISO 8601). Default: from a day ago to 60 days ahead; at most 366
    days."""

    def get_fields(self):
        return {
            "from": serializers.DateTimeField(
                required=False, help_text="Start of the range (default: now − 1 day)."
            ),
            "to": serializers.DateTimeField(
                required=False, help_text="End of the range (default: 60 days after now)."
            ),
        }

    def validate(self, attrs):
        now = timezone.now()
        starts_from = attrs.get("from") or now - DEFAULT_PAST
        ends_before = attrs.get("to") or (
            starts_from + DEFAULT_FUTURE + DEFAULT_PAST if "from" in attrs else now + DEFAULT_FUTURE
        )
        if ends_before <= starts_from:
            raise serializers.ValidationError({"to": [_("The end must be after the start.")]})
        if ends_before - starts_from > MAX_RANGE:
            raise serializers.ValidationError(
                {"to": [_("The range may cover at most %(days)d days.") % {"days": 366}]}
            )
        return {"starts_from": starts_from, "ends_before": ends_before}


class CampusCalendarEntrySerializer(Serializer):
    event = serializers.UUIDField(source="event.pk", read_only=True, help_text="Event id.")
    kind = serializers.ChoiceField(
        choices=[kind.value for kind in CalendarKind],
        read_only=True,
        help_text="`ticket`: I hold a ticket; `favourite`: in my favourites.",
    )
    status = serializers.ChoiceField(
        choices=[status.value for status in EntryStatus],
        read_only=True,
        help_text="`cancelled` once the event is cancelled.",
    )
    title = serializers.CharField(source="event.title", read_only=True)
    starts_at = serializers.DateTimeField(source="event.starts_at", read_only=True)
    ends_at = serializers.DateTimeField(source="event.ends_at", read_only=True)
    time_zone = serializers.CharField(source="event.time_zone", read_only=True)
    organizer = serializers.CharField(
        source="event.organization.name", read_only=True, help_text="The organiser's name."
    )
    location = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="The event's page.")


class MyCampusCalendarView(PaginatedViewMixin, GenericAPIView):
    serializer_class = CampusCalendarEntrySerializer
    filter_backends: list = []

    def get_queryset(self):  # for the schema only
        return Event.objects.none()

    @extend_schema(
        tags=["campus"],
        summary="My campus calendar",
        description="The events I hold a valid ticket for (`kind: ticket`, status "
        "`confirmed`) and my favourite events (`kind: favourite`, `tentative`) overlapping "
        "`[from, to)`, in time order; a cancelled event stays with status `cancelled` "
        "(also for its former ticket holders). An event both ticketed and favourited "
        "appears once, as `ticket`. Drafts never appear. Default range: a day ago to 60 "
        "days ahead; at most 366 days.",
        parameters=[CampusCalendarQuerySerializer],
        responses={200: CampusCalendarEntrySerializer(many=True)},
        extensions=error_codes({400: [CoreError.INVALID]}),
    )
    def get(self, request):
        query = validated_query(CampusCalendarQuerySerializer, request).validated_data
        rows = [
            {
                "event": event,
                "kind": kind,
                "status": entry_status(event, kind).value,
                "location": event_location(event),
                "url": object_link("campus.event", event.pk),
            }
            for event, kind in calendar_items(user=request.user, **query)
        ]
        return self.paginated(rows, CampusCalendarEntrySerializer)
