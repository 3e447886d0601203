"""The Academy's API (``/api/v1/academy/``).

* Formations: the public list and page of published formations of verified academies;
  the academy's staff list every formation (``organizations/{id}/formations/``, agents
  and above, staff); managers and above create and change them.
* Sessions: listed with their formation (whoever may read it); managers plan a weekly
  schedule, move one date or cancel it (the enrolled members are told).
* Enrolment: a signed-in member enrols (a pending enrolment), then pays it with
  ``POST /api/v1/payments/`` (``target_type`` ``academy.enrolment``: online, or a manual
  payment with its transaction number, validated by a manager through
  ``POST /api/v1/payments/{id}/review/``). Agents and above list the enrolments of a
  formation with each member's completion rate.
* Attendance: a member's check-in link and the check-in itself; the roll call and the
  attendance of a session (agents and above).
* The member's own enrolments and payment history (with the invoice of each payment).
* The dashboard of an academy (managers and above, staff): enrolments, attendance and
  revenue per formation.

Another organisation's objects answer 404; a member whose role is too low, 403.
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.pagination import PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import ErrorSerializer
from teranga.platform.organizations.access import OrganizationAccess
from teranga.platform.organizations.errors import OrganizationError

from .. import selectors
from ..errors import AcademyError as E
from ..models import Session
from ..services import attendance as attendance_services
from ..services import enrolments as enrolment_services
from ..services import formations as formation_services
from ..services import sessions as session_services
from . import serializers as s
from .filters import FormationFilter, SessionFilter

TAG = ["academy"]
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
READ_ERRORS = {404: ErrorSerializer}


def path_id(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH)


class AcademyView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []
    permission_classes = [IsAuthenticated]


# --- Formations ---------------------------------------------------------------------------


class FormationListCreateView(AcademyView):
    serializer_class = s.FormationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = FormationFilter

    def get_permissions(self):
        if self.request.method == "GET":
            return [AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.public_formations()

    @extend_schema(
        tags=TAG,
        summary="Published formations",
        description="Published formations of verified academies, by title. Filters: "
        "`organization`, `level`, `platform`; search with `q` (title, description).",
        responses={200: s.FormationSerializer(many=True), **READ_ERRORS},
        auth=[],
    )
    def get(self, request):
        return self.paginated(self.filter_queryset(self.get_queryset()), s.FormationSerializer)

    @extend_schema(
        tags=TAG,
        summary="Create a formation (managers and above of the academy)",
        description="The organisation must be an academy (400 "
        "`organization_kind_not_supported`); the price is in its currency. `instructor`: "
        "a staff member of the academy (400 `instructor_not_found`). Errors: 400, 404 "
        "`organization_not_found`, 403, 401.",
        request=s.FormationCreateSerializer,
        responses={201: s.FormationSerializer, **ERRORS},
        extensions=error_codes(
            {
                400: [E.ORGANIZATION_KIND_NOT_SUPPORTED, E.INSTRUCTOR_NOT_FOUND, CoreError.INVALID],
                404: [OrganizationError.ORGANIZATION_NOT_FOUND],
            }
        ),
    )
    def post(self, request):
        serializer = s.FormationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = selectors.organization_for(
            user=request.user,
            organization_id=data.pop("organization"),
            action=selectors.FORMATIONS_MANAGE,
        )
        formation = formation_services.formation_create(organization=organization, **data)
        formation = selectors.formation_get(user=request.user, formation_id=formation.pk)
        return Response(s.FormationSerializer(formation).data, status=status.HTTP_201_CREATED)


class OrganizationFormationListView(AcademyView):
    permission_classes = [OrganizationAccess]
    organization_actions = {"GET": selectors.FORMATIONS_VIEW}
    serializer_class = s.FormationSerializer
    organization = None

    @extend_schema(
        tags=TAG,
        summary="Every formation of an academy (agents and above, staff)",
        description="Unpublished ones included, by title. Errors: 404 "
        "`organization_not_found`, 403, 401.",
        parameters=[path_id("organization_id")],
        responses={200: s.FormationSerializer(many=True), **ERRORS},
        extensions=error_codes({404: [OrganizationError.ORGANIZATION_NOT_FOUND]}),
    )
    def get(self, request, organization_id):
        formations = selectors.organization_formations(organization=self.organization)
        return self.paginated(formations, s.FormationSerializer)


class FormationDetailView(AcademyView):
    serializer_class = s.FormationSerializer

    def get_permissions(self):
        if self.request.method == "GET":
            return [AllowAny()]
        return super().get_permissions()

    @extend_schema(
        tags=TAG,
        summary="A formation",
        description="Public when published by a verified academy; otherwise for the "
        "academy's agents and above. Errors: 404 `formation_not_found`.",
        parameters=[path_id("formation_id")],
        responses={200: s.FormationSerializer, **READ_ERRORS},
        extensions=error_codes({404: [E.FORMATION_NOT_FOUND]}),
        auth=[],
    )
    def get(self, request, formation_id):
        formation = selectors.formation_get(user=request.user, formation_id=formation_id)
        return Response(s.FormationSerializer(formation).data)

    @extend_schema(
        tags=TAG,
        summary="Change a formation (managers and above)",
        description="Any field of the creation but `organization`. Errors: 400, 404 "
        "`formation_not_found`, 403, 401.",
        parameters=[path_id("formation_id")],
        request=s.FormationWriteSerializer(partial=True),
        responses={200: s.FormationSerializer, **ERRORS},
        extensions=error_codes(
            {400: [E.INSTRUCTOR_NOT_FOUND, CoreError.INVALID], 404: [E.FORMATION_NOT_FOUND]}
        ),
    )
    def patch(self, request, formation_id):
        formation = selectors.formation_get(
            user=request.user, formation_id=formation_id, action=selectors.FORMATIONS_MANAGE
        )
        serializer = s.FormationWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        formation = formation_services.formation_update(
            formation=formation, **serializer.validated_data
        )
        formation = selectors.formation_get(
            user=request.user, formation_id=formation.pk, action=selectors.FORMATIONS_MANAGE
        )
        return Response(s.FormationSerializer(formation).data)


# --- Sessions -----------------------------------------------------------------------------


class FormationSessionListView(AcademyView):
    serializer_class = s.SessionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SessionFilter

    def get_permissions(self):
        return [AllowAny()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Session.objects.none()
        return selectors.formation_sessions(formation=self.formation)

    @extend_schema(
        tags=TAG,
        summary="Sessions of a formation",
        description="In time order, cancelled ones included (filter `status`, "
        "`starts_after`, `starts_before`). Whoever may read the formation. Errors: 404 "
        "`formation_not_found`.",
        parameters=[path_id("formation_id")],
        responses={200: s.SessionSerializer(many=True), **READ_ERRORS},
        extensions=error_codes({404: [E.FORMATION_NOT_FOUND]}),
        auth=[],
    )
    def get(self, request, formation_id):
        self.formation = selectors.formation_get(user=request.user, formation_id=formation_id)
        return self.paginated(self.filter_queryset(self.get_queryset()), s.SessionSerializer)


class ScheduleCreateView(AcademyView):
    serializer_class = s.ScheduleSerializer

    @extend_schema(
        tags=TAG,
        summary="Plan recurring sessions (managers and above)",
        description="Every `weekdays` (0 = Monday) from `first_date` to `last_date`, at "
        "`start_time` in the academy's time zone, for `duration_minutes`: one session "
        "per date (e.g. Tuesdays and Thursdays at 19:00 Paris time for 8 weeks). Errors: "
        "400 `schedule_too_many_sessions`, `schedule_no_sessions`, `invalid`; 404 "
        "`formation_not_found`; 403; 401.",
        parameters=[path_id("formation_id")],
        request=s.ScheduleCreateSerializer,
        responses={201: s.ScheduleSerializer, **ERRORS},
        extensions=error_codes(
            {
                400: [E.SCHEDULE_TOO_MANY_SESSIONS, E.SCHEDULE_NO_SESSIONS, CoreError.INVALID],
                404: [E.FORMATION_NOT_FOUND],
            }
        ),
    )
    def post(self, request, formation_id):
        formation = selectors.formation_get(
            user=request.user, formation_id=formation_id, action=selectors.FORMATIONS_MANAGE
        )
        serializer = s.ScheduleCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        schedule = session_services.schedule_create(
            formation=formation, **serializer.validated_data
        )
        return Response(s.ScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)


class SessionDetailView(AcademyView):
    serializer_class = s.SessionSerializer

    def get_permissions(self):
        if self.request.method == "GET":
            return [AllowAny()]
        return super().get_permissions()

    @extend_schema(
        tags=TAG,
        summary="A session",
        description="Whoever may read its formation. Errors: 404 `session_not_found`.",
        parameters=[path_id("session_id")],
        responses={200: s.SessionSerializer, **READ_ERRORS},
        extensions=error_codes({404: [E.SESSION_NOT_FOUND]}),
        auth=[],
    )
    def get(self, request, session_id):
        session = selectors.session_get(user=request.user, session_id=session_id)
        return Response(s.SessionSerializer(session).data)

    @extend_schema(
        tags=TAG,
        summary="Move a session (managers and above)",
        description="New `starts_at` and `ends_at`; every member with an active enrolment "
        "is told (`academy.session_moved`). Errors: 400 `session_past`, "
        "`session_invalid_times`; 409 `session_cancelled`; 404 `session_not_found`; 403; "
        "401.",
        parameters=[path_id("session_id")],
        request=s.SessionMoveSerializer,
        responses={200: s.SessionSerializer, 409: ErrorSerializer, **ERRORS},
        extensions=error_codes(
            {
                400: [E.SESSION_PAST, E.SESSION_INVALID_TIMES, CoreError.INVALID],
                404: [E.SESSION_NOT_FOUND],
                409: [E.SESSION_CANCELLED],
            }
        ),
    )
    def patch(self, request, session_id):
        session = selectors.session_get(
            user=request.user, session_id=session_id, action=selectors.FORMATIONS_MANAGE
        )
        serializer = s.SessionMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = session_services.session_move(session=session, **serializer.validated_data)
        return Response(s.SessionSerializer(session).data)


class SessionCancelView(AcademyView):
    serializer_class = s.SessionSerializer

    @extend_schema(
        tags=TAG,
        summary="Cancel a session (managers and above)",
        description="Every member with an active enrolment is told "
        "(`academy.session_cancelled`). Errors: 409 `session_cancelled`; 404 "
        "`session_not_found`; 403; 401.",
        parameters=[path_id("session_id")],
        request=None,
        responses={200: s.SessionSerializer, 409: ErrorSerializer, **ERRORS},
        extensions=error_codes({404: [E.SESSION_NOT_FOUND], 409: [E.SESSION_CANCELLED]}),
    )
    def post(self, request, session_id):
        session = selectors.session_get(
            user=request.user, session_id=session_id, action=selectors.FORMATIONS_MANAGE
        )
        session = session_services.session_cancel(session=session)
        return Response(s.SessionSerializer(session).data)


# --- Enrolment ----------------------------------------------------------------------------


class FormationEnrolmentsView(AcademyView):
    serializer_class = s.EnrolmentSerializer

    @extend_schema(
        tags=TAG,
        summary="Enrolments of a formation, with completion (agents and above, staff)",
        description="Each member's status, sessions held and attended, and completion "
        "rate (attended ÷ held). Errors: 404 `formation_not_found`, 403, 401.",
        parameters=[path_id("formation_id")],
        responses={200: s.EnrolmentSerializer(many=True), **ERRORS},
        extensions=error_codes({404: [E.FORMATION_NOT_FOUND]}),
    )
    def get(self, request, formation_id):
        formation = selectors.formation_get(
            user=request.user, formation_id=formation_id, action=selectors.FORMATIONS_VIEW
        )
        return self.paginated(
            selectors.formation_enrolments(formation=formation), s.EnrolmentSerializer
        )

    @extend_schema(
        tags=TAG,
        summary="Enrol in a formation (signed-in member)",
        description="A pending enrolment at the formation's price (200 with the pending "
        "one when it exists; 201 when created). Pay it with `POST /api/v1/payments/`, "
        "`target_type` `academy.enrolment` and the enrolment's id as `target_id`: online "
        "(`provider`), or `method` `bank_transfer`/`cash` with its mandatory "
        "`transaction_number`, then validated by the academy. Errors: 409 "
        "`already_enrolled`, `formation_not_open`; 404 `formation_not_found`; 401.",
        parameters=[path_id("formation_id")],
        request=None,
        responses={
            200: s.EnrolmentSerializer,
            201: s.EnrolmentSerializer,
            409: ErrorSerializer,
            **ERRORS,
        },
        extensions=error_codes(
            {404: [E.FORMATION_NOT_FOUND], 409: [E.ALREADY_ENROLLED, E.FORMATION_NOT_OPEN]}
        ),
    )
    def post(self, request, formation_id):
        formation = selectors.formation_get(user=request.user, formation_id=formation_id)
        enrolment, created = enrolment_services.enrolment_create(
            user=request.user, formation=formation
        )
        enrolment = selectors.member_enrolments(user=request.user).get(pk=enrolment.pk)
        return Response(
            s.EnrolmentSerializer(enrolment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MyEnrolmentsView(AcademyView):
    serializer_class = s.EnrolmentSerializer

    @extend_schema(
        tags=TAG,
        summary="My enrolments, with my completion rate",
        description="Newest first.",
        responses={200: s.EnrolmentSerializer(many=True), 401: ErrorSerializer},
    )
    def get(self, request):
        return self.paginated(selectors.member_enrolments(user=request.user), s.EnrolmentSerializer)


class MyPaymentsView(AcademyView):
    serializer_class = s.MemberPaymentSerializer

    @extend_schema(
        tags=TAG,
        summary="My payment history",
        description="My payments for enrolments, newest first, each with its formation "
        "and, once it succeeded, its invoice (`CT-YYYYMMDD-XXXX`; the PDF with Factur-X is "
        "`GET /api/v1/invoices/{id}/pdf/`).",
        responses={200: s.MemberPaymentSerializer(many=True), 401: ErrorSerializer},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.member_payments(user=request.user))
        rows = selectors.payment_rows(user=request.user, payments=page)
        return self.get_paginated_response(s.MemberPaymentSerializer(rows, many=True).data)


# --- Attendance ---------------------------------------------------------------------------


class SessionCheckinLinkView(AcademyView):
    serializer_class = s.CheckinLinkSerializer

    @extend_schema(
        tags=TAG,
        summary="My check-in link of a session (enrolled member)",
        description="A page of ours carrying a signed token that names the session and "
        "me; it works from 15 minutes before the start to 30 minutes after the end. "
        "Errors: 403 `not_enrolled`; 404 `session_not_found`; 401.",
        parameters=[path_id("session_id")],
        responses={200: s.CheckinLinkSerializer, **ERRORS},
        extensions=error_codes({403: [E.NOT_ENROLLED], 404: [E.SESSION_NOT_FOUND]}),
    )
    def get(self, request, session_id):
        session = selectors.session_of_member(user=request.user, session_id=session_id)
        link = attendance_services.checkin_link(session=session, user=request.user)
        return Response(s.CheckinLinkSerializer(link).data)


class CheckinView(AcademyView):
    serializer_class = s.AttendanceSerializer
    throttle_scope = "academy_checkin"

    @extend_schema(
        tags=TAG,
        summary="Check in with my link's token (the member signed in)",
        description="Records me present at the token's session (again: harmless). "
        "Errors: 400 `checkin_invalid` (forged, or someone else's); 403 `not_enrolled`; "
        "409 `checkin_not_open` (outside the session), `session_cancelled`; 429; 401.",
        request=s.CheckinSerializer,
        responses={200: s.AttendanceSerializer, 409: ErrorSerializer, **ERRORS},
        extensions=error_codes(
            {
                400: [E.CHECKIN_INVALID, CoreError.INVALID],
                403: [E.NOT_ENROLLED],
                409: [E.CHECKIN_NOT_OPEN, E.SESSION_CANCELLED],
            }
        ),
    )
    def post(self, request):
        serializer = s.CheckinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attendance = attendance_services.attendance_check_in(
            token=serializer.validated_data["token"], user=request.user
        )
        return Response(s.AttendanceSerializer(attendance).data)


class SessionAttendanceView(AcademyView):
    serializer_class = s.SessionAttendanceSerializer

    @extend_schema(
        tags=TAG,
        summary="Attendance of a session (agents and above, staff)",
        description="Every member with an active enrolment, with `present` (null: not "
        "recorded) and how. Errors: 404 `session_not_found`, 403, 401.",
        parameters=[path_id("session_id")],
        responses={200: s.SessionAttendanceSerializer(many=True), **ERRORS},
        extensions=error_codes({404: [E.SESSION_NOT_FOUND]}),
    )
    def get(self, request, session_id):
        session = selectors.session_get(
            user=request.user, session_id=session_id, action=selectors.FORMATIONS_VIEW
        )
        return self.paginated(
            selectors.session_attendance(session=session), s.SessionAttendanceSerializer
        )


class RollCallView(AcademyView):
    serializer_class = s.AttendanceSerializer

    @extend_schema(
        tags=TAG,
        summary="Take the roll call (agents and above: the instructor)",
        description="Marks each member present or absent (replacing an earlier mark), "
        "all or nothing, from 15 minutes before the start on. Errors: 400 `not_enrolled` "
        "(an entry for someone not enrolled), `invalid`; 409 `checkin_not_open`, "
        "`session_cancelled`; 404 `session_not_found`; 403; 401.",
        parameters=[path_id("session_id")],
        request=s.RollCallSerializer,
        responses={200: s.AttendanceSerializer(many=True), 409: ErrorSerializer, **ERRORS},
        extensions=error_codes(
            {
                400: [E.NOT_ENROLLED, CoreError.INVALID],
                404: [E.SESSION_NOT_FOUND],
                409: [E.CHECKIN_NOT_OPEN, E.SESSION_CANCELLED],
            }
        ),
    )
    def post(self, request, session_id):
        session = selectors.session_get(
            user=request.user, session_id=session_id, action=selectors.ATTENDANCE_TAKE
        )
        serializer = s.RollCallSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = attendance_services.attendance_roll_call(
            session=session, actor=request.user, entries=serializer.validated_data["entries"]
        )
        return Response(s.AttendanceSerializer(rows, many=True).data)


# --- Dashboard ----------------------------------------------------------------------------


class DashboardView(AcademyView):
    permission_classes = [OrganizationAccess]
    organization_actions = {"GET": selectors.DASHBOARD_VIEW}
    serializer_class = s.DashboardSerializer
    organization = None

    @extend_schema(
        tags=TAG,
        summary="Academy dashboard (managers and above, staff)",
        description="Per formation: active and pending enrolments, sessions held, present "
        "marks and attendance rate, revenue (net of refunds, minor units). A fixed "
        "number of queries. Errors: 404 `organization_not_found`, 403, 401.",
        parameters=[path_id("organization_id")],
        responses={200: s.DashboardSerializer, **ERRORS},
        extensions=error_codes({404: [OrganizationError.ORGANIZATION_NOT_FOUND]}),
    )
    def get(self, request, organization_id):
        rows = selectors.dashboard(organization=self.organization)
        return Response(s.DashboardSerializer({"formations": rows}).data)
