"""Serializers of events, series, tags, favourites, follows and the student profile.
Writes subclass the strict bases (unknown fields are refused); the rules (venue,
dates, tags, statuses) live in the services."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.limits import QUERY_MAX_LENGTH
from teranga.core.money import CURRENCY_CHOICES
from teranga.core.serializers import BaseModelSerializer, Serializer
from teranga.platform.organizations.models import Organization

from ..models import (
    Event,
    EventCategory,
    EventSeries,
    EventStatus,
    EventVisibility,
    OrganizerFollow,
    TagFollow,
)
from ..models.events import (
    ADDRESS_MAX_LENGTH,
    MAX_TAGS,
    RICH_TEXT_MAX_LENGTH,
    TAG_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)
from ..selectors.nearby import DEFAULT_RADIUS_KM, MAX_RADIUS_KM
from ..services.profiles import MAX_INTERESTS
from ..services.series import MAX_DATES

# --- Read side ---------------------------------------------------------------------------


class CampusOrganizerRefSerializer(BaseModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "kind"]
        read_only_fields = fields


class CampusUniversityRefSerializer(BaseModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug"]
        read_only_fields = fields


class CampusEventSerializer(BaseModelSerializer):
    organizer = CampusOrganizerRefSerializer(source="organization", read_only=True)
    university = CampusUniversityRefSerializer(read_only=True, allow_null=True)
    category_label = serializers.CharField(
        source="get_category_display", read_only=True, help_text="In the request's language."
    )
    tags = serializers.SerializerMethodField(help_text="Tag slugs (hashtags included).")
    cover = serializers.ImageField(read_only=True, allow_null=True, help_text="Absolute URL.")
    series = serializers.UUIDField(source="series_id", read_only=True, allow_null=True)
    branch = serializers.UUIDField(
        source="branch_id", read_only=True, allow_null=True, help_text="The venue's branch."
    )
    is_favourite = serializers.SerializerMethodField(
        help_text="Whether the caller favourited it (always false anonymously)."
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "description",
            "category",
            "category_label",
            "tags",
            "cover",
            "organizer",
            "university",
            "series",
            "branch",
            "address",
            "latitude",
            "longitude",
            "online_url",
            "starts_at",
            "ends_at",
            "time_zone",
            "capacity",
            "visibility",
            "status",
            "transfers_allowed",
            "requires_verified_student",
            "currency",
            "price_from",
            "sold_count",
            "views_count",
            "favourites_count",
            "is_favourite",
            "published_at",
            "cancelled_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_tags(self, event: Event) -> list[str]:
        return [tag.slug for tag in event.tags.all()]

    def get_is_favourite(self, event: Event) -> bool:
        return bool(getattr(event, "is_favourite", False))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not instance.cover:
            data["cover"] = None
        return data


class CampusManagedEventSerializer(CampusEventSerializer):
    """What the organiser's staff see: the seats taken too."""

    class Meta(CampusEventSerializer.Meta):
        fields = [*CampusEventSerializer.Meta.fields, "taken"]
        read_only_fields = fields


class CampusNearbyEventSerializer(CampusEventSerializer):
    distance_km = serializers.FloatField(read_only=True, help_text="From the given point.")

    class Meta(CampusEventSerializer.Meta):
        fields = [*CampusEventSerializer.Meta.fields, "distance_km"]
        read_only_fields = fields


class CampusCategorySerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=EventCategory.choices, read_only=True)
    label = serializers.CharField(read_only=True, help_text="In the request's language.")


class CampusTagSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)


class CampusSeriesSerializer(BaseModelSerializer):
    organizer = CampusOrganizerRefSerializer(source="organization", read_only=True)
    events = serializers.SerializerMethodField(help_text="Its dates (events), by start.")

    class Meta:
        model = EventSeries
        fields = [
            "id",
            "organizer",
            "title",
            "weekdays",
            "start_time",
            "duration_minutes",
            "time_zone",
            "first_date",
            "last_date",
            "events",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CampusEventSerializer(many=True))
    def get_events(self, series) -> list:
        return CampusEventSerializer(self.context["events"], many=True, context=self.context).data


class CampusFavouriteStateSerializer(serializers.Serializer):
    favourite = serializers.BooleanField(read_only=True)
    favourites_count = serializers.IntegerField(read_only=True)


class CampusFollowStateSerializer(serializers.Serializer):
    following = serializers.BooleanField(read_only=True)


class CampusOrganizerFollowSerializer(BaseModelSerializer):
    organizer = CampusOrganizerRefSerializer(source="organization", read_only=True)

    class Meta:
        model = OrganizerFollow
        fields = ["organizer", "created_at"]
        read_only_fields = fields


class CampusTagFollowSerializer(BaseModelSerializer):
    tag = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = TagFollow
        fields = ["tag", "created_at"]
        read_only_fields = fields


class CampusFollowsSerializer(serializers.Serializer):
    organizers = CampusOrganizerFollowSerializer(many=True, read_only=True)
    tags = CampusTagFollowSerializer(many=True, read_only=True)


class CampusProfileSerializer(serializers.Serializer):
    university = CampusUniversityRefSerializer(read_only=True, allow_null=True)
    interests = serializers.ListField(child=serializers.CharField(), read_only=True)


# --- Writes ------------------------------------------------------------------------------


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 datetime with its UTC offset (``2026-12-10T18:00:00+00:00`` or
    ``…Z``); a naive one is refused."""

    def to_internal_value(self, value):
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if isinstance(value, str) and parsed is not None and parsed.tzinfo is None:
            raise serializers.ValidationError(_("Give the time with its UTC offset."))
        return super().to_internal_value(value)


def _event_fields(required: bool) -> dict:
    return {
        "title": serializers.CharField(max_length=TITLE_MAX_LENGTH, required=required),
        "description": serializers.CharField(
            max_length=RICH_TEXT_MAX_LENGTH,
            required=False,
            allow_blank=True,
            help_text="Rich text (HTML), sanitised: only p, br, strong, b, em, i, u, s, "
            "ul, ol, li, a (href, title), h2–h4, blockquote, code and pre are kept. "
            "Its `#hashtags` become tags.",
        ),
        "category": serializers.ChoiceField(choices=EventCategory.choices, required=False),
        "tags": serializers.ListField(
            child=serializers.CharField(max_length=TAG_MAX_LENGTH),
            max_length=MAX_TAGS,
            required=False,
            help_text=f"Tags (normalised to slugs; new ones are created), at most {MAX_TAGS}; "
            "the description's hashtags are added after them up to the same limit.",
        ),
        "branch": serializers.UUIDField(
            required=False,
            allow_null=True,
            help_text="A branch of the organiser as the venue: its address and coordinates "
            "are copied unless given (404 `venue_not_found`).",
        ),
        "address": serializers.CharField(
            max_length=ADDRESS_MAX_LENGTH, required=False, allow_blank=True
        ),
        "latitude": serializers.FloatField(
            min_value=-90, max_value=90, required=False, allow_null=True
        ),
        "longitude": serializers.FloatField(
            min_value=-180, max_value=180, required=False, allow_null=True
        ),
        "online_url": serializers.URLField(max_length=500, required=False, allow_blank=True),
        "capacity": serializers.IntegerField(
            min_value=1,
            required=False,
            allow_null=True,
            help_text="Seats in all (every ticket type together); null: only the types' quotas.",
        ),
        "visibility": serializers.ChoiceField(choices=EventVisibility.choices, required=False),
        "transfers_allowed": serializers.BooleanField(required=False),
        "requires_verified_student": serializers.BooleanField(required=False),
        "currency": serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False),
    }


class CampusEventUpdateSerializer(Serializer):
    """Every field optional; ``starts_at``/``ends_at`` with their UTC offset."""

    def get_fields(self):
        fields = _event_fields(required=False)
        fields["starts_at"] = AwareDateTimeField(required=False)
        fields["ends_at"] = AwareDateTimeField(required=False)
        return fields


class CampusEventCreateSerializer(Serializer):
    def get_fields(self):
        fields = _event_fields(required=True)
        fields["starts_at"] = AwareDateTimeField()
        fields["ends_at"] = AwareDateTimeField(help_text="After `starts_at`.")
        return fields


class CampusSeriesCreateSerializer(Serializer):
    def get_fields(self):
        fields = _event_fields(required=True)
        fields["weekdays"] = serializers.ListField(
            child=serializers.IntegerField(min_value=0, max_value=6),
            min_length=1,
            max_length=7,
            help_text="0 = Monday … 6 = Sunday.",
        )
        fields["start_time"] = serializers.TimeField(
            help_text="Local time in the organiser's time zone."
        )
        fields["duration_minutes"] = serializers.IntegerField(min_value=5, max_value=24 * 60)
        fields["first_date"] = serializers.DateField()
        fields["last_date"] = serializers.DateField(
            help_text=f"On or after `first_date`; at most {MAX_DATES} dates in all "
            "(400 `series_too_many_dates`)."
        )
        fields["copy_ticket_types_from"] = serializers.UUIDField(
            required=False,
            allow_null=True,
            help_text="An event of the same organiser: each date gets a copy of its ticket "
            "types (without their sales windows; shared quotas are not copied). 404 "
            "`event_not_found` otherwise.",
        )
        fields["publish"] = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Publish every date still to come at once (default: drafts).",
        )
        return fields


class CampusCoverUploadSerializer(Serializer):
    cover = serializers.ImageField(help_text="JPEG, PNG, WebP or GIF; stored re-encoded.")


class CampusProfileUpdateSerializer(Serializer):
    university = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="An organisation of kind university (404 `university_not_found`).",
    )
    interests = serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX_LENGTH),
        max_length=MAX_INTERESTS,
        required=False,
        help_text="Existing tag slugs (400 `tag_not_found`); replaces the interests.",
    )


# --- Query strings -----------------------------------------------------------------------


class OrganizationEventQuerySerializer(Serializer):
    status = serializers.ChoiceField(choices=EventStatus.choices, required=False)
    starts_after = serializers.DateTimeField(required=False, help_text="Starts at or after.")
    starts_before = serializers.DateTimeField(required=False, help_text="Starts before.")
    series = serializers.UUIDField(required=False, help_text="Dates of one series.")


ORDERINGS = ("starts_at", "-starts_at")


class EventQuerySerializer(Serializer):
    category = serializers.ChoiceField(choices=EventCategory.choices, required=False)
    tag = serializers.CharField(max_length=TAG_MAX_LENGTH, required=False, help_text="Tag slug.")
    university = serializers.UUIDField(required=False, help_text="University id.")
    organizer = serializers.UUIDField(required=False, help_text="Organiser id.")
    starts_after = serializers.DateTimeField(required=False, help_text="Starts at or after.")
    starts_before = serializers.DateTimeField(required=False, help_text="Starts before.")
    free = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: free events (lowest price 0); false: paid ones.",
    )
    q = serializers.CharField(
        max_length=QUERY_MAX_LENGTH, required=False, help_text="Words in the title or description."
    )
    include_past = serializers.BooleanField(
        required=False, default=False, help_text="Include events that are over."
    )
    ordering = serializers.ChoiceField(
        choices=ORDERINGS,
        required=False,
        default="starts_at",
        help_text="`starts_at` (default: soonest first) or `-starts_at`.",
    )


class PopularQuerySerializer(Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=50, required=False, default=20)


class NearbyQuerySerializer(Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    radius_km = serializers.FloatField(
        min_value=0.1,
        max_value=MAX_RADIUS_KM,
        required=False,
        default=DEFAULT_RADIUS_KM,
        help_text=f"Default {DEFAULT_RADIUS_KM:g}, at most {MAX_RADIUS_KM:g}.",
    )


class TagQuerySerializer(Serializer):
    q = serializers.CharField(
        max_length=TAG_MAX_LENGTH, required=False, help_text="Start of the tag."
    )
