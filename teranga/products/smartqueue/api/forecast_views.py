"""Arrivals forecast and staffing advice for managers.

* ``GET forecast/``: the stored forecast per branch, service and open hour, with its
  90 % interval;
* ``POST forecast/recompute/``: compute it again now (inline: a few tens of
  milliseconds for a bank's branches; rate-limited);
* ``GET staffing/``: counters to open per hour of a day at a branch for the target, and
  what one fewer gives;
* ``GET/PUT staffing/target/``: the organisation's target.

Managers and above of the organisation, and platform staff for the reads
(``access.STATS_VIEW``); the target is changed by managers (``access.QUEUE_MANAGE``).
Another organisation (or its branch) answers 404, a member below manager 403.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.errors import NotFound
from teranga.core.serializers import ErrorSerializer, validated_query
from teranga.core.throttling import ScopedRateThrottle, UserRateThrottle
from teranga.platform.organizations.access import get_organization_for
from teranga.platform.organizations.errors import OrganizationError
from teranga.platform.organizations.models import Branch

from ..access import QUEUE_MANAGE, STATS_VIEW
from ..selectors import forecast as selectors
from ..selectors.days import local_day
from ..services.forecast import forecasts_compute, staffing_target_set
from . import forecast_serializers as s

TAG = ["smartqueue: forecasts"]


def errors(bad: str, not_found: str = "`organization_not_found` (unknown, or not yours).") -> dict:
    return {
        400: OpenApiResponse(ErrorSerializer, description=f"`invalid` ({bad})."),
        401: OpenApiResponse(ErrorSerializer, description="`not_authenticated`."),
        403: OpenApiResponse(ErrorSerializer, description="`permission_denied` (below manager)."),
        404: OpenApiResponse(ErrorSerializer, description=not_found),
        429: OpenApiResponse(ErrorSerializer, description="`throttled`."),
    }


MODEL = (
    "The model: per weekday, an exponentially weighted level of the daily tickets over the "
    "last 8 weeks (weights 1, 0.7, 0.49… per week back), the hourly shares pooled over "
    "those weeks, a damped weekly trend, closures and public holidays forecast 0 (and left "
    "out of the learning), the first open day after a closure scaled by the catch-up learnt "
    "from the history. The interval is the 5–95 % quantiles of a negative binomial whose "
    "dispersion is measured on the model's own one-week-ahead errors. Recomputed every "
    "night for the next 14 days (from today), and on demand."
)


class ForecastBaseView(GenericAPIView):
    filter_backends: list = []
    pagination_class = None
    throttle_classes = [UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "smartqueue_stats"


class ForecastView(ForecastBaseView):
    serializer_class = s.ForecastReportSerializer

    @extend_schema(
        tags=TAG,
        summary="Arrivals forecast",
        description="Managers and above (and staff). The tickets expected per branch, "
        "service and open local hour from `from` for `days` days, with a 90 % prediction "
        "interval (`low`, `high`). Hours not listed are closed (nothing expected). Filters "
        "`branch` and `service` narrow the series (another organisation's ids match "
        "nothing). " + MODEL,
        parameters=[s.ForecastQuerySerializer],
        responses={
            200: s.ForecastReportSerializer,
            **errors("a bad parameter, `days` outside 1–14"),
        },
    )
    def get(self, request):
        query = validated_query(s.ForecastQuerySerializer, request)
        data = query.validated_data
        organization = get_organization_for(request.user, data["organization"], STATS_VIEW)
        report = selectors.forecast_report(
            organization=organization,
            date_from=data.get("from") or local_day(organization),
            days=data["days"],
            branch=data.get("branch"),
            service=data.get("service"),
        )
        return Response(s.ForecastReportSerializer(report).data)


class ForecastRecomputeView(ForecastBaseView):
    serializer_class = s.RecomputeResultSerializer
    throttle_scope = "smartqueue_forecast_recompute"

    @extend_schema(
        tags=TAG,
        summary="Recompute the arrivals forecast now",
        description="Managers and above (and staff). Computes the next 14 days' forecast "
        "of every branch and service of the organisation from its ticket history, replaces "
        "the stored hours from today on, and answers what it did (inline: it takes tens of "
        "milliseconds). Rate-limited per user (`smartqueue_forecast_recompute`). " + MODEL,
        request=s.OrganizationBodySerializer,
        responses={200: s.RecomputeResultSerializer, **errors("no or a bad `organization`")},
    )
    def post(self, request):
        body = s.OrganizationBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        organization = get_organization_for(
            request.user, body.validated_data["organization"], STATS_VIEW
        )
        result = forecasts_compute(organization=organization)
        return Response(s.RecomputeResultSerializer(result).data)


class StaffingView(ForecastBaseView):
    serializer_class = s.StaffingReportSerializer

    @extend_schema(
        tags=TAG,
        summary="Staffing advice: counters to open per hour",
        description="Managers and above (and staff). For each open hour of `date` at "
        "`branch`: the forecast arrivals of all its services, their mean service time "
        "(measured on the last 28 days' served tickets, weighted by each service's "
        "arrivals; the service's configured average below 5 tickets), the offered traffic, "
        "and the fewest counters that call `service_level` % of clients within "
        "`wait_minutes` by the Erlang C formula (M/M/c), with the probability of waiting, "
        "the mean wait and the service level they give, and the same for one counter fewer "
        "(`expected_wait_seconds` null: the line would grow without end). The target "
        "defaults to the organisation's (`staffing/target/`; 80 % within 15 minutes when "
        "unset). No hours: no forecast for that day (recompute, or a closed day).",
        parameters=[s.StaffingQuerySerializer],
        responses={
            200: s.StaffingReportSerializer,
            **errors(
                "a bad parameter, a target out of range",
                "`organization_not_found` (unknown, or not yours), `branch_not_found` (not "
                "an active branch of the organisation).",
            ),
        },
    )
    def get(self, request):
        query = validated_query(s.StaffingQuerySerializer, request)
        data = query.validated_data
        organization = get_organization_for(request.user, data["organization"], STATS_VIEW)
        branch = Branch.objects.filter(
            organization=organization, pk=data["branch"], is_active=True
        ).first()
        if branch is None:
            raise NotFound(code=OrganizationError.BRANCH_NOT_FOUND)
        wait, level = selectors.staffing_target_of(organization)
        report = selectors.staffing_report(
            organization=organization,
            branch=branch,
            day=data.get("date") or local_day(organization),
            wait_minutes=data.get("wait_minutes") or wait,
            service_level=data.get("service_level") or level,
        )
        return Response(s.StaffingReportSerializer(report).data)


class StaffingTargetView(ForecastBaseView):
    serializer_class = s.StaffingTargetOutSerializer

    @extend_schema(
        tags=TAG,
        summary="The organisation's staffing target",
        description="Managers and above (and staff): `service_level` % of clients called "
        "within `wait_minutes` (80 % within 15 minutes until set).",
        parameters=[s.StaffingTargetQuerySerializer],
        responses={200: s.StaffingTargetOutSerializer, **errors("no or a bad `organization`")},
    )
    def get(self, request):
        query = validated_query(s.StaffingTargetQuerySerializer, request)
        organization = get_organization_for(
            request.user, query.validated_data["organization"], STATS_VIEW
        )
        wait, level = selectors.staffing_target_of(organization)
        return Response(
            {"organization": organization.pk, "wait_minutes": wait, "service_level": level}
        )

    @extend_schema(
        tags=TAG,
        summary="Set the organisation's staffing target",
        description="Managers and above: the staffing advice's default target.",
        request=s.StaffingTargetSerializer,
        responses={
            200: s.StaffingTargetOutSerializer,
            **errors("`wait_minutes` outside 1–240, `service_level` outside 1–99"),
        },
    )
    def put(self, request):
        body = s.StaffingTargetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        organization = get_organization_for(request.user, data["organization"], QUEUE_MANAGE)
        target = staffing_target_set(
            organization=organization,
            wait_minutes=data["wait_minutes"],
            service_level=data["service_level"],
        )
        return Response(
            {
                "organization": organization.pk,
                "wait_minutes": target.wait_minutes,
                "service_level": target.service_level,
            }
        )
