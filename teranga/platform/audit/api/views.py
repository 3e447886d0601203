"""The audit log over the API: an organisation's (managers and above, staff) and my own.
Both are feeds: newest first, cursor-paginated (``cursor``, ``page_size``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView

from teranga.core.errors import CoreError, ValidationFailed
from teranga.core.pagination import CursorPagination
from teranga.core.schema import error_codes
from teranga.core.serializers import ErrorSerializer

from .. import selectors
from ..access import ORGANIZATION_NOT_FOUND
from ..models import AuditEntry
from .filters import MyAuditFilter, OrganizationAuditFilter
from .serializers import AuditEntrySerializer

TAG = ["audit"]
ERROR_400 = OpenApiResponse(ErrorSerializer, description="Invalid filter or no organisation")
ERROR_403 = OpenApiResponse(ErrorSerializer, description="A member below manager")
ERROR_404 = OpenApiResponse(
    ErrorSerializer, description="No such organisation, not a member of it, or a bad cursor"
)


class AuditCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")


class _AuditFeed(GenericAPIView):
    serializer_class = AuditEntrySerializer
    pagination_class = AuditCursorPagination
    filter_backends = [DjangoFilterBackend]

    def list_response(self):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(AuditEntrySerializer(page, many=True).data)


class OrganizationAuditView(_AuditFeed):
    filterset_class = OrganizationAuditFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return AuditEntry.objects.none()
        organization_id = self.request.query_params.get("organization")
        if not organization_id:
            raise ValidationFailed(fields={"organization": [_("Give the organisation.")]})
        return selectors.organization_entries(
            user=self.request.user, organization_id=organization_id
        )

    @extend_schema(
        tags=TAG,
        operation_id="audit_list",
        summary="An organisation's audit log (managers and above, staff)",
        description="Sensitive actions in the organisation, newest first: role and "
        "membership changes, invitations, settings and verification, refunds and manual "
        "payment decisions, exports, private documents opened. Each entry says who, what, "
        "when, from where (address, user agent) and the values before and after. "
        "`organization` is required (400 `invalid`). Filters: `action`, `actor`, `subject`, "
        "`from`, `to`. Cursor-paginated (`cursor`, `page_size`). 404 "
        "`organization_not_found` for an organisation I am not a member of; 403 "
        "`permission_denied` below manager; 404 `not_found` for a bad cursor.",
        parameters=[
            OpenApiParameter(
                "organization", OpenApiTypes.UUID, required=True, description="The organisation"
            )
        ],
        responses={
            200: AuditEntrySerializer(many=True),
            400: ERROR_400,
            403: ERROR_403,
            404: ERROR_404,
        },
        extensions=error_codes(
            {
                400: [CoreError.INVALID],
                403: [CoreError.PERMISSION_DENIED],
                404: [ORGANIZATION_NOT_FOUND, CoreError.NOT_FOUND],
            }
        ),
    )
    def get(self, request):
        return self.list_response()


class MyAuditView(_AuditFeed):
    filterset_class = MyAuditFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return AuditEntry.objects.none()
        return selectors.user_entries(user=self.request.user)

    @extend_schema(
        tags=TAG,
        operation_id="me_audit_list",
        summary="My audit log",
        description="What I did and what was done to my account, newest first: my sign-ins "
        "and the failed ones on my account, password, email, phone and two-factor changes, "
        "my role changes, my exports. Filters: `action`, `from`, `to`. Cursor-paginated "
        "(`cursor`, `page_size`). 400 `invalid` for a bad filter; 404 `not_found` for a bad "
        "cursor.",
        responses={200: AuditEntrySerializer(many=True), 400: ERROR_400},
        extensions=error_codes({400: [CoreError.INVALID], 404: [CoreError.NOT_FOUND]}),
    )
    def get(self, request):
        return self.list_response()
