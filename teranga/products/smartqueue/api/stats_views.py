"""Queue analytics endpoints: KPIs by period and group, and their CSV export.

Managers and above of the organisation, and platform staff (``access.STATS_VIEW``);
another organisation answers 404, a member below manager 403.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from teranga.core.serializers import ErrorSerializer, validated_query
from teranga.core.throttling import ScopedRateThrottle, UserRateThrottle
from teranga.platform.organizations.access import get_organization_for

from ..access import STATS_VIEW
from ..selectors import stats as selectors
from . import stats_serializers as s

TAG = ["smartqueue: analytics"]
ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="`invalid` (a bad parameter, `date_to` before `date_from` or more than "
        "366 days).",
    ),
    401: OpenApiResponse(ErrorSerializer, description="`not_authenticated`."),
    403: OpenApiResponse(ErrorSerializer, description="`permission_denied` (below manager)."),
    404: OpenApiResponse(
        ErrorSerializer, description="`organization_not_found` (unknown, or not yours)."
    ),
    429: OpenApiResponse(ErrorSerializer, description="`throttled`."),
}
DEFINITIONS = (
    "Local days of the organisation's time zone (`Ticket.day`). `issued`: tickets taken "
    "(a transfer's new ticket is `transferred_in`); wait = called_at − created_at of called "
    "tickets (average and p90, seconds); service time = served_at − serving_at; rates are "
    "over outcomes (served + no_show + cancelled + expired): `no_show_rate`, "
    "`abandonment_rate` = (cancelled + expired) / outcomes; satisfaction: the 1–5 ratings; "
    "`issued_by_hour`: 24 counts per local hour. Filters `branch`, `service`, `counter`, "
    "`agent` narrow the tickets (ids of another organisation simply match nothing)."
)


class StatsBaseView(GenericAPIView):
    filter_backends: list = []
    pagination_class = None
    throttle_classes = [UserRateThrottle, ScopedRateThrottle]

    def organization(self, query):
        return get_organization_for(
            self.request.user, query.validated_data["organization"], STATS_VIEW
        )


class StatsView(StatsBaseView):
    serializer_class = s.QueueStatsReportSerializer
    throttle_scope = "smartqueue_stats"

    @extend_schema(
        tags=TAG,
        summary="Queue KPIs of an organisation",
        description="Managers and above (and staff). KPIs per `period` bucket and "
        "`group_by` group from `date_from` to `date_to` (inclusive, at most 366 days), the "
        "range's totals, its peak hours and the clients' geographic origin (by region and "
        "commune; tickets with no known origin in the region with a null code). " + DEFINITIONS,
        parameters=[s.QueueStatsQuerySerializer],
        responses={200: s.QueueStatsReportSerializer, **ERRORS},
    )
    def get(self, request):
        query = validated_query(s.QueueStatsQuerySerializer, request)
        data = query.validated_data
        report = selectors.stats_report(
            organization=self.organization(query),
            date_from=data["date_from"],
            date_to=data["date_to"],
            period=data["period"],
            group_by=data["group_by"],
            filters=query.filters(),
        )
        return Response(report)


class StatsExportView(StatsBaseView):
    throttle_scope = "smartqueue_export"

    def perform_content_negotiation(self, request, force=False):
        # Errors are JSON; the file is a plain HTTP response.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        tags=TAG,
        summary="Export the queue KPIs (CSV)",
        description="Managers and above (and staff); the same parameters as the KPIs. One "
        "line per period × group, with a header: "
        + ", ".join(s.CSV_COLUMNS)
        + ". Dot decimals, durations in seconds, rates from 0 to 1; UTF-8 with a "
        "byte-order mark (for Excel). " + DEFINITIONS,
        parameters=[s.QueueStatsQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV file"),
            **ERRORS,
        },
    )
    def get(self, request):
        query = validated_query(s.QueueStatsQuerySerializer, request)
        data = query.validated_data
        organization = self.organization(query)
        stats = selectors.queue_stats(
            organization=organization,
            date_from=data["date_from"],
            date_to=data["date_to"],
            period=data["period"],
            group_by=data["group_by"],
            filters=query.filters(),
        )
        response = HttpResponse(s.stats_csv(stats), content_type="text/csv; charset=utf-8")
        filename = (
            f"smartqueue-{organization.slug}-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}"
            f"-{data['period']}-{data['group_by']}.csv"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response
