"""Organiser analytics endpoints (``campus.analytics.view``: managers and above of the
organiser, and platform staff; another organisation's event or organisation is 404, a
member below manager 403).

* ``GET events/{event_id}/analytics/`` — one event's figures and its daily series;
* ``GET dashboard/?organization=`` — an organiser's totals, revenue by period and top
  events.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query
from teranga.core.throttling import ScopedRateThrottle, UserRateThrottle
from teranga.platform.organizations.access import get_organization_for
from teranga.platform.organizations.errors import OrganizationError

from ..errors import CampusError
from ..selectors import analytics as selectors
from ..selectors.access import event_for_staff
from . import analytics_serializers as s

TAG = ["campus: analytics"]
#: The dashboard's default range: the last 30 days and the next 30 (upcoming events).
DASHBOARD_AHEAD_DAYS = 30
EVENT_ID = OpenApiParameter(
    "event_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Event id"
)
DEFINITIONS = (
    "`views` count once per viewer per day, `unique_viewers` distinct viewers; "
    "`tickets_sold` are valid tickets (refunded or cancelled ones no longer count); a "
    "type's `revenue` is the sum of its tickets' prices at sale (before coupons); the "
    "event's `revenue` is what payments received for its orders, net of succeeded "
    "refunds, in the event's currency; `checkin_rate` = tickets with an accepted entry "
    "scan on any check-in list / valid tickets; `conversion_rate` = distinct buyers of "
    "paid orders / unique viewers; `reviews` (an event's) and `rating` (the organiser's, "
    "over all its events, as on its public profile) count its shown reviews, hidden ones "
    "(pending moderation) left out of the count, the average (null without any review) "
    "and the distribution; `reported` and `hidden` say how many were reported, hidden."
)


def date_range(
    data: dict, *, today: date, last: date | None = None, ahead: int = 0
) -> tuple[date, date]:
    """The query's ``from``/``to``, defaults filled: the 30 days up to ``last`` (or up to
    ``ahead`` days after today); at most ``MAX_DAYS`` days."""
    start, end = data.get("from"), data.get("to")
    default_end = min(today, last) if last else today + timedelta(days=ahead)
    if start is None and end is None:
        first = (default_end if last else today) - timedelta(days=29)
        return first, default_end
    if end is None:
        end = max(start, min(start + timedelta(days=selectors.MAX_DAYS - 1), default_end))
    if start is None:
        start = end - timedelta(days=29)
    return start, end


class AnalyticsView(GenericAPIView):
    filter_backends: list = []
    pagination_class = None
    throttle_classes = [UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "campus_analytics"


class EventAnalyticsView(AnalyticsView):
    serializer_class = s.CampusEventAnalyticsSerializer

    @extend_schema(
        tags=TAG,
        summary="Analytics of one event",
        description="Managers and above of the organiser, and platform staff. "
        + DEFINITIONS
        + " `daily`: views and tickets issued per local day (the event's time zone) from "
        "`from` to `to` (default: the 30 days up to today, or up to the event's last day "
        "once it has ended; at most 366 days).",
        parameters=[EVENT_ID, s.CampusEventAnalyticsQuerySerializer],
        responses={200: s.CampusEventAnalyticsSerializer},
        extensions=error_codes({404: [CampusError.EVENT_NOT_FOUND]}),
    )
    def get(self, request, event_id):
        query = validated_query(s.CampusEventAnalyticsQuerySerializer, request)
        event = event_for_staff(
            user=request.user, event_id=event_id, action=selectors.ANALYTICS_VIEW
        )
        tz = ZoneInfo(event.time_zone)
        today = timezone.localtime(timezone.now(), tz).date()
        last = timezone.localtime(event.ends_at, tz).date()
        date_from, date_to = date_range(query.validated_data, today=today, last=last)
        figures = selectors.event_analytics(event=event, date_from=date_from, date_to=date_to)
        return Response(s.CampusEventAnalyticsSerializer(figures).data)


class DashboardView(AnalyticsView):
    serializer_class = s.CampusDashboardSerializer

    @extend_schema(
        tags=TAG,
        summary="An organiser's dashboard",
        description="Managers and above of the organisation, and platform staff. From "
        "`from` to `to` (local days of the organisation's time zone; default the last 30 "
        "days and the next 30, at most 366): `totals` and `top_events` cover its events "
        "(drafts left out) that start in the range, the top ones ranked by `top_by`; "
        "`revenue_by_period` lists every `period` with the net revenue of the orders "
        "paid in it (any of its events) and the tickets issued in it. Amounts in the "
        "organisation's currency. " + DEFINITIONS,
        parameters=[s.CampusDashboardQuerySerializer],
        responses={200: s.CampusDashboardSerializer},
        extensions=error_codes({404: [OrganizationError.ORGANIZATION_NOT_FOUND]}),
    )
    def get(self, request):
        query = validated_query(s.CampusDashboardQuerySerializer, request)
        data = query.validated_data
        organization = get_organization_for(
            request.user, data["organization"], selectors.ANALYTICS_VIEW
        )
        today = timezone.localtime(timezone.now(), ZoneInfo(organization.time_zone)).date()
        date_from, date_to = date_range(data, today=today, ahead=DASHBOARD_AHEAD_DAYS)
        figures = selectors.dashboard(
            organization=organization,
            query=selectors.DashboardQuery(
                date_from=date_from,
                date_to=date_to,
                period=data["period"],
                top_by=data["top_by"],
                top=data["top"],
            ),
        )
        return Response(s.CampusDashboardSerializer(figures).data)
