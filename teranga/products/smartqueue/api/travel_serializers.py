"""Serializers of the travel endpoints: the travel-time model, nearby branches and the
user's shared position. Writes are strict (unknown fields are refused)."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _
from rest_framework import serializers

from teranga.core.serializers import Serializer

from ..models import ServiceCategory, TravelMode, TravelModel
from ..selectors.nearby import DEFAULT_RADIUS_KM, MAX_RADIUS_KM
from ..services.travel import (
    EDITABLE_FIELDS,
    FACTOR_MAX,
    FACTOR_MIN,
    HHMM,
    peak_window_errors,
)

# --- The travel-time model ----------------------------------------------------------------


class PeakWindowSerializer(Serializer):
    days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        min_length=1,
        max_length=7,
        help_text="Weekdays, 0 = Monday … 6 = Sunday.",
    )
    start = serializers.RegexField(HHMM, help_text="HH:MM, local time (included).")
    end = serializers.RegexField(HHMM, help_text="HH:MM, local time (excluded).")
    factor = serializers.FloatField(min_value=FACTOR_MIN, max_value=FACTOR_MAX)

    def validate(self, attrs):
        errors = peak_window_errors([attrs])
        if errors:
            raise serializers.ValidationError({"end": [_("The start must be before the end.")]})
        return attrs


class TravelModelSerializer(serializers.ModelSerializer):
    peak_windows = PeakWindowSerializer(many=True, read_only=True)

    class Meta:
        model = TravelModel
        fields = ["slug", *EDITABLE_FIELDS, "updated_at"]
        read_only_fields = fields


class TravelModelUpdateSerializer(Serializer):
    """Every field is optional: those not given keep their values."""

    name = serializers.CharField(max_length=100, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)
    detour_factor = serializers.DecimalField(
        max_digits=4, decimal_places=2, min_value=1, max_value=3, required=False
    )
    car_kmh = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=1, max_value=200, required=False
    )
    taxi_kmh = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=1, max_value=200, required=False
    )
    public_kmh = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=1, max_value=200, required=False
    )
    walk_kmh = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=1, max_value=20, required=False
    )
    public_wait_minutes = serializers.IntegerField(min_value=0, max_value=120, required=False)
    taxi_pickup_minutes = serializers.IntegerField(min_value=0, max_value=120, required=False)
    peak_windows = PeakWindowSerializer(many=True, required=False)
    weekend_factor = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.2"),
        max_value=Decimal(5),
        required=False,
    )
    night_factor = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.2"),
        max_value=Decimal(5),
        required=False,
    )

    def validate_time_zone(self, value):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise serializers.ValidationError(_("Unknown time zone.")) from None
        return value

    def validate_peak_windows(self, value):
        return [dict(window) for window in value]


# --- Nearby -----------------------------------------------------------------------------------


class NearbyQuerySerializer(Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    radius_km = serializers.FloatField(
        min_value=0.1, max_value=MAX_RADIUS_KM, default=DEFAULT_RADIUS_KM
    )
    service_category = serializers.ChoiceField(choices=ServiceCategory.choices, required=False)
    mode = serializers.ChoiceField(choices=TravelMode.choices, default=TravelMode.CAR)


class NearbyServiceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    category = serializers.CharField()


class NearbyQueueSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    kind = serializers.CharField()
    is_open = serializers.BooleanField()
    waiting = serializers.IntegerField(help_text="Tickets waiting now.")
    open_counters = serializers.IntegerField(help_text="Counters with an agent on them now.")
    estimated_wait_seconds = serializers.IntegerField(
        allow_null=True,
        help_text="For a ticket taken now; null while the queue is closed or no counter "
        "is open on it (unknown).",
    )
    service = NearbyServiceSerializer()


class NearbyBranchSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    address = serializers.CharField()
    commune = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6)


class NearbyOrganizationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    kind = serializers.CharField()


class NearbySerializer(serializers.Serializer):
    branch = NearbyBranchSerializer()
    organization = NearbyOrganizationSerializer()
    distance_km = serializers.FloatField(help_text="Straight-line distance.")
    mode = serializers.CharField()
    travel_minutes = serializers.IntegerField(help_text="By the travel-time model, now.")
    queues = NearbyQueueSerializer(many=True)


# --- Location ---------------------------------------------------------------------------------


class LocationUpdateSerializer(Serializer):
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, coerce_to_string=False
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, coerce_to_string=False
    )
    accuracy_m = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    mode = serializers.ChoiceField(choices=TravelMode.choices, required=False)

    def to_internal_value(self, data):
        # Phones send up to 15 decimals: keep the 6 the model stores (about 10 cm).
        if isinstance(data, dict):
            data = dict(data)
            for name in ("latitude", "longitude"):
                value = data.get(name)
                if isinstance(value, float | int) and not isinstance(value, bool):
                    data[name] = f"{value:.6f}"
        return super().to_internal_value(data)


class TicketTravelSerializer(serializers.Serializer):
    ticket = serializers.UUIDField()
    number = serializers.CharField()
    position = serializers.IntegerField()
    distance_km = serializers.FloatField(allow_null=True)
    travel_minutes = serializers.IntegerField(allow_null=True)
    wait_minutes = serializers.IntegerField(
        allow_null=True, help_text="Null while unknown (no counter open on the queue)."
    )
    leave_now = serializers.BooleanField(help_text="Time to set off.")
    leave_now_sent = serializers.BooleanField(help_text="The notice was sent (once).")


class LocationSerializer(serializers.Serializer):
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, coerce_to_string=False)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, coerce_to_string=False)
    accuracy_m = serializers.IntegerField(allow_null=True)
    mode = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    tickets = TicketTravelSerializer(many=True)
