"""Appointment endpoints of SmartQueue (``/api/v1/smartqueue/appointments/…``).

* anyone (no sign-in) lists the free slots of a verified organisation's active service;
* a signed-in client books, lists and reads their appointments, cancels them and checks
  in; a paid service's appointment waits for its payment (payable
  ``smartqueue.appointment``);
* an organisation's agents and above (and staff, read-only) list and read its
  appointments; agents and above cancel them and check a walk-up client in;
* anyone else gets 404 for an appointment or an organisation; a member below the role
  gets 403.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from teranga.core.serializers import ErrorSerializer, validated_query
from teranga.platform.organizations.access import get_organization_for

from ..access import TICKETS_VIEW
from ..selectors import appointments as selectors
from ..services import appointments as services
from . import appointment_serializers as s

TAG = ["smartqueue: appointments"]
APPOINTMENT_ID = OpenApiParameter(
    "appointment_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Appointment id"
)
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
    403: OpenApiResponse(ErrorSerializer, description="Role too low"),
    404: OpenApiResponse(ErrorSerializer, description="Not found"),
    409: OpenApiResponse(ErrorSerializer, description="Not possible now"),
}


class AppointmentView(GenericAPIView):
    filter_backends: list = []
    serializer_class = s.AppointmentDetailSerializer

    def detail(self, appointment, status_code=status.HTTP_200_OK) -> Response:
        return Response(s.AppointmentDetailSerializer(appointment).data, status=status_code)


class AvailableSlotsView(GenericAPIView):
    permission_classes = [AllowAny]
    filter_backends: list = []
    pagination_class = None
    throttle_scope = "slots"
    serializer_class = s.AppointmentSlotSerializer

    @extend_schema(
        tags=TAG,
        summary="Free appointment slots of a service on a day",
        description="Public. The slots of `service` on `date` (the organisation's local day) "
        "at `branch`, or at every branch whose appointment queue takes appointments for it, "
        "within the service's notice and advance limits; each with the places left. "
        "Errors: 400 `invalid` (bad or missing `service`/`date`); 404 `service_not_found` "
        "(unknown, inactive, or its organisation is not verified).",
        parameters=[s.SlotQuerySerializer],
        responses={200: s.AppointmentSlotSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        query = validated_query(s.SlotQuerySerializer, request).validated_data
        service = selectors.bookable_service(query["service"])
        slots = selectors.available_slots(
            service=service, day=query["date"], branch_id=query.get("branch")
        )
        return Response(s.AppointmentSlotSerializer(slots, many=True).data)


class AppointmentListCreateView(AppointmentView):
    serializer_class = s.AppointmentSerializer

    def get_throttles(self):
        self.throttle_scope = "reservations" if self.request.method == "POST" else None
        return super().get_throttles()

    @extend_schema(
        tags=TAG,
        summary="My appointments, or an organisation's",
        description="Without `organization`: mine. With it: that organisation's (agents and "
        "above, and staff; others 404, a member below 403). Filters: `status` "
        "(repeatable), `upcoming`, `branch` (with `organization`). Ordered by start.",
        parameters=[s.AppointmentListQuerySerializer],
        responses={200: s.AppointmentSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        query = validated_query(s.AppointmentListQuerySerializer, request)
        organization_id = query.validated_data.get("organization")
        if organization_id is None:
            queryset = selectors.appointments_of_user(user=request.user, **query.filters())
        else:
            organization = get_organization_for(request.user, organization_id, TICKETS_VIEW)
            queryset = selectors.appointments_of_organization(
                organization=organization, **query.filters()
            )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.AppointmentSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Book an appointment",
        description="Books `starts_at` (a free slot) of `service` at `branch` for the "
        "caller. A free service: `booked` at once. A paid one: `pending_payment`, the slot "
        "held for 5 minutes; `payment` says what to pay: `POST /api/v1/payments/` with "
        "`target_type` `smartqueue.appointment` and `target_id` the appointment's id. "
        "Errors: 404 `service_not_found`, `appointment_queue_not_found`; 409 `slot_full`, "
        "`client_overlap`, `resource_inactive`; 400 `invalid`, `booking_in_past`, "
        "`outside_availability`, `notice_too_short`, `too_far_ahead`.",
        request=s.AppointmentCreateSerializer,
        responses={201: s.AppointmentDetailSerializer, **ERRORS},
    )
    def post(self, request):
        serializer = s.AppointmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        appointment = services.appointment_create(
            user=request.user,
            service_id=data["service"],
            branch_id=data["branch"],
            starts_at=data["starts_at"],
            note=data["note"],
        )
        return self.detail(appointment, status.HTTP_201_CREATED)


class AppointmentDetailView(AppointmentView):
    @extend_schema(
        tags=TAG,
        summary="One appointment",
        description="For its client, or the organisation's agents and above (and staff). "
        "Checked in: its ticket, live position and estimated wait. 404 "
        "`appointment_not_found`; 403 for a member below agent.",
        parameters=[APPOINTMENT_ID],
        responses={200: s.AppointmentDetailSerializer, **ERRORS},
    )
    def get(self, request, appointment_id):
        appointment = selectors.appointment_visible(
            user=request.user, appointment_id=appointment_id
        )
        return self.detail(appointment)


class AppointmentCancelView(AppointmentView):
    @extend_schema(
        tags=TAG,
        summary="Cancel an appointment (client or agents and above)",
        description="A booked or unpaid appointment, before it starts (409 "
        "`cancellation_too_late` for the client after the start). When the organisation "
        "cancels a paid appointment the payment is refunded in full automatically; a "
        "client cancelling is not refunded automatically. 409 `not_cancellable` "
        "(checked in, missed, cancelled); 404 `appointment_not_found`.",
        parameters=[APPOINTMENT_ID],
        request=s.AppointmentCancelSerializer,
        responses={200: s.AppointmentDetailSerializer, **ERRORS},
    )
    def post(self, request, appointment_id):
        serializer = s.AppointmentCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = services.appointment_cancel(
            actor=request.user, appointment_id=appointment_id, **serializer.validated_data
        )
        return self.detail(appointment)


class AppointmentCheckInView(AppointmentView):
    @extend_schema(
        tags=TAG,
        summary="Check in: the appointment becomes a ticket",
        description="The client, or an agent and above of the organisation (a walk-up), "
        "from the service's `checkin_opens_minutes` before the start until "
        "`checkin_closes_minutes` after. Issues a ticket in the appointment queue, ordered "
        "by the appointment's time (called ahead of walk-ins per the counter's strategy), "
        "even if the queue is closed. Errors: 409 `checkin_not_open`, `checkin_closed`, "
        "`already_checked_in`, `appointment_not_booked`, `already_in_queue`; 404 "
        "`appointment_not_found`.",
        parameters=[APPOINTMENT_ID],
        request=None,
        responses={200: s.AppointmentDetailSerializer, **ERRORS},
    )
    def post(self, request, appointment_id):
        appointment = services.appointment_check_in(
            actor=request.user, appointment_id=appointment_id
        )
        return self.detail(appointment)
