"""Staff broadcasts of an organisation: ``/organizations/{organization_id}/broadcasts/``.

Managers and above send a message to a segment (``POST``) and list what was sent
(``GET``; platform staff may read it too). Another organisation's broadcasts answer
404, a member below manager 403. Sending is throttled per user (scope ``broadcasts``)
and limited per organisation (``broadcast_limit_reached``).
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.serializers import ErrorSerializer
from teranga.core.throttling import UserRateThrottle
from teranga.platform.notifications import broadcasts
from teranga.platform.organizations.access import get_organization_for

from . import serializers as s

TAG = ["broadcasts"]
ORG_ID = OpenApiParameter(
    "organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Organisation id"
)
ERRORS = {
    403: OpenApiResponse(ErrorSerializer, description="Role too low (managers and above)"),
    404: OpenApiResponse(ErrorSerializer, description="No such organisation, or not a member"),
}
#: When settings do not name a rate for ``broadcasts``.
DEFAULT_RATE = "10/hour"


class BroadcastThrottle(UserRateThrottle):
    """Per user, scope ``broadcasts``; only sending counts."""

    scope = "broadcasts"

    def get_rate(self):
        rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
        return rates.get(self.scope, DEFAULT_RATE)

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


class BroadcastListCreateView(GenericAPIView):
    serializer_class = s.BroadcastSerializer
    filter_backends: list = []

    def get_throttles(self):
        return [*super().get_throttles(), BroadcastThrottle()]

    def get_queryset(self):
        return broadcasts.broadcasts_of(
            actor=self.request.user, organization_id=self.kwargs["organization_id"]
        )

    @extend_schema(
        tags=TAG,
        summary="An organisation's broadcasts (managers and above, staff)",
        description="Newest first, page-number paginated.",
        parameters=[ORG_ID],
        responses={200: s.BroadcastSerializer(many=True), **ERRORS},
    )
    def get(self, request, organization_id):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.BroadcastSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Send a broadcast to a segment (managers and above)",
        description="One notification per person in `segment` (with its `params`), on the "
        "`channels` asked (email, sms, push, websocket, telegram; each person's preferences "
        "and quiet hours apply), in the inbox of each; the organisation's Discord webhooks "
        "that announce `organization.broadcast` get it too. "
        "Segments: see `…/broadcasts/segments/`. "
        f"Errors, nothing sent: 400 `invalid`, `unknown_segment`, `invalid_segment_params`, "
        f"`invalid_channels`, `invalid_title`, `invalid_body`; 409 `no_recipients`, "
        f"`too_many_recipients` (more than {broadcasts.MAX_RECIPIENTS}); 429 `throttled` "
        f"(per user) or `broadcast_limit_reached` (per organisation and hour).",
        parameters=[ORG_ID],
        request=s.BroadcastCreateSerializer,
        responses={
            201: s.BroadcastSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
            409: OpenApiResponse(ErrorSerializer, description="Nobody, or too many people"),
            429: OpenApiResponse(ErrorSerializer, description="Too many broadcasts"),
            **ERRORS,
        },
    )
    def post(self, request, organization_id):
        # Who may send is checked before the body is: a stranger learns nothing from it.
        get_organization_for(request.user, organization_id, broadcasts.BROADCAST_SEND)
        serializer = s.BroadcastCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        broadcast = broadcasts.broadcast_send(
            actor=request.user, organization_id=organization_id, **serializer.validated_data
        )
        return Response(s.BroadcastSerializer(broadcast).data, status=status.HTTP_201_CREATED)


class BroadcastSegmentListView(GenericAPIView):
    serializer_class = s.SegmentSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="The segments an organisation can broadcast to (managers and above)",
        parameters=[ORG_ID],
        responses={200: s.SegmentSerializer(many=True), **ERRORS},
    )
    def get(self, request, organization_id):
        get_organization_for(request.user, organization_id, broadcasts.BROADCAST_SEND)
        rows = [
            {"name": name, "label": str(segment.label), "description": str(segment.description)}
            for name, segment in broadcasts.segments_available()
        ]
        return Response(s.SegmentSerializer(rows, many=True).data)
