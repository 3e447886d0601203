"""Account API: the signed-in user's profile, export and erasure."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from teranga.core.serializers import ErrorSerializer
from teranga.core.throttling import UserRateThrottle
from teranga.platform.accounts import selectors, services
from teranga.platform.accounts.api.serializers import (
    ClientProfileSerializer,
    ClientProfileUpdateSerializer,
    MeAvatarUploadSerializer,
    MeEraseSerializer,
    MeExportSerializer,
    MeSerializer,
    MeUpdateSerializer,
)


class AccountEraseThrottle(UserRateThrottle):
    scope = "account_erase"


class BodyOnDeleteSchema(AutoSchema):
    """drf-spectacular documents bodies only for POST/PUT/PATCH; erasure takes the
    password in the DELETE body, so document it there too."""

    def _get_request_body(self, direction="request"):
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"


class MeView(APIView):
    schema = BodyOnDeleteSchema()

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method == "DELETE":
            throttles.append(AccountEraseThrottle())
        return throttles

    def _profile(self, request) -> Response:
        user = selectors.user_profile_get(user=request.user)
        return Response(MeSerializer(user, context={"request": request}).data)

    @extend_schema(
        operation_id="me_retrieve",
        summary="The signed-in user's profile",
        responses={200: MeSerializer},
        tags=["accounts"],
    )
    def get(self, request):
        return self._profile(request)

    @extend_schema(
        operation_id="me_update",
        summary="Change the profile",
        description=(
            "The avatar is uploaded through `PUT /api/v1/me/avatar/`. Email and "
            "phone are changed through allauth: `/_allauth/app/v1/account/email` and "
            "`/_allauth/app/v1/account/phone`. Unknown fields are refused."
        ),
        request=MeUpdateSerializer,
        responses={200: MeSerializer},
        tags=["accounts"],
    )
    def patch(self, request):
        serializer = MeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.user_update(
            user=request.user,
            first_name=data.get("first_name"),
            last_name=data.get("last_name"),
            language=data.get("language"),
            privacy_consent=data.get("privacy_consent"),
        )
        return self._profile(request)

    @extend_schema(
        operation_id="me_erase",
        summary="Erase the account (GDPR)",
        description=(
            "Anonymises the personal data, removes email addresses, MFA authenticators and "
            "every session (all tokens stop working). Needs the current password; a wrong "
            "one answers 400 `invalid_password`."
        ),
        request=MeEraseSerializer,
        responses={204: OpenApiResponse(description="Erased.")},
        tags=["accounts"],
    )
    def delete(self, request):
        serializer = MeEraseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_erase(user=request.user, password=serializer.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeAvatarView(APIView):
    """The signed-in user's avatar: an upload endpoint (multipart/form-data only)."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="me_avatar_upload",
        summary="Upload my avatar",
        description=(
            "multipart/form-data with `avatar`: a JPEG, PNG, WebP or GIF image, checked by "
            "content (400 `invalid`, the reason under `fields.avatar`). Replaces the current "
            "avatar, whose file is deleted. Answers the profile, with `avatar` as a URL."
        ),
        request={"multipart/form-data": MeAvatarUploadSerializer},
        responses={
            200: MeSerializer,
            400: OpenApiResponse(ErrorSerializer, description="No `avatar`, or not an image."),
            413: OpenApiResponse(ErrorSerializer, description="The upload is too large."),
            415: OpenApiResponse(ErrorSerializer, description="Not multipart/form-data."),
        },
        tags=["accounts"],
    )
    def put(self, request):
        serializer = MeAvatarUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_update(user=request.user, avatar=serializer.validated_data["avatar"])
        user = selectors.user_profile_get(user=request.user)
        return Response(MeSerializer(user, context={"request": request}).data)

    @extend_schema(
        operation_id="me_avatar_delete",
        summary="Remove my avatar",
        description="Its file is deleted. Idempotent.",
        request=None,
        responses={204: OpenApiResponse(description="Removed.")},
        tags=["accounts"],
    )
    def delete(self, request):
        services.user_update(user=request.user, avatar=None)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeExportView(APIView):
    throttle_scope = "account_export"

    @extend_schema(
        operation_id="me_export",
        summary="Download the user's data (GDPR)",
        description="A JSON attachment with the profile, emails, sessions, MFA types and SMS.",
        responses={200: MeExportSerializer},
        tags=["accounts"],
    )
    def get(self, request):
        data = MeExportSerializer(
            selectors.user_export(user=request.user), context={"request": request}
        ).data
        services.user_export_record(user=request.user)
        stamp = timezone.now().strftime("%Y%m%d")
        return Response(
            data,
            headers={"Content-Disposition": f'attachment; filename="teranga-export-{stamp}.json"'},
        )


class MeClientProfileView(APIView):
    """The client section of the profile (seed 001: name, first name, phone and
    address). Name and phone live on ``/api/v1/me/``; the address lives here."""

    @extend_schema(
        operation_id="me_client_retrieve",
        summary="My client profile (address)",
        responses={200: ClientProfileSerializer},
        tags=["accounts"],
    )
    def get(self, request):
        return Response(
            ClientProfileSerializer(selectors.client_profile_get(user=request.user)).data
        )

    @extend_schema(
        operation_id="me_client_update",
        summary="Change my client profile",
        description="Every field is optional (PUT and PATCH behave alike). `region` is a "
        "region code (`GET /api/v1/geo/regions/`). Unknown fields are refused.",
        request=ClientProfileUpdateSerializer,
        responses={200: ClientProfileSerializer},
        tags=["accounts"],
    )
    def patch(self, request):
        serializer = ClientProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        profile = services.client_profile_update(user=request.user, **serializer.validated_data)
        return Response(ClientProfileSerializer(profile).data)

    @extend_schema(
        operation_id="me_client_replace",
        summary="Change my client profile",
        request=ClientProfileUpdateSerializer,
        responses={200: ClientProfileSerializer},
        tags=["accounts"],
    )
    def put(self, request):
        return self.patch(request)
