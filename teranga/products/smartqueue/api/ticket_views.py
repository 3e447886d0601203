"""Ticket endpoints: take a ticket, read it (live position and wait), cancel, rate, list
mine or an organisation's, and find one by its QR code.

Who may do what (``organizations.access``, actions in ``..access``):

* any signed-in client takes a ticket in an active queue of a verified organisation,
  and reads, cancels and rates their own tickets;
* the organisation's agents and above (and staff) read and list its tickets and look
  them up by code (``TICKETS_VIEW``);
* anyone else gets 404 for a ticket, a queue or an organisation; a member below agent
  gets 403 for the organisation's list and the lookup.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query
from teranga.core.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle
from teranga.products.smartqueue.errors import SmartQueueError

from ..selectors import tickets as selectors
from ..services import orders
from ..services import tickets as services
from . import examples
from . import ticket_serializers as s

TAG = ["smartqueue: tickets"]
TICKET_ID = OpenApiParameter(
    "ticket_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Ticket id"
)
QUEUE_ID = OpenApiParameter("queue_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class SmartQueueThrottle(ScopedRateThrottle):
    """The view's ``throttle_scope``, with a safe default rate when the settings do not
    name the scope (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` overrides it)."""

    DEFAULT_RATES = {
        "smartqueue_tickets": "30/min",
        "smartqueue_ticket_lookup": "120/min",
    }

    def get_rate(self):
        return self.THROTTLE_RATES.get(self.scope) or self.DEFAULT_RATES.get(self.scope)


class TicketView(GenericAPIView):
    filter_backends: list = []
    serializer_class = s.TicketDetailSerializer

    def detail(self, ticket, estimate, status_code=status.HTTP_200_OK) -> Response:
        data = s.TicketDetailSerializer(ticket, context={"estimate": estimate}).data
        return Response(data, status=status_code)


class TicketTakeView(TicketView):
    throttle_scope = "smartqueue_tickets"

    throttle_classes = [AnonRateThrottle, UserRateThrottle, SmartQueueThrottle]

    @extend_schema(
        extensions=error_codes(
            {
                404: [SmartQueueError.QUEUE_NOT_FOUND],
                409: [
                    SmartQueueError.QUEUE_CLOSED,
                    SmartQueueError.QUEUE_FULL,
                    SmartQueueError.ALREADY_IN_QUEUE,
                ],
            }
        ),
        tags=TAG,
        summary="Take a ticket in a queue",
        description="The signed-in caller takes the next ticket of the queue today: its "
        "number (`A001`, per queue and local day, gapless), position (1 = next), "
        "estimated wait and call time (see the estimate method in the docs), code and QR "
        "code. Show the QR at the counter; follow the position on "
        "`/ws/smartqueue/queues/{id}/` or by `GET /tickets/{id}/`.\n\n"
        "A paid service answers **202** with an order to pay instead (`payable_type` "
        "`smartqueue.ticket_order`, `target_id`): the ticket is issued when the payment "
        "succeeds.\n\n"
        "Errors: 404 `queue_not_found` (unknown, inactive, or of an unverified "
        "organisation); 409 `queue_closed`, `queue_full`, `already_in_queue` (one live "
        "ticket per client and queue); 400 `invalid` (unknown field, bad channel or "
        "travel mode); 401; 429 `throttled`.",
        parameters=[QUEUE_ID],
        request=s.TicketTakeSerializer,
        responses={201: s.TicketDetailSerializer, 202: s.TicketOrderSerializer},
        examples=examples.TICKET_TAKE,
    )
    def post(self, request, queue_id):
        serializer = s.TicketTakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        queue = selectors.queue_for_ticket_taking(queue_id=queue_id)
        if queue.service.is_paid:
            order = orders.ticket_order_create(
                queue=queue,
                user=request.user,
                channel=data["channel"],
                travel_mode=data["travel_mode"],
            )
            return Response(s.TicketOrderSerializer(order).data, status=status.HTTP_202_ACCEPTED)
        ticket = services.ticket_issue(
            queue=queue,
            channel=data["channel"],
            user=request.user,
            travel_mode=data["travel_mode"],
            actor=request.user,
        )
        return self.detail(ticket, selectors.issued_estimate(ticket), status.HTTP_201_CREATED)


class TicketListView(TicketView):
    serializer_class = s.TicketSerializer

    @extend_schema(
        tags=TAG,
        summary="My tickets, or an organisation's",
        description="Without `organization`: the caller's own tickets, newest first. With "
        "`organization`: that organisation's tickets (agents and above, and staff; others "
        "404, a member below agent 403), filtered by `branch`, `queue`, `day` (local) and "
        "`status`. `active=true`: waiting, called or being served. Lists carry no live "
        "position; read one ticket for it.\n\n"
        "Errors: 400 `invalid` (unknown parameter, a branch/queue/day filter without "
        "`organization`); 404 `organization_not_found`; 403; 401.",
        parameters=[s.TicketListQuerySerializer],
        responses={200: s.TicketSerializer(many=True)},
    )
    def get(self, request):
        query = validated_query(s.TicketListQuerySerializer, request)
        organization_id = query.validated_data.get("organization")
        if organization_id is None:
            queryset = selectors.tickets_of_user(user=request.user, filters=query.filters())
        else:
            queryset = selectors.tickets_of_organization(
                user=request.user, organization_id=organization_id, filters=query.filters()
            )
        page = self.paginate_queryset(selectors.listed(queryset))
        return self.get_paginated_response(s.TicketSerializer(page, many=True).data)


class TicketDetailView(TicketView):
    @extend_schema(
        extensions=error_codes({404: [SmartQueueError.TICKET_NOT_FOUND]}),
        tags=TAG,
        summary="One ticket, with its live position and wait",
        description="For its client, or the organisation's agents and above (and staff). "
        "`position` and `estimated_wait_seconds` are computed now; `counter` names the "
        "desk once the ticket is called.\n\nErrors: 404 `ticket_not_found`; 401.",
        parameters=[TICKET_ID],
        responses={200: s.TicketDetailSerializer},
    )
    def get(self, request, ticket_id):
        ticket = selectors.ticket_for_viewer(user=request.user, ticket_id=ticket_id)
        return self.detail(ticket, selectors.ticket_live_estimate(ticket))


class TicketCancelView(TicketView):
    @extend_schema(
        extensions=error_codes(
            {404: [SmartQueueError.TICKET_NOT_FOUND], 409: [CoreError.ILLEGAL_TRANSITION]}
        ),
        tags=TAG,
        summary="Give up my ticket",
        description="The ticket's client cancels it while it is waiting or called.\n\n"
        "Errors: 404 `ticket_not_found` (not yours); 409 `illegal_transition` (already "
        "served, cancelled, …); 401.",
        parameters=[TICKET_ID],
        request=None,
        responses={200: s.TicketDetailSerializer},
    )
    def post(self, request, ticket_id):
        ticket = services.ticket_cancel(ticket_id=ticket_id, user=request.user)
        return self.detail(ticket, selectors.ticket_live_estimate(ticket))


class TicketRateView(TicketView):
    @extend_schema(
        extensions=error_codes(
            {
                400: [SmartQueueError.INVALID_RATING],
                404: [SmartQueueError.TICKET_NOT_FOUND],
                409: [SmartQueueError.NOT_SERVED, SmartQueueError.ALREADY_RATED],
            }
        ),
        tags=TAG,
        summary="Rate my visit (1–5, with a comment)",
        description="Once the ticket was served, once.\n\nErrors: 400 `invalid` (rating "
        "outside 1–5, unknown field); 404 `ticket_not_found`; 409 `not_served`, "
        "`already_rated`; 401.",
        parameters=[TICKET_ID],
        request=s.TicketRateSerializer,
        responses={200: s.TicketDetailSerializer},
    )
    def post(self, request, ticket_id):
        serializer = s.TicketRateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = services.ticket_rate(
            ticket_id=ticket_id, user=request.user, **serializer.validated_data
        )
        return self.detail(ticket, selectors.ticket_live_estimate(ticket))


class TicketLookupView(TicketView):
    throttle_scope = "smartqueue_ticket_lookup"

    throttle_classes = [AnonRateThrottle, UserRateThrottle, SmartQueueThrottle]

    @extend_schema(
        extensions=error_codes({404: [SmartQueueError.TICKET_NOT_FOUND]}),
        tags=TAG,
        summary="Find a ticket by its code (QR scan)",
        description="For the organisation's agents and above (and staff): the ticket whose "
        "code was scanned (`TERANGA-SQ:ABCD2345`) or typed (`ABCD2345`, any case).\n\n"
        "Errors: 400 `invalid`; 404 `ticket_not_found` (no such code, or another "
        "organisation's ticket); 403 (a member below agent); 401; 429 `throttled`.",
        parameters=[s.TicketLookupQuerySerializer],
        responses={200: s.TicketDetailSerializer},
    )
    def get(self, request):
        query = validated_query(s.TicketLookupQuerySerializer, request)
        ticket = selectors.ticket_by_code(
            user=request.user,
            code=query.validated_data["code"],
            organization_id=query.validated_data.get("organization"),
        )
        return self.detail(ticket, selectors.ticket_live_estimate(ticket))
