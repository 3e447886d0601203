"""Ticket types, shared quotas, orders, tickets and an event's cancellation (under
``/api/v1/campus/``).

Who may do what (``organizations.access`` through ``selectors.access``):

* the organiser's managers and above (``campus.events.manage``) add, change and remove
  ticket types and shared quotas, and cancel an event; its agents and above
  (``campus.orders.view``) list an event's orders; anyone who may see an event lists its
  active ticket types;
* a signed-in user who may see an event orders tickets, and reads, cancels and pays
  their own orders, reads their own tickets (QR, PDF) and transfers them;
* another organisation's objects, and other people's orders and tickets, are 404; a
  member whose role is too low gets 403.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.pagination import PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query

from .. import ticket_documents as documents
from ..errors import CampusError
from ..selectors import tickets as selectors
from ..services import event_cancel as cancelling
from ..services import orders as order_services
from ..services import ticket_types as type_services
from ..services import tickets as ticket_services
from . import ticket_serializers as s

TAG_TYPES = ["campus: ticket types"]
TAG_ORDERS = ["campus: orders"]
TAG_TICKETS = ["campus: tickets"]
EVENT_ID = OpenApiParameter("event_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
TYPE_ID = OpenApiParameter("ticket_type_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
QUOTA_ID = OpenApiParameter("quota_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
ORDER_ID = OpenApiParameter("order_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
TICKET_ID = OpenApiParameter("ticket_id", OpenApiTypes.UUID, OpenApiParameter.PATH)

EVENT_404 = [CampusError.EVENT_NOT_FOUND]
TYPE_WRITE_400 = [CampusError.PRICE_OUT_OF_RANGE, CampusError.INVALID_TIERS]


class CampusView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []
    serializer_class = s.CampusTicketTypeSerializer


def _validated(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Ticket types -----------------------------------------------------------------------------


def _type_data(event, ticket_type, *, staff: bool) -> dict:
    return s.CampusTicketTypeSerializer(ticket_type, context={"event": event, "staff": staff}).data


class TicketTypeListView(CampusView):
    def get_permissions(self):
        # Visitors read a public event's ticket types, as they read the event.
        if self.request.method == "GET":
            return [AllowAny()]
        return super().get_permissions()

    @extend_schema(
        extensions=error_codes({404: EVENT_404}),
        tags=TAG_TYPES,
        summary="The ticket types of an event",
        description="The organiser's staff see every type with its counters (`taken`, "
        "`sold`); anyone who may see the event (a visitor, without signing in, a public "
        "one) sees its active types (counters null). `available` is the seats left, "
        "`next_price` what the next seat costs.\n\nErrors: 404 `event_not_found`.",
        parameters=[EVENT_ID],
        responses={200: s.CampusTicketTypeSerializer(many=True)},
    )
    def get(self, request, event_id):
        event, types, staff = selectors.ticket_types_of_event(user=request.user, event_id=event_id)
        return self.paginated(types, s.CampusTicketTypeSerializer, event=event, staff=staff)

    @extend_schema(
        extensions=error_codes(
            {400: TYPE_WRITE_400, 404: EVENT_404, 409: [CampusError.EVENT_CANCELLED]}
        ),
        tags=TAG_TYPES,
        summary="Add a ticket type",
        description="Managers and above of the organiser. `free`: price 0; `paid`: a price "
        "within the currency's limits (XOF 100 – 5 000 000, EUR 1 – 10 000 €, minor units); "
        "`tiered`: `tiers` with strictly increasing `up_to` (at most the quota), each price "
        "within the limits, then `price`. The currency is the event's. Keeps the event's "
        "`price_from`.\n\nErrors: 400 `invalid`, `price_out_of_range`, `invalid_tiers`; 403; "
        "404 `event_not_found`; 409 `event_cancelled` (cancelled or finished event); 401.",
        parameters=[EVENT_ID],
        request=s.CampusTicketTypeWriteSerializer,
        responses={201: s.CampusTicketTypeSerializer},
    )
    def post(self, request, event_id):
        data = _validated(s.CampusTicketTypeWriteSerializer, request.data)
        ticket_type = type_services.ticket_type_create(
            user=request.user, event_id=event_id, data=data
        )
        return Response(
            _type_data(ticket_type.event, ticket_type, staff=True), status=status.HTTP_201_CREATED
        )


class TicketTypeDetailView(CampusView):
    @extend_schema(
        extensions=error_codes(
            {
                400: TYPE_WRITE_400,
                404: [CampusError.TICKET_TYPE_NOT_FOUND],
                409: [
                    CampusError.EVENT_CANCELLED,
                    CampusError.QUOTA_BELOW_TAKEN,
                    CampusError.TICKET_TYPE_IN_USE,
                ],
            }
        ),
        tags=TAG_TYPES,
        summary="Change a ticket type",
        description="Managers and above. Any field of the creation; the quota cannot go "
        "below the seats taken, and the kind cannot change once seats are taken.\n\n"
        "Errors: 400 `invalid`, `price_out_of_range`, `invalid_tiers`; 403; 404 "
        "`ticket_type_not_found`; 409 `quota_below_taken`, `ticket_type_in_use`, "
        "`event_cancelled`; 401.",
        parameters=[TYPE_ID],
        request=s.CampusTicketTypeUpdateSerializer,
        responses={200: s.CampusTicketTypeSerializer},
    )
    def patch(self, request, ticket_type_id):
        data = _validated(s.CampusTicketTypeUpdateSerializer, request.data)
        ticket_type = type_services.ticket_type_update(
            user=request.user, ticket_type_id=ticket_type_id, data=data
        )
        return Response(_type_data(ticket_type.event, ticket_type, staff=True))

    @extend_schema(
        extensions=error_codes(
            {
                404: [CampusError.TICKET_TYPE_NOT_FOUND],
                409: [CampusError.TICKET_TYPE_IN_USE, CoreError.IN_USE],
            }
        ),
        tags=TAG_TYPES,
        summary="Remove a ticket type",
        description="Managers and above; only a type that never held a seat (deactivate "
        "the others with `is_active: false`).\n\nErrors: 403; 404 `ticket_type_not_found`; "
        "409 `ticket_type_in_use`; 401.",
        parameters=[TYPE_ID],
        request=None,
        responses={204: None},
    )
    def delete(self, request, ticket_type_id):
        type_services.ticket_type_delete(user=request.user, ticket_type_id=ticket_type_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Shared quotas ----------------------------------------------------------------------------


class QuotaListView(CampusView):
    serializer_class = s.CampusSharedQuotaSerializer

    @extend_schema(
        extensions=error_codes({404: EVENT_404}),
        tags=TAG_TYPES,
        summary="The shared quotas of an event",
        description="Managers and above of the organiser.\n\nErrors: 403; 404 "
        "`event_not_found`; 401.",
        parameters=[EVENT_ID],
        responses={200: s.CampusSharedQuotaSerializer(many=True)},
    )
    def get(self, request, event_id):
        _event, quotas = selectors.quotas_of_event(user=request.user, event_id=event_id)
        return self.paginated(quotas, s.CampusSharedQuotaSerializer)

    @extend_schema(
        extensions=error_codes(
            {404: EVENT_404, 409: [CampusError.EVENT_CANCELLED, CampusError.QUOTA_BELOW_TAKEN]}
        ),
        tags=TAG_TYPES,
        summary="Add a quota shared by some ticket types",
        description="Managers and above. Its seats count those its types already hold; the "
        "size cannot be below them.\n\nErrors: 400 `invalid` (a type of another event); "
        "403; 404 `event_not_found`; 409 `quota_below_taken`, `event_cancelled`; 401.",
        parameters=[EVENT_ID],
        request=s.CampusSharedQuotaWriteSerializer,
        responses={201: s.CampusSharedQuotaSerializer},
    )
    def post(self, request, event_id):
        data = _validated(s.CampusSharedQuotaWriteSerializer, request.data)
        quota = type_services.quota_create(user=request.user, event_id=event_id, data=data)
        return Response(s.CampusSharedQuotaSerializer(quota).data, status=status.HTTP_201_CREATED)


class QuotaDetailView(CampusView):
    serializer_class = s.CampusSharedQuotaSerializer

    @extend_schema(
        extensions=error_codes(
            {
                404: [CampusError.QUOTA_NOT_FOUND],
                409: [
                    CampusError.EVENT_CANCELLED,
                    CampusError.QUOTA_BELOW_TAKEN,
                    CampusError.QUOTA_IN_USE,
                ],
            }
        ),
        tags=TAG_TYPES,
        summary="Change a shared quota",
        description="Managers and above. The size cannot go below the seats taken; the "
        "types cannot change once it holds seats.\n\nErrors: 400 `invalid`; 403; 404 "
        "`quota_not_found`; 409 `quota_below_taken`, `quota_in_use`, `event_cancelled`; 401.",
        parameters=[QUOTA_ID],
        request=s.CampusSharedQuotaUpdateSerializer,
        responses={200: s.CampusSharedQuotaSerializer},
    )
    def patch(self, request, quota_id):
        data = _validated(s.CampusSharedQuotaUpdateSerializer, request.data)
        quota = type_services.quota_update(user=request.user, quota_id=quota_id, data=data)
        return Response(s.CampusSharedQuotaSerializer(quota).data)

    @extend_schema(
        extensions=error_codes(
            {404: [CampusError.QUOTA_NOT_FOUND], 409: [CampusError.QUOTA_IN_USE]}
        ),
        tags=TAG_TYPES,
        summary="Remove a shared quota",
        description="Managers and above; only a quota that holds no seat.\n\nErrors: 403; "
        "404 `quota_not_found`; 409 `quota_in_use`; 401.",
        parameters=[QUOTA_ID],
        request=None,
        responses={204: None},
    )
    def delete(self, request, quota_id):
        type_services.quota_delete(user=request.user, quota_id=quota_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Orders -----------------------------------------------------------------------------------


def _order_data(order_id, user) -> dict:
    return s.CampusOrderSerializer(selectors.order_for_buyer(user=user, order_id=order_id)).data


class OrderListView(CampusView):
    serializer_class = s.CampusOrderSerializer

    def get_throttles(self):
        # The order budget (``campus_orders``) counts orders made, not reads.
        self.throttle_scope = "campus_orders" if self.request.method == "POST" else None
        return super().get_throttles()

    @extend_schema(
        tags=TAG_ORDERS,
        summary="My orders",
        description="The caller's orders, newest first; filter by `event` and `status`.\n\n"
        "Errors: 400 `invalid`; 401.",
        parameters=[s.CampusOrderListQuerySerializer],
        responses={200: s.CampusOrderSerializer(many=True)},
    )
    def get(self, request):
        query = validated_query(s.CampusOrderListQuerySerializer, request).validated_data
        orders = selectors.orders_of_buyer(
            user=request.user, event_id=query.get("event"), status=query.get("status")
        )
        return self.paginated(orders, s.CampusOrderSerializer)

    @extend_schema(
        extensions=error_codes(
            {
                400: [CampusError.TOO_MANY_TICKETS],
                403: [CampusError.VERIFIED_STUDENT_REQUIRED],
                404: [CampusError.EVENT_NOT_FOUND, CampusError.TICKET_TYPE_NOT_FOUND],
                409: [
                    CampusError.SOLD_OUT,
                    CampusError.SALES_CLOSED,
                    CampusError.EVENT_CANCELLED,
                    CampusError.EVENT_NOT_PUBLISHED,
                    CampusError.EVENT_STARTED,
                ],
            }
        ),
        tags=TAG_ORDERS,
        summary="Order tickets (a cart held 10 minutes)",
        description="A signed-in user who may see the event orders seats of its ticket "
        "types (each type once, at most its `max_per_order` and 10 in all). The seats are "
        "held at once and priced now (tiers). A free order (total 0) is paid at once: "
        "status `paid`, its tickets issued. Otherwise the order is `pending` until "
        "`hold_expires_at`: pay it with `POST /api/v1/payments/` (`target_type` "
        "`campus.order`, `target_id` the order's id, a `provider`, coupon `coupon_codes`); "
        "unpaid, it expires and its seats go back.\n\n"
        "Errors: 400 `invalid`, `too_many_tickets`; 403 `verified_student_required` "
        "(student verification is not available yet); 404 `event_not_found`, "
        "`ticket_type_not_found`; 409 `sold_out`, `sales_closed`, `event_cancelled`, "
        "`event_not_published`, `event_started`; 401; 429 `throttled`.",
        request=s.CampusOrderCreateSerializer,
        responses={201: s.CampusOrderSerializer},
    )
    def post(self, request):
        data = _validated(s.CampusOrderCreateSerializer, request.data)
        order = order_services.order_create(
            buyer=request.user, event_id=data["event"], lines=data["lines"]
        )
        return Response(_order_data(order.pk, request.user), status=status.HTTP_201_CREATED)


class OrderDetailView(CampusView):
    serializer_class = s.CampusOrderSerializer

    @extend_schema(
        extensions=error_codes({404: [CampusError.ORDER_NOT_FOUND]}),
        tags=TAG_ORDERS,
        summary="One of my orders",
        description="Its buyer only.\n\nErrors: 404 `order_not_found`; 401.",
        parameters=[ORDER_ID],
        responses={200: s.CampusOrderSerializer},
    )
    def get(self, request, order_id):
        return Response(_order_data(order_id, request.user))


class OrderCancelView(CampusView):
    serializer_class = s.CampusOrderSerializer

    @extend_schema(
        extensions=error_codes(
            {404: [CampusError.ORDER_NOT_FOUND], 409: [CampusError.NOT_AWAITING_PAYMENT]}
        ),
        tags=TAG_ORDERS,
        summary="Give up a pending order",
        description="Its buyer, while it awaits payment: cancelled, its seats go back. A "
        "payment that still succeeds afterwards is refunded automatically.\n\nErrors: 404 "
        "`order_not_found`; 409 `not_awaiting_payment`; 401.",
        parameters=[ORDER_ID],
        request=None,
        responses={200: s.CampusOrderSerializer},
    )
    def post(self, request, order_id):
        order = order_services.order_cancel(user=request.user, order_id=order_id)
        return Response(_order_data(order.pk, request.user))


class EventOrderListView(CampusView):
    serializer_class = s.CampusOrderSerializer

    @extend_schema(
        extensions=error_codes({404: EVENT_404}),
        tags=TAG_ORDERS,
        summary="The orders of an event (staff)",
        description="Agents and above of the organiser (and staff), newest first; filter by "
        "`status`.\n\nErrors: 400 `invalid`; 403; 404 `event_not_found`; 401.",
        parameters=[EVENT_ID, s.CampusEventOrderListQuerySerializer],
        responses={200: s.CampusOrderSerializer(many=True)},
    )
    def get(self, request, event_id):
        query = validated_query(s.CampusEventOrderListQuerySerializer, request).validated_data
        orders = selectors.orders_of_event(
            user=request.user, event_id=event_id, status=query.get("status")
        )
        return self.paginated(orders, s.CampusOrderSerializer)


# --- Tickets ----------------------------------------------------------------------------------


class TicketListView(CampusView):
    serializer_class = s.CampusTicketSerializer

    @extend_schema(
        tags=TAG_TICKETS,
        summary="My tickets",
        description="The tickets the caller holds, newest first; filter by `event` and "
        "`status`.\n\nErrors: 400 `invalid`; 401.",
        parameters=[s.CampusTicketListQuerySerializer],
        responses={200: s.CampusTicketSerializer(many=True)},
    )
    def get(self, request):
        query = validated_query(s.CampusTicketListQuerySerializer, request).validated_data
        tickets = selectors.tickets_of_holder(
            user=request.user, event_id=query.get("event"), status=query.get("status")
        )
        return self.paginated(tickets, s.CampusTicketSerializer)


class TicketDetailView(CampusView):
    serializer_class = s.CampusTicketSerializer

    @extend_schema(
        extensions=error_codes({404: [CampusError.TICKET_NOT_FOUND]}),
        tags=TAG_TICKETS,
        summary="One of my tickets",
        description="Its holder only.\n\nErrors: 404 `ticket_not_found`; 401.",
        parameters=[TICKET_ID],
        responses={200: s.CampusTicketSerializer},
    )
    def get(self, request, ticket_id):
        ticket = selectors.ticket_for_holder(user=request.user, ticket_id=ticket_id)
        return Response(s.CampusTicketSerializer(ticket).data)


class _FileView(CampusView):
    def perform_content_negotiation(self, request, force=False):
        # Errors are JSON; the file is a plain HTTP response.
        return JSONRenderer(), JSONRenderer.media_type

    def file(self, content, content_type: str, filename: str = "") -> HttpResponse:
        response = HttpResponse(content, content_type=content_type)
        if filename:
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _file_schema(media_type: str, description: str, summary: str):
    return extend_schema(
        extensions=error_codes({404: [CampusError.TICKET_NOT_FOUND]}),
        tags=TAG_TICKETS,
        summary=summary,
        description=f"{description} Its holder only.\n\nErrors: 404 `ticket_not_found`; 401.",
        parameters=[TICKET_ID],
        responses={(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=summary)},
    )


class TicketQrPngView(_FileView):
    @_file_schema("image/png", "The QR code of `TERANGA-CAMPUS:<code>`.", "QR code (PNG)")
    def get(self, request, ticket_id):
        ticket = selectors.ticket_for_holder(user=request.user, ticket_id=ticket_id)
        return self.file(documents.ticket_qr_png(ticket), "image/png")


class TicketQrSvgView(_FileView):
    @_file_schema("image/svg+xml", "The QR code of `TERANGA-CAMPUS:<code>`.", "QR code (SVG)")
    def get(self, request, ticket_id):
        ticket = selectors.ticket_for_holder(user=request.user, ticket_id=ticket_id)
        return self.file(documents.ticket_qr_svg(ticket), "image/svg+xml")


class TicketPdfView(_FileView):
    @_file_schema("application/pdf", "The ticket as a PDF, with its QR code.", "Ticket (PDF)")
    def get(self, request, ticket_id):
        ticket = selectors.ticket_for_holder(user=request.user, ticket_id=ticket_id)
        return self.file(
            documents.ticket_pdf(ticket), "application/pdf", f"ticket-{ticket.code[:8]}.pdf"
        )


class TicketTransferView(CampusView):
    serializer_class = s.CampusTicketSerializer

    @extend_schema(
        extensions=error_codes(
            {
                400: [CampusError.RECIPIENT_NOT_FOUND],
                404: [CampusError.TICKET_NOT_FOUND],
                409: [
                    CampusError.TRANSFERS_NOT_ALLOWED,
                    CampusError.TICKET_NOT_VALID,
                    CampusError.TICKET_CHECKED_IN,
                    CampusError.EVENT_STARTED,
                    CampusError.EVENT_CANCELLED,
                ],
            }
        ),
        tags=TAG_TICKETS,
        summary="Transfer my ticket to another user",
        description="The holder hands a valid ticket to another registered user (by the "
        "email of their account), before the event starts, when the organiser allows "
        "transfers. The ticket gets a new code (the old QR code no longer admits anyone); "
        "the new holder is told. The answer is the ticket as it is now (no longer mine: "
        "its new code is the new holder's).\n\nErrors: 400 `invalid`, "
        "`recipient_not_found`; 404 `ticket_not_found`; 409 `transfers_not_allowed`, "
        "`ticket_not_valid`, `ticket_checked_in`, `event_started`, `event_cancelled`; 401.",
        parameters=[TICKET_ID],
        request=s.CampusTicketTransferSerializer,
        responses={200: s.CampusTicketTransferResultSerializer},
    )
    def post(self, request, ticket_id):
        data = _validated(s.CampusTicketTransferSerializer, request.data)
        ticket = ticket_services.ticket_transfer(
            user=request.user, ticket_id=ticket_id, email=data["email"]
        )
        return Response(s.CampusTicketTransferResultSerializer(ticket).data)


# --- Cancelling an event ----------------------------------------------------------------------


class EventCancelView(CampusView):
    serializer_class = s.CampusEventCancelResultSerializer

    @extend_schema(
        extensions=error_codes({404: EVENT_404, 409: [CampusError.EVENT_STARTED]}),
        tags=TAG_ORDERS,
        summary="Cancel an event: refund every ticket",
        description="Managers and above of the organiser. The event is cancelled; every "
        "paid order is refunded through the payments module (its tickets `refunded`; a "
        "free one `cancelled`), every pending order cancelled, and each holder told (with "
        "`reason`). Idempotent: calling again settles anything left and opens no second "
        "refund (the counts say what this call did).\n\nErrors: 400 `invalid`; 403; 404 "
        "`event_not_found`; 409 `event_started` (a finished event); 401.",
        parameters=[EVENT_ID],
        request=s.CampusEventCancelSerializer,
        responses={200: s.CampusEventCancelResultSerializer},
    )
    def post(self, request, event_id):
        data = _validated(s.CampusEventCancelSerializer, request.data)
        outcome = cancelling.event_cancel(
            user=request.user, event_id=event_id, reason=data["reason"]
        )
        return Response(s.CampusEventCancelResultSerializer(outcome).data)
