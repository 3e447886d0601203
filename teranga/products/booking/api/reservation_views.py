"""Reservation endpoints of the Booking product, its statistics and its exports.

Who may do what (decided by ``services.reservations.acting_side`` and
``organizations.access``; see ``hooks``):

* a signed-in client books, lists and reads their own reservations, cancels and moves
  them within the service's notice periods, and confirms their own *hold* of a service
  paid on site; a reservation paid online is confirmed by its payment only;
* an organisation's agents and above (and staff, read-only) list and read its
  reservations and export them; agents and above confirm, cancel, move, complete and
  mark no-shows; managers and above (and staff) read the statistics;
* anyone else gets 404 for a reservation or an organisation; a member below the role,
  or a client calling a business action on their own reservation, gets 403.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from teranga.core.serializers import validated_query
from teranga.platform.organizations.access import get_organization_for

from .. import exports
from ..selectors import reservations as selectors
from ..services import reservations as services
from . import examples
from . import reservation_serializers as s

TAG = ["booking: reservations"]
STATS_TAG = ["booking: statistics"]
RESERVATION_ID = OpenApiParameter(
    "reservation_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Reservation id"
)


class ReservationView(GenericAPIView):
    filter_backends: list = []
    serializer_class = s.ReservationDetailSerializer

    def detail(self, reservation, status_code=status.HTTP_200_OK) -> Response:
        return Response(s.ReservationDetailSerializer(reservation).data, status=status_code)


class ReservationListCreateView(ReservationView):
    serializer_class = s.ReservationSerializer

    def get_throttles(self):
        self.throttle_scope = "reservations" if self.request.method == "POST" else None
        return super().get_throttles()

    @extend_schema(
        tags=TAG,
        summary="My reservations, or an organisation's",
        description="Without `organization`: the caller's own reservations (dates in UTC). "
        "With `organization`: that organisation's (agents and above, and staff; others "
        "404), dates in its time zone. Filters: `status` (repeatable), `date_from`, "
        "`date_to` (inclusive, by the appointment's start), `service`, `needs_attention`; "
        "`ordering`: `starts_at` (default), `-starts_at`, `created_at`, `-created_at`.",
        parameters=[s.ReservationListQuerySerializer],
        responses={200: s.ReservationSerializer(many=True)},
    )
    def get(self, request):
        query = validated_query(s.ReservationListQuerySerializer, request)
        organization_id = query.validated_data.get("organization")
        if organization_id is None:
            queryset = selectors.reservations_of_client(user=request.user, filters=query.filters())
        else:
            organization = get_organization_for(
                request.user, organization_id, selectors.RESERVATIONS_VIEW
            )
            queryset = selectors.reservations_of_organization(
                organization=organization, filters=query.filters()
            )
        page = self.paginate_queryset(selectors.listed(queryset))
        return self.get_paginated_response(s.ReservationSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Book a slot of a service",
        description="Books `starts_at` (a free slot, with its UTC offset) for the caller. "
        "A service paid online (`payment_mode` `online_full` or `deposit`) is always held: "
        "the reservation is `pending`, keeps the slot for 5 minutes (`hold_expires_at`) and "
        "is confirmed only when its payment of `amount_due_online` succeeds (`POST "
        "/api/v1/payments/` with `target_type` `booking.reservation`) — or, when the "
        "service requires the business's confirmation, then waits for it; unpaid, it "
        "expires and frees the slot. A service paid on site is confirmed at once, or "
        "`pending` when it requires the business's confirmation; with `hold: true` it is "
        "`pending` for 5 minutes: confirm it (`POST …/confirm/`) or it expires. Safe under "
        "concurrency: a slot never takes more than its capacity.\n\n"
        "Errors: 404 `service_not_found`; 409 `service_inactive`, "
        "`organization_not_verified`, `resource_inactive`, `slot_full`, `client_overlap`; "
        "400 `booking_in_past`, `outside_availability`, `notice_too_short`, `too_far_ahead`.",
        request=s.ReservationCreateSerializer,
        responses={201: s.ReservationDetailSerializer},
        examples=examples.RESERVATION_CREATE,
    )
    def post(self, request):
        serializer = s.ReservationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reservation = services.reservation_create(
            client=request.user,
            service_id=data["service"],
            starts_at=data["starts_at"],
            client_note=data["client_note"],
            hold=data["hold"],
        )
        return self.detail(reservation, status.HTTP_201_CREATED)


class ReservationDetailView(ReservationView):
    @extend_schema(
        tags=TAG,
        summary="One reservation, with its history",
        description="For its client, or the organisation's agents and above (and staff). "
        "`can_cancel`, `can_reschedule` and the deadlines are for the caller "
        "(`viewer_side`): the client's are bound by the service's notice periods.",
        parameters=[RESERVATION_ID],
        responses={200: s.ReservationDetailSerializer},
    )
    def get(self, request, reservation_id):
        reservation = selectors.reservation_detail(user=request.user, reservation_id=reservation_id)
        return self.detail(reservation)


class ReservationCancelView(ReservationView):
    @extend_schema(
        tags=TAG,
        summary="Cancel a reservation (client or business)",
        description="The client may cancel a pending reservation, or a confirmed one up to "
        "the service's cancellation notice before it (409 `cancellation_too_late`). The "
        "organisation's agents and above may cancel any pending or confirmed reservation. "
        "A member who is also the client acts as the client unless `as_business` is true. "
        "409 `invalid_transition` when it is already over or cancelled.",
        parameters=[RESERVATION_ID],
        request=s.ReservationCancelSerializer,
        responses={200: s.ReservationDetailSerializer},
    )
    def post(self, request, reservation_id):
        serializer = s.ReservationCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reservation = services.reservation_cancel(
            actor=request.user, reservation_id=reservation_id, **serializer.validated_data
        )
        return self.detail(reservation)


class ReservationConfirmView(ReservationView):
    @extend_schema(
        tags=TAG,
        summary="Confirm a pending reservation",
        description="The organisation's agents and above confirm a pending reservation. "
        "The client may confirm their own *hold* of a service paid on site. A reservation "
        "whose online payment (`amount_due_online`) has not succeeded cannot be confirmed "
        "by anyone: 409 `payment_required` (its payment confirms it). A hold that ran out: "
        "410 `hold_expired`. Anything but pending: 409 `invalid_transition`. A client "
        "confirming a reservation that is not a hold: 403.",
        parameters=[RESERVATION_ID],
        request=None,
        responses={200: s.ReservationDetailSerializer},
    )
    def post(self, request, reservation_id):
        reservation = services.reservation_confirm(
            actor=request.user, reservation_id=reservation_id
        )
        return self.detail(reservation)


class ReservationRescheduleView(ReservationView):
    @extend_schema(
        tags=TAG,
        summary="Move a reservation to another slot",
        description="To another free slot of the same service. The client may do it up to "
        "the service's reschedule notice before the current start (409 "
        "`reschedule_too_late`) and within the booking notice; the business at any time. "
        "409 `slot_full`, `client_overlap`, `invalid_transition`; 400 `same_time`, "
        "`booking_in_past`, `outside_availability`, `notice_too_short`, `too_far_ahead`.",
        parameters=[RESERVATION_ID],
        request=s.ReservationRescheduleSerializer,
        responses={200: s.ReservationDetailSerializer},
    )
    def post(self, request, reservation_id):
        serializer = s.ReservationRescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reservation = services.reservation_reschedule(
            actor=request.user, reservation_id=reservation_id, **serializer.validated_data
        )
        return self.detail(reservation)


class ReservationCompleteView(ReservationView):
    @extend_schema(
        tags=TAG,
        summary="Mark a reservation as done (business)",
        description="Agents and above, once the reservation has started (409 "
        "`booking_not_started`); only a confirmed one (409 `invalid_transition`).",
        parameters=[RESERVATION_ID],
        request=None,
        responses={200: s.ReservationDetailSerializer},
    )
    def post(self, request, reservation_id):
        reservation = services.reservation_complete(
            actor=request.user, reservation_id=reservation_id
        )
        return self.detail(reservation)


class ReservationNoShowView(ReservationView):
    @extend_schema(
        tags=TAG,
        summary="Record a no-show (business)",
        description="Agents and above, once the reservation has started (409 "
        "`booking_not_started`); only a confirmed one (409 `invalid_transition`).",
        parameters=[RESERVATION_ID],
        request=None,
        responses={200: s.ReservationDetailSerializer},
    )
    def post(self, request, reservation_id):
        reservation = services.reservation_no_show(
            actor=request.user, reservation_id=reservation_id
        )
        return self.detail(reservation)


class ReservationExportView(GenericAPIView):
    filter_backends: list = []
    pagination_class = None
    throttle_scope = "booking_export"

    def perform_content_negotiation(self, request, force=False):
        # ``format`` is this endpoint's own parameter (csv/pdf), not DRF's renderer
        # override: errors are JSON, files are plain HTTP responses.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        tags=TAG,
        summary="Export an organisation's reservations (CSV or PDF)",
        description="Agents and above (and staff). Same filters as the list, dates in the "
        "organisation's time zone. CSV columns: reference, date, start, end (local times), "
        "service, client_name, client_email, client_phone, status, price (major units), "
        "currency, created_at — UTF-8 with a byte-order mark. PDF: the same reservations "
        "as a titled table. At most 10 000 rows in CSV and 500 in PDF, otherwise 400 "
        "`export_too_large` (narrow the dates).",
        parameters=[s.ReservationExportQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV file"),
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF file"),
        },
    )
    def get(self, request):
        query = validated_query(s.ReservationExportQuerySerializer, request)
        organization = get_organization_for(
            request.user, query.validated_data["organization"], selectors.RESERVATIONS_VIEW
        )
        export = exports.reservations_export(
            organization=organization,
            filters=query.filters(),
            file_format=query.validated_data["format"],
        )
        response = HttpResponse(export.content, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        response["Cache-Control"] = "private, no-store"
        return response


class StatsView(GenericAPIView):
    filter_backends: list = []
    pagination_class = None
    serializer_class = s.StatsSerializer

    @extend_schema(
        tags=STATS_TAG,
        summary="Reservation statistics of an organisation",
        description="Managers and above (and staff). Reservations starting from `from` to "
        "`to` (inclusive, at most 366 days apart, in the organisation's time zone), per "
        "`day`, `week` (ISO, from Monday), `month` (every period listed, empty ones with "
        "zeros) or `service`, with totals. `bookings` counts every reservation except holds "
        "that ran out; `revenue` is the price of confirmed and completed reservations "
        "(booked revenue), `revenue_completed` of completed ones only; `cancellation_rate` "
        "= cancelled / bookings; `no_show_rate` = no_show / (completed + no_show).",
        parameters=[s.StatsQuerySerializer],
        responses={200: s.StatsSerializer},
    )
    def get(self, request):
        query = validated_query(s.StatsQuerySerializer, request)
        data = query.validated_data
        organization = get_organization_for(
            request.user, data["organization"], selectors.STATS_VIEW
        )
        stats = selectors.reservation_stats(
            organization=organization,
            date_from=data["from"],
            date_to=data["to"],
            group_by=data["group_by"],
        )
        return Response(s.StatsSerializer(stats).data)
