"""Queue analytics: the query of ``/stats/`` and its CSV export, the report's shape for
the schema, and the CSV writer."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from rest_framework import serializers

from teranga.core.serializers import Serializer

from ..selectors.stats import GROUPS, MAX_RANGE_DAYS, PERIODS

# --- query -------------------------------------------------------------------------------


class QueueStatsQuerySerializer(Serializer):
    organization = serializers.UUIDField(help_text="The organisation.")
    date_from = serializers.DateField(
        help_text="First local day (inclusive), in the organisation's time zone."
    )
    date_to = serializers.DateField(
        help_text=f"Last local day (inclusive); at most {MAX_RANGE_DAYS} days in all."
    )
    period = serializers.ChoiceField(
        choices=[(value, value) for value in PERIODS],
        required=False,
        default="day",
        help_text="`day`, `week` (from Monday) or `month`.",
    )
    group_by = serializers.ChoiceField(
        choices=[(value, value) for value in GROUPS],
        required=False,
        default="organization",
        help_text="One row per period and `organization`, `branch`, `service`, `counter` "
        "or `agent`.",
    )
    branch = serializers.UUIDField(required=False, help_text="Only this branch.")
    service = serializers.UUIDField(required=False, help_text="Only this service.")
    counter = serializers.UUIDField(required=False, help_text="Only this counter.")
    agent = serializers.UUIDField(required=False, help_text="Only this agent (a user id).")

    def validate(self, attrs):
        start, end = attrs["date_from"], attrs["date_to"]
        if end < start:
            raise serializers.ValidationError(
                {"date_to": [_("The end date must not be before the start date.")]}
            )
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"date_to": [_("At most %(days)s days at once.") % {"days": MAX_RANGE_DAYS}]}
            )
        return attrs

    def filters(self) -> dict:
        return {
            name: self.validated_data[name]
            for name in ("branch", "service", "counter", "agent")
            if self.validated_data.get(name) is not None
        }


# --- report (for the schema; the selector's dict is returned as is) ----------------------


class QueueStatsGroupSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(value, value) for value in GROUPS])
    id = serializers.UUIDField(
        allow_null=True, help_text="Null for the organisation, or tickets with no counter/agent."
    )
    name = serializers.CharField()


class QueueStatsFiguresSerializer(serializers.Serializer):
    issued = serializers.IntegerField(help_text="Tickets taken (transfers not counted).")
    transferred_in = serializers.IntegerField(help_text="Tickets created by a transfer.")
    served = serializers.IntegerField()
    no_show = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    expired = serializers.IntegerField()
    abandoned = serializers.IntegerField(help_text="Cancelled + expired.")
    wait_avg_seconds = serializers.FloatField(
        allow_null=True, help_text="Mean of called_at − created_at over called tickets."
    )
    wait_p90_seconds = serializers.FloatField(allow_null=True)
    service_avg_seconds = serializers.FloatField(
        allow_null=True, help_text="Mean of served_at − serving_at over served tickets."
    )
    no_show_rate = serializers.FloatField(
        allow_null=True, help_text="no_show / (served + no_show + cancelled + expired)."
    )
    abandonment_rate = serializers.FloatField(
        allow_null=True,
        help_text="(cancelled + expired) / (served + no_show + cancelled + expired).",
    )
    satisfaction_avg = serializers.FloatField(allow_null=True, help_text="Mean 1–5 rating.")
    satisfaction_count = serializers.IntegerField()
    satisfaction_distribution = serializers.DictField(
        child=serializers.IntegerField(), help_text='Ratings "1" … "5" → count.'
    )
    issued_by_hour = serializers.ListField(
        child=serializers.IntegerField(), help_text="24 counts: tickets issued per local hour."
    )
    peak_hour = serializers.IntegerField(allow_null=True, help_text="The busiest local hour.")


class QueueStatsRowSerializer(QueueStatsFiguresSerializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    group = QueueStatsGroupSerializer()


class QueuePeakHourSerializer(serializers.Serializer):
    hour = serializers.IntegerField()
    issued = serializers.IntegerField()


class QueueOriginCommuneSerializer(serializers.Serializer):
    name = serializers.CharField()
    known = serializers.BooleanField()
    count = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True, help_text="Of all tickets of the range.")


class QueueOriginRegionSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True, help_text="ISO 3166-2:SN; null: unknown.")
    name = serializers.CharField()
    count = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)
    communes = QueueOriginCommuneSerializer(many=True)


class QueueOriginSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    regions = QueueOriginRegionSerializer(many=True)


class QueueStatsOrganizationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class QueueStatsReportSerializer(serializers.Serializer):
    organization = QueueStatsOrganizationSerializer()
    time_zone = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    period = serializers.CharField()
    group_by = serializers.CharField()
    rows = QueueStatsRowSerializer(many=True)
    totals = QueueStatsFiguresSerializer()
    peak_hours = QueuePeakHourSerializer(many=True)
    origin = QueueOriginSerializer()


# --- CSV ---------------------------------------------------------------------------------

FIGURE_COLUMNS = [
    "issued",
    "transferred_in",
    "served",
    "no_show",
    "cancelled",
    "expired",
    "abandoned",
    "wait_avg_seconds",
    "wait_p90_seconds",
    "service_avg_seconds",
    "no_show_rate",
    "abandonment_rate",
    "satisfaction_avg",
    "satisfaction_count",
]
CSV_COLUMNS = [
    "period_start",
    "period_end",
    "group_kind",
    "group_id",
    "group_name",
    *FIGURE_COLUMNS,
    *(f"rating_{n}" for n in range(1, 6)),
    "peak_hour",
    *(f"issued_h{hour:02d}" for hour in range(24)),
]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _cell(value) -> str:
    return "" if value is None else str(value)


def stats_csv(report: dict) -> bytes:
    """One line per period × group (dot decimals, durations in seconds, rates 0–1),
    UTF-8 with a byte-order mark so spreadsheets read the accents."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report["rows"]:
        group = row["group"]
        writer.writerow(
            [
                row["period_start"],
                row["period_end"],
                group["kind"],
                _cell(group["id"]),
                _text(group["name"]),
                *(_cell(row[name]) for name in FIGURE_COLUMNS),
                *(row["satisfaction_distribution"][str(n)] for n in range(1, 6)),
                _cell(row["peak_hour"]),
                *row["issued_by_hour"],
            ]
        )
    return buffer.getvalue().encode("utf-8")
