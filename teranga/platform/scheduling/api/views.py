"""Calendar endpoints: my agenda across every product, secret iCal feeds, and any
booking as a ``.ics`` file.

* ``/calendar/``: the bookings where I am the client, and those of the resources that
  are me (a staff member's schedule).
* ``/calendar/entries/``: what the products add to my calendar (their registered
  calendar sources, ``scheduling.sources``): the same range, a separate list so that
  ``/calendar/`` keeps answering bookings only.
* ``/calendar/feeds/``: my subscription URLs — my own agenda, or an organisation's
  (``scheduling.view``: agents and above). The token is shown once, at creation.
* ``/calendar/{token}.ics`` (outside the API, ``feed_urls``): public, the token is the
  credential; throttled per token. Revoked, unknown, or no longer allowed (an
  organisation's feed whose owner left or lost the role) answers 404.
* ``/calendar/bookings/{id}.ics``: for the client, the resource's staff member and the
  organisation's agents and above; anyone else gets 404.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings

from teranga.core.errors import NotFound
from teranga.core.i18n import normalize_language
from teranga.core.links import public_link
from teranga.core.throttling import SimpleRateThrottle
from teranga.platform.organizations.access import get_organization_for

from .. import ical, selectors, services
from ..models import Booking, CalendarFeed
from ..sources import calendar_entries_of
from . import serializers as s

TAG = ["calendar"]
FEED_ID = OpenApiParameter("feed_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
BOOKING_ID = OpenApiParameter("booking_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
TOKEN = OpenApiParameter(
    "token", OpenApiTypes.STR, OpenApiParameter.PATH, description="The feed's secret token."
)


def _ics_response(description: str) -> dict:
    return {
        (200, "text/calendar"): OpenApiResponse(response=OpenApiTypes.STR, description=description)
    }


class _FirstRenderer(BaseContentNegotiation):
    """Calendar apps send all sorts of ``Accept`` headers: answer with the view's own
    format (``text/calendar`` on success, JSON errors) whatever they ask for."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class _SettingsRateThrottle(SimpleRateThrottle):
    """Reads the rate when asked, not at import (DRF copies the rates into a class
    attribute once), so a changed ``DEFAULT_THROTTLE_RATES`` takes effect."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class CalendarFeedThrottle(_SettingsRateThrottle):
    """Per feed token, not per address: calendar services fetch many feeds from a few
    addresses. The rate is ``DEFAULT_THROTTLE_RATES["calendar_feed"]``."""

    scope = "calendar_feed"

    def get_cache_key(self, request, view):
        token = str(view.kwargs.get("token", ""))
        ident = hashlib.sha256(token.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


class CalendarFeedMissThrottle(_SettingsRateThrottle):
    """Per address, counting only unknown or revoked tokens (the view records each miss):
    guessing tokens is refused long before it could find one, while calendar services
    fetching many valid feeds from one address are never slowed down."""

    scope = "calendar_feed_miss"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view):
        # Only look: the view adds a miss when the token turns out to be unknown.
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.count(self.key) >= self.num_requests:
            return self.throttle_failure()
        return True

    def record_miss(self, request, view) -> None:
        if self.rate is None:
            return
        self.now = self.timer()
        self.hit(self.get_cache_key(request, view))


def _ics(body: bytes, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(body, content_type=ical.CONTENT_TYPE)
    response["Cache-Control"] = "private, max-age=300"
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Agenda ---------------------------------------------------------------------------------


class AgendaView(GenericAPIView):
    serializer_class = s.AgendaEntrySerializer
    filter_backends: list = []

    def get_queryset(self):  # for the schema only
        return Booking.objects.none()

    @extend_schema(
        tags=TAG,
        summary="My agenda, across every product",
        description="The bookings where I am the client, and those of the resources that "
        "are me (my schedule as staff), overlapping `[from, to)`, in time order. Lapsed "
        "holds are left out; cancelled bookings stay, with their status. Default range: "
        "from a day ago to 60 days ahead; at most 366 days.",
        parameters=[s.AgendaQuerySerializer],
        responses={200: s.AgendaEntrySerializer(many=True)},
    )
    def get(self, request):
        query = s.AgendaQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        bookings = selectors.agenda_of(user=request.user, **query.validated_data)
        page = self.paginate_queryset(bookings)
        return self.get_paginated_response(
            s.AgendaEntrySerializer(page, many=True, context={"request": request}).data
        )


class CalendarEntriesView(GenericAPIView):
    serializer_class = s.CalendarEntrySerializer
    filter_backends: list = []

    def get_queryset(self):  # for the schema only
        return Booking.objects.none()

    @extend_schema(
        tags=TAG,
        summary="My calendar entries from the products (besides bookings)",
        description="What the installed products add to my calendar (an event I "
        "hold a ticket for, one I favourited …), overlapping `[from, to)`, in time order. "
        "Bookings are not in it: they are in `GET /calendar/`. Each entry names its "
        "`source`; `status` is `confirmed`, `tentative` or `cancelled`. Same range rules "
        "as `GET /calendar/`. My personal iCal feed holds both.",
        parameters=[s.AgendaQuerySerializer],
        responses={200: s.CalendarEntrySerializer(many=True)},
    )
    def get(self, request):
        query = s.AgendaQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        entries = calendar_entries_of(user=request.user, **query.validated_data)
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(s.CalendarEntrySerializer(page, many=True).data)


# --- Feeds ------------------------------------------------------------------------------------


def _feed_urls(token: str) -> dict[str, str]:
    url = public_link(f"/calendar/{token}.ics")
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[-1]}


class CalendarFeedListCreateView(GenericAPIView):
    serializer_class = s.CalendarFeedSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CalendarFeed.objects.none()
        return selectors.calendar_feeds_of(owner=self.request.user)

    @extend_schema(
        tags=TAG,
        summary="My calendar feeds",
        description="The feeds I have not revoked. Their secret URLs are not shown again.",
        responses={200: s.CalendarFeedSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.CalendarFeedSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Create a calendar feed (a secret iCal URL)",
        description="Without `organization`: my own agenda. With it: the organisation's "
        "bookings (agents and above; 404 for a non-member, 403 for a lower role). The "
        "answer holds the subscription URL with its secret token — the only time it is "
        "shown.",
        request=s.CalendarFeedCreateSerializer,
        responses={201: s.CalendarFeedCreatedSerializer},
    )
    def post(self, request):
        serializer = s.CalendarFeedCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization_id = serializer.validated_data.get("organization")
        organization = (
            get_organization_for(request.user, organization_id, "scheduling.view")
            if organization_id
            else None
        )
        feed, token = services.calendar_feed_create(
            owner=request.user,
            organization=organization,
            name=serializer.validated_data.get("name", ""),
        )
        urls = _feed_urls(token)
        feed.url, feed.webcal_url = urls["url"], urls["webcal_url"]
        return Response(s.CalendarFeedCreatedSerializer(feed).data, status=status.HTTP_201_CREATED)


class CalendarFeedDetailView(GenericAPIView):
    serializer_class = s.CalendarFeedSerializer

    @extend_schema(
        tags=TAG,
        summary="Revoke one of my calendar feeds",
        description="Its URL answers 404 from now on. Another user's feed is 404.",
        parameters=[FEED_ID],
        responses={204: None},
    )
    def delete(self, request, feed_id):
        services.calendar_feed_revoke(owner=request.user, feed_id=feed_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarFeedIcsView(GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [CalendarFeedMissThrottle, CalendarFeedThrottle]
    content_negotiation_class = _FirstRenderer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="A calendar feed (iCal), for calendar apps",
        description="Public: the secret token in the URL is the credential. Bookings from "
        "30 days ago to 365 days ahead; a personal feed (no organisation) also holds the "
        "products' calendar entries (as in `GET /calendar/entries/`) over the same range. "
        "Revoked or unknown tokens, and organisation feeds "
        "whose owner may no longer see the organisation's agenda, answer 404. Throttled "
        "per token (`calendar_feed`), and per address on unknown tokens "
        "(`calendar_feed_miss`).",
        parameters=[TOKEN],
        responses=_ics_response("An iCalendar (RFC 5545) document."),
        auth=[],
    )
    def get(self, request, token):
        try:
            feed = selectors.calendar_feed_for_token(token=token)
        except NotFound:
            CalendarFeedMissThrottle().record_miss(request, self)
            raise
        bookings = selectors.calendar_feed_bookings(feed=feed)
        # Nobody is logged in: the texts follow the feed owner's language.
        with translation.override(normalize_language(feed.owner.language)):
            if feed.organization is not None:
                name = feed.name or feed.organization.name
                time_zone = feed.organization.time_zone
                entries = []
            else:
                name = feed.name or _("My Teranga agenda")
                time_zone = settings.TIME_ZONE
                starts_from, ends_before = selectors.feed_range()
                entries = calendar_entries_of(
                    user=feed.owner, starts_from=starts_from, ends_before=ends_before
                )
            body = ical.calendar_ics(
                bookings,
                name=name,
                time_zone=time_zone,
                uid=f"feed-{feed.pk}@{ical.UID_DOMAIN}",
                client_id=feed.owner_id if feed.organization_id is None else None,
                entries=entries,
            )
        services.calendar_feed_touch(feed=feed)
        return _ics(body)


class BookingIcsView(GenericAPIView):
    content_negotiation_class = _FirstRenderer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="One booking as a .ics file",
        description="For its client, the staff member who is its resource, and the "
        "organisation's agents and above. Anyone else gets 404.",
        parameters=[BOOKING_ID],
        responses=_ics_response("An iCalendar (RFC 5545) document with one event."),
    )
    def get(self, request, booking_id):
        booking = selectors.booking_for_viewer(user=request.user, booking_id=booking_id)
        return _ics(ical.booking_ics(booking, viewer=request.user), f"booking-{booking.pk}.ics")
