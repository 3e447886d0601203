"""Arrivals forecast and staffing advice: the queries, and the reports' shapes for the
schema (the selectors' dicts are serialized by these)."""

from __future__ import annotations

from rest_framework import serializers

from teranga.core.serializers import Serializer

from ..selectors.forecast import MAX_DAYS

# --- queries -----------------------------------------------------------------------------


class ForecastQuerySerializer(Serializer):
    organization = serializers.UUIDField(help_text="The organisation.")
    branch = serializers.UUIDField(required=False, help_text="Only this branch.")
    service = serializers.UUIDField(required=False, help_text="Only this service.")
    # ``from`` is a Python keyword: the field is added in ``get_fields``.
    days = serializers.IntegerField(
        required=False,
        default=7,
        min_value=1,
        max_value=MAX_DAYS,
        help_text=f"How many local days from `from` (1–{MAX_DAYS}, default 7).",
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            required=False,
            help_text="First local day (default: today in the organisation's time zone).",
        )
        return fields


class StaffingQuerySerializer(Serializer):
    organization = serializers.UUIDField(help_text="The organisation.")
    branch = serializers.UUIDField(help_text="The branch (of the organisation).")
    date = serializers.DateField(
        required=False, help_text="The local day (default: today in the organisation's zone)."
    )
    wait_minutes = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=240,
        help_text="Target wait in minutes (default: the organisation's target).",
    )
    service_level = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=99,
        help_text="Percentage of clients to call within the target wait (default: the "
        "organisation's target).",
    )


class OrganizationBodySerializer(Serializer):
    organization = serializers.UUIDField(help_text="The organisation.")


class StaffingTargetQuerySerializer(Serializer):
    organization = serializers.UUIDField(help_text="The organisation.")


class StaffingTargetSerializer(Serializer):
    organization = serializers.UUIDField(help_text="The organisation.")
    wait_minutes = serializers.IntegerField(
        min_value=1, max_value=240, help_text="Target wait in minutes (1–240)."
    )
    service_level = serializers.IntegerField(
        min_value=1,
        max_value=99,
        help_text="Percentage of clients to call within the target wait (1–99).",
    )


# --- reports -----------------------------------------------------------------------------


class ForecastNamedRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class ForecastPointSerializer(serializers.Serializer):
    hour_start = serializers.DateTimeField(help_text="Start of the local hour (UTC).")
    expected = serializers.FloatField(help_text="Expected tickets in the hour.")
    low = serializers.IntegerField(help_text="5 % quantile (the 90 % interval's low end).")
    high = serializers.IntegerField(help_text="95 % quantile (the 90 % interval's high end).")


class ForecastSeriesSerializer(serializers.Serializer):
    branch = ForecastNamedRefSerializer()
    service = ForecastNamedRefSerializer()
    points = ForecastPointSerializer(many=True, help_text="The open hours, in order.")


class ForecastReportSerializer(serializers.Serializer):
    organization = serializers.UUIDField()
    time_zone = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the forecast was computed (null: never)."
    )
    series = ForecastSeriesSerializer(many=True)


class StaffingFewerSerializer(serializers.Serializer):
    counters = serializers.IntegerField()
    wait_probability = serializers.FloatField()
    expected_wait_seconds = serializers.FloatField(
        allow_null=True, help_text="Mean wait; null when the line would grow without end."
    )
    service_level = serializers.FloatField(help_text="Share called within the target (0–1).")


class StaffingHourSerializer(serializers.Serializer):
    hour_start = serializers.DateTimeField(help_text="Start of the local hour (UTC).")
    local_hour = serializers.CharField(help_text="`HH:MM` in the organisation's time zone.")
    expected_arrivals = serializers.FloatField(help_text="All the branch's services.")
    low = serializers.IntegerField(help_text="Sum of the services' 5 % quantiles.")
    high = serializers.IntegerField(help_text="Sum of the services' 95 % quantiles.")
    service_seconds = serializers.FloatField(
        help_text="Mean service time, weighted by the services' arrivals."
    )
    traffic = serializers.FloatField(help_text="Offered traffic in erlangs.")
    counters = serializers.IntegerField(help_text="Counters to open (Erlang C).")
    wait_probability = serializers.FloatField(help_text="Probability that a client waits.")
    expected_wait_seconds = serializers.FloatField(
        allow_null=True, help_text="Mean wait with that many counters."
    )
    service_level = serializers.FloatField(help_text="Share called within the target (0–1).")
    one_fewer = StaffingFewerSerializer(
        allow_null=True, help_text="The same with one counter fewer (null when none open)."
    )


class StaffingTargetValuesSerializer(serializers.Serializer):
    wait_minutes = serializers.IntegerField()
    service_level = serializers.IntegerField(help_text="Percent.")


class StaffingReportSerializer(serializers.Serializer):
    organization = serializers.UUIDField()
    branch = ForecastNamedRefSerializer()
    date = serializers.DateField()
    time_zone = serializers.CharField()
    target = StaffingTargetValuesSerializer()
    counters_available = serializers.IntegerField(help_text="Active counters at the branch.")
    peak_counters = serializers.IntegerField(help_text="The most counters any hour needs.")
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the forecast used was computed (null: none)."
    )
    hours = StaffingHourSerializer(many=True, help_text="The open hours with a forecast.")


class StaffingTargetOutSerializer(serializers.Serializer):
    organization = serializers.UUIDField()
    wait_minutes = serializers.IntegerField()
    service_level = serializers.IntegerField(help_text="Percent.")


class RecomputeResultSerializer(serializers.Serializer):
    organization = serializers.UUIDField()
    computed_at = serializers.DateTimeField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    branches = serializers.IntegerField()
    series = serializers.IntegerField(help_text="Branch × service pairs forecast.")
    hours = serializers.IntegerField(help_text="Open hours forecast (rows stored).")
    duration_ms = serializers.FloatField()
