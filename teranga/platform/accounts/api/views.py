"""Account API: the signed-in user's profile, export and erasure."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from teranga.platform.accounts import selectors, services
from teranga.platform.accounts.api.serializers import (
    ClientProfileSerializer,
    ClientProfileUpdateSerializer,
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
    parser_classes = [JSONParser, MultiPartParser, FormParser]

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
            "JSON, or multipart to upload an avatar (checked by its content). Email and "
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
            avatar=data.get("avatar", services.UNSET),
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
