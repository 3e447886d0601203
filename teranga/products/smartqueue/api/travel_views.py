"""Travel endpoints of SmartQueue: the travel-time model, branches nearby, and the
position a client chooses to share while they wait.

* ``GET /travel-model/`` — anyone; ``PUT`` — platform staff only (403 otherwise).
* ``GET /nearby/`` — anyone (throttled: ``directory``).
* ``POST /location/`` and ``DELETE /location/`` — the signed-in client, about
  themselves only.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from teranga.core.errors import Forbidden
from teranga.core.serializers import ErrorSerializer, validated_query

from ..selectors.nearby import branches_nearby
from ..selectors.travel import travel_model_row
from ..services import locations, travel
from . import travel_serializers as s

TRAVEL_TAG = ["smartqueue: travel"]
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer}


class PublicReadView(GenericAPIView):
    """GET is public and throttled with the ``directory`` scope; other methods need a
    signed-in user."""

    filter_backends: list = []

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        if self.request.method in ("GET", "HEAD"):
            self.throttle_scope = "directory"
        return super().get_throttles()


class TravelModelView(PublicReadView):
    serializer_class = s.TravelModelSerializer
    pagination_class = None

    @extend_schema(
        tags=TRAVEL_TAG,
        summary="The travel-time model's parameters",
        description="Public. minutes = straight-line km × detour ÷ speed(mode) × 60 × "
        "traffic(local hour, weekday) + overhead(mode). traffic is the largest factor of "
        "the peak windows containing the time, else the night factor (22 h–6 h), else the "
        "weekend factor (Saturday, Sunday), else 1; walking ignores traffic.",
        responses={200: s.TravelModelSerializer},
        auth=[],
    )
    def get(self, request):
        return Response(s.TravelModelSerializer(travel_model_row()).data)

    @extend_schema(
        tags=TRAVEL_TAG,
        summary="Change the travel-time model (platform staff)",
        description="Fields not given keep their values; `peak_windows` replaces every "
        "window. A window: `days` 0 (Monday)–6, `start` and `end` as HH:MM with start "
        "before end, `factor` 0.2–5. Errors: 400 `invalid` (field errors), 401 without a "
        "token, 403 `permission_denied` for anyone but platform staff.",
        request=s.TravelModelUpdateSerializer,
        responses={200: s.TravelModelSerializer, **ERRORS},
    )
    def put(self, request):
        if not request.user.is_staff:
            raise Forbidden()
        serializer = s.TravelModelUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = travel.travel_model_update(actor=request.user, **serializer.validated_data)
        return Response(s.TravelModelSerializer(row).data)


class NearbyView(PublicReadView):
    serializer_class = s.NearbySerializer

    @extend_schema(
        tags=TRAVEL_TAG,
        summary="Branches near a point, with their waits and the travel time",
        description="Public. Active branches of verified organisations with an active "
        "queue (of `service_category`, when given) within `radius_km` (default 5, at most "
        "50), nearest first. Each has its distance, the travel time by `mode` (default "
        "`car`) now, its organisation, and its queues with the waiting count and the "
        "estimated wait of a ticket taken now. Errors: 400 `invalid` (missing or "
        "out-of-range `lat`/`lng`, bad `radius_km`, `mode` or `service_category`).",
        parameters=[
            OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True),
            OpenApiParameter("lng", OpenApiTypes.DOUBLE, required=True),
            OpenApiParameter("radius_km", OpenApiTypes.DOUBLE),
            OpenApiParameter("service_category", OpenApiTypes.STR, enum=s.ServiceCategory.values),
            OpenApiParameter("mode", OpenApiTypes.STR, enum=["car", "public", "taxi", "walk"]),
        ],
        responses={200: s.NearbySerializer(many=True), 400: ErrorSerializer},
        auth=[],
    )
    def get(self, request):
        query = validated_query(s.NearbyQuerySerializer, request).validated_data
        results = branches_nearby(
            latitude=query["lat"],
            longitude=query["lng"],
            radius_km=query["radius_km"],
            category=query.get("service_category"),
            mode=query["mode"],
        )
        page = self.paginate_queryset(results)
        return self.get_paginated_response(s.NearbySerializer(page, many=True).data)


class LocationView(GenericAPIView):
    serializer_class = s.LocationUpdateSerializer

    @extend_schema(
        tags=TRAVEL_TAG,
        summary="Share my position while I wait",
        description="Replaces the last position (kept 2 hours at most, and only while "
        "you have a ticket in a queue or an appointment coming up). The answer gives, "
        "for each of your waiting tickets, the travel time to its branch and whether "
        "it is time to leave (the 'leave now' notice is sent once). Errors: 400 "
        "`invalid`, 401 without a token, 409 `no_active_ticket`.",
        request=s.LocationUpdateSerializer,
        responses={200: s.LocationSerializer, **ERRORS, 409: ErrorSerializer},
    )
    def post(self, request):
        serializer = s.LocationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        location, evaluations = locations.location_update(
            user=request.user, **serializer.validated_data
        )
        return Response(location_payload(location, evaluations))

    @extend_schema(
        tags=TRAVEL_TAG,
        summary="Forget my position now",
        description="Deletes the shared position (204, also when there was none). "
        "Errors: 401 without a token.",
        responses={204: None, 401: ErrorSerializer},
    )
    def delete(self, request):
        locations.location_forget(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def location_payload(location, evaluations) -> dict:
    return s.LocationSerializer(
        {
            "latitude": location.latitude,
            "longitude": location.longitude,
            "accuracy_m": location.accuracy_m,
            "mode": location.mode,
            "recorded_at": location.recorded_at,
            "expires_at": location.expires_at,
            "tickets": [evaluation.as_dict() for evaluation in evaluations],
        }
    ).data
