"""Kiosk endpoints: what a ticket kiosk of a branch does with its API key
(``Authorization: Api-Key <key>``; no user token). Each kiosk has its own throttle
budget (scope ``smartqueue_kiosk``). Everything is limited to the kiosk's branch."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.shortcuts import render
from django.utils import translation
from django.utils.timezone import localtime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from teranga.core.qr import qr_svg
from teranga.core.schema import error_codes
from teranga.core.serializers import ErrorSerializer
from teranga.platform.payments.errors import PaymentError
from teranga.products.smartqueue.errors import SmartQueueError

from ..kiosk_auth import IsKiosk, KioskKeyAuthentication, KioskRateThrottle
from ..qr import ticket_qr_content
from ..selectors import catalog as selectors
from ..selectors.positions import ticket_position
from ..services import kiosks as services
from . import kiosk_serializers as s
from .catalog_serializers import SqPublicQueueSerializer

TAG = ["smartqueue: kiosk"]
AUTH = [{"kioskApiKey": []}]


class KioskView(APIView):
    authentication_classes = [KioskKeyAuthentication]
    permission_classes = [IsKiosk]
    throttle_classes = [KioskRateThrottle]

    @property
    def kiosk(self):
        return self.request.auth


class KioskQueueListView(KioskView):
    @extend_schema(
        tags=TAG,
        summary="The kiosk branch's queues",
        description="Active queues of active services at the kiosk's branch, open or "
        "not, with the number waiting and the estimated wait of a ticket taken now. Not "
        "paginated. 401 `authentication_failed` for a missing, unknown or revoked key.",
        responses={200: SqPublicQueueSerializer(many=True), 401: ErrorSerializer},
    )
    def get(self, request):
        queues = list(selectors.kiosk_queues(kiosk=self.kiosk))
        context = {"waits": selectors.queue_waits(queues)}
        return Response(SqPublicQueueSerializer(queues, many=True, context=context).data)


class KioskTicketCreateView(KioskView):
    @extend_schema(
        tags=TAG,
        summary="Print a ticket: take one at the kiosk",
        description="A ticket of `queue` (a queue of the kiosk's branch: 400 "
        "`invalid_queue`), channel `kiosk`, with its number, position, estimated wait, "
        "code, QR code and `print_url`. `ticket_class`: `priority` for elderly, pregnant "
        "or disabled clients. `phone` (optional) gets SMS notices (400 `invalid_phone`). "
        "409: `queue_closed`, `queue_full`, `already_in_queue` (that phone), "
        "`payment_at_counter` (a paid service is paid at the reception), "
        "`plan_limit_reached` (the organisation's plan does not include the `kiosk` "
        "feature).",
        request=s.SqKioskTicketCreateSerializer,
        responses={
            201: s.SqKioskTicketSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            409: ErrorSerializer,
        },
        extensions=error_codes(
            {
                400: [
                    SmartQueueError.INVALID_QUEUE,
                    SmartQueueError.INVALID_CLASS,
                    SmartQueueError.INVALID_PHONE,
                ],
                409: [
                    SmartQueueError.QUEUE_CLOSED,
                    SmartQueueError.QUEUE_FULL,
                    SmartQueueError.ALREADY_IN_QUEUE,
                    SmartQueueError.PAYMENT_AT_COUNTER,
                    PaymentError.PLAN_LIMIT_REACHED,
                ],
            }
        ),
    )
    def post(self, request):
        serializer = s.SqKioskTicketCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ticket = services.kiosk_ticket_issue(
            kiosk=self.kiosk,
            queue_id=data["queue"],
            ticket_class=data.get("ticket_class"),
            phone=data.get("phone", ""),
        )
        return Response(
            s.SqKioskTicketSerializer(ticket, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class KioskTicketPrintView(KioskView):
    @extend_schema(
        tags=TAG,
        summary="The printable ticket (HTML, 80 mm)",
        description="An HTML page for an 80 mm thermal printer, in French: organisation, "
        "branch, service, the big ticket number, date and time, position and estimated "
        "wait (unknown while no counter is open on the queue), the QR code (inline "
        "SVG); it prints itself when opened. Only tickets of the kiosk's branch (404 "
        "`ticket_not_found`).",
        parameters=[OpenApiParameter("ticket_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="The page."),
            401: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request, ticket_id):
        ticket = selectors.kiosk_ticket(kiosk=self.kiosk, ticket_id=ticket_id)
        position = ticket_position(ticket) or ticket.position_at_issue
        with translation.override(ticket.language or "fr"):
            return render(
                request._request,
                "smartqueue/ticket_print.html",
                {
                    "ticket": ticket,
                    "issued_at": localtime(
                        ticket.created_at, ZoneInfo(ticket.organization.time_zone)
                    ),
                    "position": position,
                    # None: unknown (no counter was open on the queue).
                    "wait_minutes": None
                    if ticket.estimated_wait_at_issue is None
                    else max(round(ticket.estimated_wait_at_issue / 60), 0),
                    "qr_svg": qr_svg(ticket_qr_content(ticket), scale=5),
                },
                content_type="text/html; charset=utf-8",
            )
