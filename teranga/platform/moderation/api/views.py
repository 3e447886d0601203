"""The moderation queue: the cases the caller may moderate (platform staff: every case;
others: the cases of the kinds whose moderators they are, e.g. an organisation's owners
and admins for its support chats), their decisions, and the log (platform staff).

A case the caller may not moderate answers 404 ``case_not_found``, as one that does not
exist."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.pagination import CursorPagination
from teranga.core.schema import error_codes
from teranga.core.serializers import ErrorSerializer

from .. import selectors, services
from ..errors import ModerationError as E
from ..models import ModerationCase, ModerationLogEntry
from . import serializers as s
from .filters import CaseFilter, LogFilter

TAG = ["moderation"]
CASE_ID = OpenApiParameter(
    "case_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Case id"
)
ERROR_400 = OpenApiResponse(ErrorSerializer, description="Invalid input")
ERROR_403 = OpenApiResponse(ErrorSerializer, description="Platform staff only")
ERROR_404 = OpenApiResponse(ErrorSerializer, description="No such case, or not mine to moderate")
ERROR_409 = OpenApiResponse(ErrorSerializer, description="Already decided")
DECISION_CODES = {400: [CoreError.INVALID], 404: [E.CASE_NOT_FOUND], 409: [E.CASE_ALREADY_DECIDED]}


class IsPlatformStaff(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_staff)


class CaseListView(GenericAPIView):
    serializer_class = s.CaseSerializer
    pagination_class = CursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return ModerationCase.objects.none()
        return selectors.cases_for(user=self.request.user)

    @extend_schema(
        tags=TAG,
        summary="My moderation queue",
        description="The cases I may moderate, newest first: every case for platform staff; "
        "for others, the cases of the kinds they moderate (an organisation's owners and "
        "admins moderate its support conversations). Cursor-paginated (`cursor`, "
        "`page_size`). Filters: `status` (default `open`), `kind`, `organization`. Someone "
        "who moderates nothing gets an empty list. 400 `invalid` for a bad filter; 404 "
        "`not_found` for a bad cursor.",
        responses={200: s.CaseSerializer(many=True), 400: ERROR_400},
        extensions=error_codes({400: [CoreError.INVALID], 404: [CoreError.NOT_FOUND]}),
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.CaseSerializer(page, many=True).data)


class CaseDetailView(GenericAPIView):
    serializer_class = s.CaseSerializer
    filter_backends: list = []

    @extend_schema(
        tags=TAG,
        summary="One case of my queue",
        description="404 `case_not_found` for a case I may not moderate.",
        parameters=[CASE_ID],
        responses={200: s.CaseSerializer, 404: ERROR_404},
        extensions=error_codes({404: [E.CASE_NOT_FOUND]}),
    )
    def get(self, request, case_id):
        case = selectors.case_for(user=request.user, case_id=case_id)
        return Response(s.CaseSerializer(case).data)


class _DecisionView(GenericAPIView):
    serializer_class = s.CaseSerializer
    filter_backends: list = []
    service = staticmethod(services.case_approve)

    def post(self, request, case_id):
        body = s.DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = type(self).service(
            user=request.user, case_id=case_id, note=body.validated_data.get("note", "")
        )
        return Response(s.CaseSerializer(case).data)


class CaseApproveView(_DecisionView):
    service = staticmethod(services.case_approve)

    @extend_schema(
        tags=TAG,
        summary="Approve a case: the content stays",
        description="JSON body `{note?}`. The case is `approved` (and the content shown again "
        "where its kind hid it). Errors: 400 `invalid` (note too long, unknown field); 404 "
        "`case_not_found`; 409 `case_already_decided`.",
        parameters=[CASE_ID],
        request=s.DecisionSerializer,
        responses={200: s.CaseSerializer, 400: ERROR_400, 404: ERROR_404, 409: ERROR_409},
        extensions=error_codes(DECISION_CODES),
    )
    def post(self, request, case_id):
        return super().post(request, case_id)


class CaseRemoveView(_DecisionView):
    service = staticmethod(services.case_remove)

    @extend_schema(
        tags=TAG,
        summary="Remove the content of a case",
        description="JSON body `{note?}`. The content is removed as its kind removes it (a "
        "chat message is deleted for everyone) and the case is `removed`. Errors: 400 "
        "`invalid`; 404 `case_not_found`; 409 `case_already_decided`.",
        parameters=[CASE_ID],
        request=s.DecisionSerializer,
        responses={200: s.CaseSerializer, 400: ERROR_400, 404: ERROR_404, 409: ERROR_409},
        extensions=error_codes(DECISION_CODES),
    )
    def post(self, request, case_id):
        return super().post(request, case_id)


class LogListView(GenericAPIView):
    serializer_class = s.LogEntrySerializer
    permission_classes = [IsAuthenticated, IsPlatformStaff]
    pagination_class = CursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = LogFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return ModerationLogEntry.objects.none()
        return selectors.log_entries()

    @extend_schema(
        tags=TAG,
        summary="The moderation log (platform staff)",
        description="Every flag, blocked attempt (its excerpt: the text was not stored), "
        "report and decision, newest first. Cursor-paginated. Filters: `action`, `kind`, "
        "`object_id`, `organization`, `case`. 400 `invalid` for a bad filter; 403 "
        "`permission_denied` for anyone but platform staff; 404 `not_found` for a bad cursor.",
        responses={200: s.LogEntrySerializer(many=True), 400: ERROR_400, 403: ERROR_403},
        extensions=error_codes(
            {
                400: [CoreError.INVALID],
                403: [CoreError.PERMISSION_DENIED],
                404: [CoreError.NOT_FOUND],
            }
        ),
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.LogEntrySerializer(page, many=True).data)
