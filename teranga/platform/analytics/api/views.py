"""Web analytics endpoints.

* ``POST collect/``: anonymous, from the vendored script; rate-limited per address
  (``analytics_collect``); answers 202 and sets no cookie. Nothing is written to the
  database here: the event waits in the buffer for the next flush.
* Sites, goals and funnels: managers and above (and staff) read them
  (``analytics.view``); admins and above change them (``analytics.manage``).
* The report and its CSV export: ``analytics.view`` (the export is audited).
* ``me/demographics/``: the signed-in user's own optional gender and age range.

Another organisation's site, goal or funnel is 404; a member below the role 403.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from teranga.core.client_address import client_address
from teranga.core.errors import CoreError
from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query
from teranga.core.throttling import ScopedRateThrottle

from .. import exports, selectors, services
from ..apps import THROTTLE_SCOPE
from ..errors import AnalyticsError as E
from . import serializers as s

TAG = ["analytics"]
SITE_ID = OpenApiParameter(
    "site_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Site id"
)
GOAL_ID = OpenApiParameter(
    "goal_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Goal id"
)
FUNNEL_ID = OpenApiParameter(
    "funnel_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Funnel id"
)
SITE_404 = {404: [E.SITE_NOT_FOUND]}


def _own_hosts(request) -> frozenset[str]:
    """Hosts Teranga serves pages on: events from its own pages are always accepted."""
    hosts = {request.get_host().split(":")[0].lower()}
    public = getattr(settings, "PUBLIC_URL", "") or ""
    if "://" in public:
        hosts.add(public.split("://", 1)[1].split("/")[0].split(":")[0].lower())
    return frozenset(hosts)


class CollectView(GenericAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = THROTTLE_SCOPE
    serializer_class = s.CollectSerializer
    filter_backends: list = []
    pagination_class = None

    session_user = None

    def initial(self, request, *args, **kwargs):
        # A visitor signed in on Teranga's own pages (Django's session, read before DRF
        # replaces the request's user): their demographics, if they gave any, travel
        # with the visit, never who they are.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            self.session_user = getattr(request._request, "user", None)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        tags=TAG,
        summary="Collect a page view or an event (public, from the vendored script)",
        description="Sent by `teranga-analytics.js` "
        "(`/static/analytics/teranga-analytics.js`). No cookie is read or set: the visitor "
        "is a hash of the day's salt, the user agent, the address and the site, and the "
        "address itself is never stored. The event is buffered and written by the next "
        "flush (every 5 s); 202 means accepted, not yet written. Anonymous; "
        "rate-limited per address (`analytics_collect`).\n\nErrors: 404 `site_not_found` "
        "(unknown or inactive site); 400 `domain_not_allowed` (the page is not on the "
        "site's domains), `invalid`.",
        request=s.CollectSerializer,
        responses={202: None},
        auth=[],
        extensions=error_codes({400: [E.DOMAIN_NOT_ALLOWED], 404: [E.SITE_NOT_FOUND]}),
    )
    def post(self, request):
        data = s.collect_data(request.data)
        gender, age_range = services.demographics_of(self.session_user)
        services.event_collect(
            site_public_id=data["site"],
            name=data["name"],
            url=data["url"],
            referrer=data["referrer"],
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            address=client_address(request),
            own_hosts=_own_hosts(request),
            gender=gender,
            age_range=age_range,
        )
        return Response(status=status.HTTP_202_ACCEPTED)


class AnalyticsView(GenericAPIView):
    filter_backends: list = []

    def site(self, action: str = selectors.ANALYTICS_VIEW):
        return selectors.site_for(self.request.user, self.kwargs["site_id"], action)


class SiteListCreateView(AnalyticsView):
    serializer_class = s.SiteSerializer

    @extend_schema(
        tags=TAG,
        summary="An organisation's analytics sites",
        description="Managers and above (and staff). Page-numbered.",
        parameters=[s.SiteQuerySerializer],
        responses={200: s.SiteSerializer(many=True)},
    )
    def get(self, request):
        query = validated_query(s.SiteQuerySerializer, request).validated_data
        _organization, sites = selectors.sites_of(request.user, query["organization"])
        page = self.paginate_queryset(sites)
        return self.get_paginated_response(s.SiteSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Add an analytics site",
        description="Admins and above. The answer carries the `public_id` the script names "
        "(`data-site`). Events are accepted for pages on the `domains` (and their "
        "sub-domains) and on Teranga's own host.",
        request=s.SiteCreateSerializer,
        responses={201: s.SiteSerializer},
    )
    def post(self, request):
        serializer = s.SiteCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization, _sites = selectors.sites_of(
            request.user, data["organization"], selectors.ANALYTICS_MANAGE
        )
        site = services.site_create(
            organization=organization, name=data["name"], domains=data["domains"]
        )
        return Response(s.SiteSerializer(site).data, status=status.HTTP_201_CREATED)


class SiteDetailView(AnalyticsView):
    serializer_class = s.SiteSerializer

    @extend_schema(
        tags=TAG,
        summary="An analytics site",
        description="Managers and above (and staff).\n\nErrors: 404 `site_not_found`.",
        parameters=[SITE_ID],
        responses={200: s.SiteSerializer},
        extensions=error_codes(SITE_404),
    )
    def get(self, request, site_id):
        return Response(s.SiteSerializer(self.site()).data)

    @extend_schema(
        tags=TAG,
        summary="Change an analytics site (name, domains, active)",
        description="Admins and above. An inactive site's events are refused (404 "
        "`site_not_found` at collection, within a minute).\n\nErrors: 404 `site_not_found`.",
        parameters=[SITE_ID],
        request=s.SiteUpdateSerializer,
        responses={200: s.SiteSerializer},
        extensions=error_codes(SITE_404),
    )
    def patch(self, request, site_id):
        site = self.site(selectors.ANALYTICS_MANAGE)
        serializer = s.SiteUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        site = services.site_update(site=site, **serializer.validated_data)
        return Response(s.SiteSerializer(site).data)


class ReportView(AnalyticsView):
    serializer_class = s.ReportSerializer
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="The analytics report of a site over a period",
        description="Managers and above (and staff). `period`: `today` (by hour), `7d`, "
        "`30d`, `90d` (by day, today included) or `12mo` (by month), in the organisation's "
        "time zone; each card has its value, the previous period's (same length, just "
        "before) and the growth in %. Breakdowns are the top 10. Demographic groups of "
        "fewer than 10 visitors are left out.\n\nErrors: 404 `site_not_found`.",
        parameters=[SITE_ID, s.ReportQuerySerializer],
        responses={200: s.ReportSerializer},
        extensions=error_codes(SITE_404),
    )
    def get(self, request, site_id):
        query = validated_query(s.ReportQuerySerializer, request).validated_data
        report = selectors.site_report(site=self.site(), period=query["period"])
        return Response(s.ReportSerializer(report).data)


class ReportExportView(AnalyticsView):
    pagination_class = None
    throttle_scope = "analytics_export"

    def perform_content_negotiation(self, request, force=False):
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        tags=TAG,
        summary="Export a site's report as CSV",
        description="Managers and above (and staff); recorded in the audit log. UTF-8 with "
        "a byte-order mark; columns: section, name, value, previous, visitors, visits, "
        "pageviews (the summary cards, the time series, every breakdown, goals and "
        "funnel steps). Aggregates only.\n\nErrors: 404 `site_not_found`.",
        parameters=[SITE_ID, s.ReportQuerySerializer],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV file")},
        extensions=error_codes(SITE_404),
    )
    def get(self, request, site_id):
        query = validated_query(s.ReportQuerySerializer, request).validated_data
        export = exports.report_export(site=self.site(), period=query["period"])
        response = HttpResponse(export.content, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        response["Cache-Control"] = "private, no-store"
        return response


class GoalListCreateView(AnalyticsView):
    serializer_class = s.GoalSerializer

    @extend_schema(
        tags=TAG,
        summary="A site's goals",
        description="Managers and above (and staff). Page-numbered.\n\nErrors: 404 "
        "`site_not_found`.",
        parameters=[SITE_ID],
        responses={200: s.GoalSerializer(many=True)},
        extensions=error_codes(SITE_404),
    )
    def get(self, request, site_id):
        page = self.paginate_queryset(selectors.goals_of(self.site()))
        return self.get_paginated_response(s.GoalSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Define a goal",
        description="Admins and above. `kind` `pageview` with a `path` (`/pricing/`, or "
        "`/blog/*` for every page below), or `event` with an `event_name`.\n\nErrors: 404 "
        "`site_not_found`; 400 `invalid_goal`; 409 `name_taken`.",
        parameters=[SITE_ID],
        request=s.GoalCreateSerializer,
        responses={201: s.GoalSerializer},
        extensions=error_codes({**SITE_404, 400: [E.INVALID_GOAL], 409: [E.NAME_TAKEN]}),
    )
    def post(self, request, site_id):
        site = self.site(selectors.ANALYTICS_MANAGE)
        serializer = s.GoalCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_create(site=site, **serializer.validated_data)
        return Response(s.GoalSerializer(goal).data, status=status.HTTP_201_CREATED)


class GoalDetailView(AnalyticsView):
    serializer_class = s.GoalSerializer

    @extend_schema(
        tags=TAG,
        summary="Delete a goal",
        description="Admins and above. A goal that is a funnel's step is kept (409 "
        "`goal_in_use`); 409 `in_use` if other records still depend on it (the error "
        "handler's net).\n\nErrors: 404 `site_not_found`, `goal_not_found`.",
        parameters=[SITE_ID, GOAL_ID],
        request=None,
        responses={204: None},
        extensions=error_codes(
            {404: [E.SITE_NOT_FOUND, E.GOAL_NOT_FOUND], 409: [E.GOAL_IN_USE, CoreError.IN_USE]}
        ),
    )
    def delete(self, request, site_id, goal_id):
        site = self.site(selectors.ANALYTICS_MANAGE)
        services.goal_delete(goal=selectors.goal_of(site, goal_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FunnelListCreateView(AnalyticsView):
    serializer_class = s.FunnelSerializer

    @extend_schema(
        tags=TAG,
        summary="A site's funnels",
        description="Managers and above (and staff). Page-numbered.\n\nErrors: 404 "
        "`site_not_found`.",
        parameters=[SITE_ID],
        responses={200: s.FunnelSerializer(many=True)},
        extensions=error_codes(SITE_404),
    )
    def get(self, request, site_id):
        page = self.paginate_queryset(selectors.funnels_of(self.site()))
        return self.get_paginated_response(s.FunnelSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Define a funnel",
        description="Admins and above. `steps`: 2 to 8 goals of the site, in order.\n\n"
        "Errors: 404 `site_not_found`; 400 `goal_not_found` (a step is not a goal of "
        "the site), `invalid`; 409 `name_taken`.",
        parameters=[SITE_ID],
        request=s.FunnelCreateSerializer,
        responses={201: s.FunnelSerializer},
        extensions=error_codes({**SITE_404, 400: [E.GOAL_NOT_FOUND], 409: [E.NAME_TAKEN]}),
    )
    def post(self, request, site_id):
        site = self.site(selectors.ANALYTICS_MANAGE)
        serializer = s.FunnelCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        funnel = services.funnel_create(site=site, name=data["name"], goal_ids=data["steps"])
        funnel = selectors.funnels_of(site).get(pk=funnel.pk)
        return Response(s.FunnelSerializer(funnel).data, status=status.HTTP_201_CREATED)


class FunnelDetailView(AnalyticsView):
    serializer_class = s.FunnelSerializer

    @extend_schema(
        tags=TAG,
        summary="Delete a funnel",
        description="Admins and above.\n\nErrors: 404 `site_not_found`, `funnel_not_found`.",
        parameters=[SITE_ID, FUNNEL_ID],
        request=None,
        responses={204: None},
        extensions=error_codes({404: [E.SITE_NOT_FOUND, E.FUNNEL_NOT_FOUND]}),
    )
    def delete(self, request, site_id, funnel_id):
        site = self.site(selectors.ANALYTICS_MANAGE)
        services.funnel_delete(funnel=selectors.funnel_of(site, funnel_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DemographicsView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.DemographicsSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="My demographics (optional)",
        description="My gender and age range, if I gave them (empty otherwise). They are "
        "reported only in aggregate, never for a group of fewer than 10 visitors, and "
        "only for visits made while signed in on Teranga's pages.",
        responses={200: s.DemographicsSerializer},
    )
    def get(self, request):
        found = selectors.demographics_for(request.user)
        data = (
            s.DemographicsSerializer(found).data
            if found
            else {"gender": "", "age_range": "", "updated_at": None}
        )
        return Response(data)

    @extend_schema(
        tags=TAG,
        summary="Set my demographics",
        description="Both fields; an empty value means not told.",
        request=s.DemographicsUpdateSerializer,
        responses={200: s.DemographicsSerializer},
    )
    def put(self, request):
        serializer = s.DemographicsUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        found = services.demographics_set(user=request.user, **serializer.validated_data)
        return Response(s.DemographicsSerializer(found).data)
