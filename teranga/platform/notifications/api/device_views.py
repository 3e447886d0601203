"""My push devices: register a token, list mine, remove one. Every endpoint acts on the
caller's own devices; another user's device is 404."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.settings import api_settings

from teranga.core.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle
from teranga.platform.notifications import devices
from teranga.platform.notifications.models import Device

from . import device_serializers as s

TAG = ["devices"]
DEVICE_ID = OpenApiParameter(
    "device_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Device UUID"
)
TOKEN_QUERY = OpenApiParameter(
    "token",
    {"type": "string", "minLength": s.TOKEN_MIN_LENGTH, "maxLength": s.TOKEN_MAX_LENGTH},
    OpenApiParameter.QUERY,
    required=False,
    description="The push token to remove, when it is not sent in the body.",
)
NOT_FOUND = OpenApiResponse(description="Not one of my devices (`device_not_found`).")


DEVICES_SCOPE = "devices"
DEFAULT_RATE = "30/min"


class DevicesThrottle(ScopedRateThrottle):
    """The ``devices`` scope, per user. The rate is ``DEFAULT_THROTTLE_RATES["devices"]``
    (read when asked, so a changed setting takes effect), else 30/min."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or DEFAULT_RATE


class _WriteThrottled:
    """Writes (register, remove) are throttled under the ``devices`` scope."""

    throttle_classes = [AnonRateThrottle, UserRateThrottle, DevicesThrottle]

    def get_throttles(self):
        self.throttle_scope = DEVICES_SCOPE if self.request.method in {"POST", "DELETE"} else None
        return super().get_throttles()


class DeviceListView(_WriteThrottled, GenericAPIView):
    serializer_class = s.DeviceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Device.objects.none()
        return devices.devices_of(user=self.request.user)

    @extend_schema(
        tags=TAG,
        summary="My push devices",
        operation_id="devices_list",
        description="Paginated (`page`, `page_size`), newest first; inactive devices "
        "(invalid token, superseded) are listed with `is_active: false`.",
        responses={200: s.DeviceSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.DeviceSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Register this device for push notifications",
        operation_id="devices_register",
        description="Registers the app's FCM token. 201 when the token is new; 200 when "
        "it was known — it is re-activated, and a token registered by another user moves "
        "to the caller (a token belongs to one device). Apps call this on every start "
        "and whenever FCM gives them a new token. At most 10 devices stay active per "
        "user: the least recently seen are deactivated (`superseded`).\n\nErrors: 400 "
        "`invalid` (`token`: 20 to 512 characters of a push token; `platform`: "
        "`android`, `ios` or `web`; `name`: at most 100 characters; unknown fields); "
        "429 `throttled` (scope `devices`).",
        request=s.DeviceRegisterSerializer,
        responses={201: s.DeviceSerializer, 200: s.DeviceSerializer},
    )
    def post(self, request):
        serializer = s.DeviceRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        device, created = devices.device_register(
            user=request.user,
            token=data["token"],
            platform=data["platform"],
            name=data.get("name"),
        )
        return Response(
            s.DeviceSerializer(device).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        tags=TAG,
        summary="Remove a device by its token",
        operation_id="devices_remove_by_token",
        description="Stops push notifications to the device with this token (on logout, "
        'for instance). The token goes in a JSON body `{"token": "…"}` or, for '
        "clients that cannot send a body with DELETE, in the `token` query parameter."
        "\n\nErrors: 400 `invalid` (no or malformed `token`, unknown fields); 404 "
        "`device_not_found` (no such token among my devices — another user's is 404 "
        "too); 429 `throttled`.",
        parameters=[TOKEN_QUERY],
        request=None,
        responses={204: None, 404: NOT_FOUND},
    )
    def delete(self, request):
        data = request.data or request.query_params.dict()
        serializer = s.DeviceRemoveSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        devices.device_remove(user=request.user, token=serializer.validated_data["token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeviceDetailView(_WriteThrottled, GenericAPIView):
    serializer_class = s.DeviceSerializer

    @extend_schema(
        tags=TAG,
        summary="Remove one of my devices",
        operation_id="devices_remove",
        description="Errors: 404 `device_not_found` (not one of my devices); 429 `throttled`.",
        parameters=[DEVICE_ID],
        request=None,
        responses={204: None, 404: NOT_FOUND},
    )
    def delete(self, request, device_id):
        devices.device_remove(user=request.user, device_id=device_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
