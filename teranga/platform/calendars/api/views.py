"""Calendar sync endpoints: the providers offered, my connections (connect through
OAuth, choose calendars, disconnect), and the providers' push notifications.

* ``/calendar/connections/`` and below: my own connections only; another user's is 404.
* ``/calendar/webhooks/{provider}/``: public, called by Google (watch channels) and
  Microsoft Graph (subscriptions); each notification's channel secret is verified.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from teranga.core.schema import error_codes
from teranga.core.throttling import ScopedRateThrottle

from .. import selectors, services
from ..errors import CalendarError
from ..models import CalendarConnection
from ..oauth import STATE_MAX_AGE
from ..providers.microsoft import VALIDATION_TOKEN_MAX_LENGTH
from ..providers.registry import calendar_providers
from . import serializers as s

TAG = ["calendar sync"]
CONNECTION_ID = OpenApiParameter("connection_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
CALENDAR_ID = OpenApiParameter("calendar_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
PROVIDER = OpenApiParameter(
    "provider", OpenApiTypes.STR, OpenApiParameter.PATH, description="`google` or `microsoft`."
)
NOT_FOUND = {404: [CalendarError.CALENDAR_CONNECTION_NOT_FOUND]}


class ProviderListView(GenericAPIView):
    serializer_class = s.CalendarProviderSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        tags=TAG,
        summary="Calendar providers I can connect",
        description="The providers configured here (the sandbox always is).",
        responses={200: s.CalendarProviderSerializer(many=True)},
    )
    def get(self, request):
        from ..notices import provider_label

        rows = [
            {
                "name": name,
                "label": provider_label(name),
                "push_notifications": provider.push_notifications,
            }
            for name, provider in calendar_providers.items()
            if provider.is_configured()
        ]
        return Response(s.CalendarProviderSerializer(rows, many=True).data)


class ConnectionListCreateView(GenericAPIView):
    serializer_class = s.ConnectionSerializer
    filter_backends: list = []
    throttle_scope = "calendar_connect"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CalendarConnection.objects.none()
        return selectors.connections_of(user=self.request.user)

    def get_throttles(self):
        # The scope (``calendar_connect``) counts connection starts, not the listing.
        throttles = super().get_throttles()
        if self.request.method != "POST":
            throttles = [t for t in throttles if not isinstance(t, ScopedRateThrottle)]
        return throttles

    @extend_schema(
        tags=TAG,
        summary="My calendar connections",
        description="Each with its status (`active`; `error`: failing, retried with "
        "backoff, see `last_error` and `next_attempt_at`; `revoked`: the provider refused "
        "our access, connect again) and its calendars.",
        responses={200: s.ConnectionSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.ConnectionSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Connect a calendar: get the provider's consent address",
        description="Returns the provider's authorization URL with a signed, one-time "
        "state valid 10 minutes. After consent the provider sends the user back to "
        "Teranga's page `/calendar/connect/{provider}/callback/`, which stores the "
        "connection and hands over to the app. The primary calendar then blocks slots and "
        "receives events (change it with `PATCH …/calendars/{id}/`). 404 "
        "`unknown_calendar_provider`; 409 `calendar_provider_not_configured`. Throttled "
        "(`calendar_connect`).",
        request=s.ConnectStartSerializer,
        responses={200: s.ConnectStartedSerializer},
        extensions=error_codes(
            {
                404: [CalendarError.UNKNOWN_CALENDAR_PROVIDER],
                409: [CalendarError.CALENDAR_PROVIDER_NOT_CONFIGURED],
            }
        ),
    )
    def post(self, request):
        serializer = s.ConnectStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        url = services.connection_start(
            user=request.user, provider=serializer.validated_data["provider"]
        )
        return Response({"authorization_url": url, "expires_in": STATE_MAX_AGE})


class ConnectionDetailView(GenericAPIView):
    serializer_class = s.ConnectionSerializer

    @extend_schema(
        tags=TAG,
        summary="One of my calendar connections",
        parameters=[CONNECTION_ID],
        responses={200: s.ConnectionSerializer},
        extensions=error_codes(NOT_FOUND),
    )
    def get(self, request, connection_id):
        connection = selectors.connection_of(user=request.user, connection_id=connection_id)
        return Response(s.ConnectionSerializer(connection).data)

    @extend_schema(
        tags=TAG,
        summary="Disconnect a calendar",
        description="Removes the upcoming events Teranga pushed there and its push "
        "channels, revokes the grant where the provider can (Google), then deletes the "
        "connection, its tokens and the busy times read from it. A provider that cannot "
        "be reached does not stop the disconnection.",
        parameters=[CONNECTION_ID],
        responses={204: None},
        extensions=error_codes(NOT_FOUND),
    )
    def delete(self, request, connection_id):
        services.connection_disconnect(user=request.user, connection_id=connection_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConnectionRefreshView(GenericAPIView):
    serializer_class = s.ConnectionSerializer

    @extend_schema(
        tags=TAG,
        summary="Read the account's calendar list again",
        parameters=[CONNECTION_ID],
        request=None,
        responses={200: s.ConnectionSerializer},
        extensions=error_codes(
            {
                **NOT_FOUND,
                409: [CalendarError.CALENDAR_CONNECTION_REVOKED],
                502: [CalendarError.CALENDAR_PROVIDER_FAILED],
            }
        ),
    )
    def post(self, request, connection_id):
        services.calendars_refresh(user=request.user, connection_id=connection_id)
        connection = selectors.connection_of(user=request.user, connection_id=connection_id)
        return Response(s.ConnectionSerializer(connection).data)


class CalendarChoiceView(GenericAPIView):
    serializer_class = s.ExternalCalendarSerializer

    @extend_schema(
        tags=TAG,
        summary="Choose what a calendar does",
        description="`blocks_slots`: its busy times block my slots (read at once, then "
        "kept up to date); `receives_events`: my bookings and calendar entries are pushed "
        "to it (one per connection). 400 `calendar_not_writable` for a read-only calendar.",
        parameters=[CONNECTION_ID, CALENDAR_ID],
        request=s.CalendarChoiceSerializer,
        responses={200: s.ExternalCalendarSerializer},
        extensions=error_codes(
            {
                400: [CalendarError.CALENDAR_NOT_WRITABLE],
                404: [
                    CalendarError.CALENDAR_CONNECTION_NOT_FOUND,
                    CalendarError.CALENDAR_NOT_FOUND,
                ],
            }
        ),
    )
    def patch(self, request, connection_id, calendar_id):
        serializer = s.CalendarChoiceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        calendar = services.calendar_choose(
            user=request.user,
            connection_id=connection_id,
            calendar_id=calendar_id,
            **serializer.validated_data,
        )
        return Response(s.ExternalCalendarSerializer(calendar).data)


class WebhookView(APIView):
    """Providers post here. No token, no CSRF: each notification's channel secret is
    checked against what we kept."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "calendar_webhooks"

    @extend_schema(
        tags=TAG,
        summary="Calendar provider notifications",
        description="Google watch channels (`X-Goog-Channel-ID`, `X-Goog-Channel-Token`, "
        '`X-Goog-Resource-State`) and Microsoft Graph subscriptions (`{"value": '
        '[{"subscriptionId", "clientState", …}]}`). A verified notification records '
        "an incremental read of its calendar (202). Graph's `?validationToken=` handshake "
        "is answered with the token as `text/plain` (200). 400 "
        "`calendar_webhook_rejected` for a malformed request, 403 for an unknown channel "
        "or a wrong secret (nothing recorded).",
        parameters=[
            PROVIDER,
            OpenApiParameter(
                "validationToken",
                {"type": "string", "maxLength": VALIDATION_TOKEN_MAX_LENGTH},
                OpenApiParameter.QUERY,
                required=False,
            ),
        ],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            (200, "text/plain"): OpenApiResponse(
                response=OpenApiTypes.STR, description="Graph's validation token, echoed."
            ),
            202: s.CalendarWebhookResultSerializer,
        },
        auth=[],
        extensions=error_codes(
            {
                400: [CalendarError.CALENDAR_WEBHOOK_REJECTED],
                403: [CalendarError.CALENDAR_WEBHOOK_REJECTED],
                404: [CalendarError.UNKNOWN_CALENDAR_PROVIDER],
                409: [CalendarError.CALENDAR_PROVIDER_NOT_CONFIGURED],
            }
        ),
    )
    def post(self, request, provider):
        handshake, recorded = services.webhook_receive(
            provider=provider,
            headers={key.lower(): value for key, value in request.headers.items()},
            query=request.query_params,
            body=request.body,
        )
        if handshake is not None:
            return HttpResponse(handshake, content_type="text/plain; charset=utf-8")
        return Response({"recorded": recorded}, status=status.HTTP_202_ACCEPTED)
