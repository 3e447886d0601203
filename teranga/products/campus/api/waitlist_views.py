"""Waiting-list endpoints.

* ``POST events/{event_id}/waiting-list/`` — a signed-in user who may see the event joins
  the list of one of its ticket types, only when that type is sold out;
* ``GET me/waiting-list/`` — my entries with my place in the queue;
* ``DELETE waiting-list/{id}/`` — leave (an offered seat goes to the next one);
* ``POST waiting-list/{id}/accept/`` — take the offered seat: an order, paid like any;
* ``GET events/{event_id}/waiting-list/`` — the event's list, for the organiser's staff
  (``campus.orders.view``: agents and above, and platform staff).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.pagination import PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query

from ..errors import CampusError
from ..selectors import waitlist as selectors
from ..selectors.access import event_for_staff
from ..selectors.tickets import order_for_buyer
from ..services import offers
from ..services import waitlist as services
from . import waitlist_serializers as s
from .ticket_serializers import CampusOrderSerializer

TAG = ["campus: waiting list"]
ORDERS_VIEW = "campus.orders.view"
EVENT_ID = OpenApiParameter(
    "event_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Event id"
)
ENTRY_ID = OpenApiParameter(
    "entry_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Waiting-list entry id"
)


class WaitlistView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []
    serializer_class = s.WaitlistEntrySerializer


class EventWaitlistView(WaitlistView):
    @extend_schema(
        tags=TAG,
        summary="Join the waiting list of a sold-out ticket type",
        description="A signed-in user who may see the event joins the list of one of its "
        "ticket types, only when that type is sold out (its quota, the event's capacity "
        "or one of its shared quotas is full; seats held by carts and offers count): 409 "
        "`not_sold_out` otherwise. One open (waiting or offered) entry per user and type: "
        "409 `already_waiting`. When a seat frees up, the first one waiting is offered it "
        "for 60 minutes (a `campus.waitlist_offer` notification) and accepts it with "
        "`POST /waiting-list/{id}/accept/`.",
        parameters=[EVENT_ID],
        request=s.WaitlistJoinSerializer,
        responses={201: s.WaitlistEntrySerializer},
        extensions=error_codes(
            {
                404: [CampusError.EVENT_NOT_FOUND, CampusError.TICKET_TYPE_NOT_FOUND],
                409: [
                    CampusError.NOT_SOLD_OUT,
                    CampusError.ALREADY_WAITING,
                    CampusError.EVENT_CANCELLED,
                    CampusError.EVENT_NOT_PUBLISHED,
                    CampusError.EVENT_STARTED,
                ],
            }
        ),
    )
    def post(self, request, event_id):
        serializer = s.WaitlistJoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.waitlist_join(
            user=request.user,
            event_id=event_id,
            ticket_type_id=serializer.validated_data["ticket_type"],
        )
        entry = selectors.waitlist_of_user(user=request.user).get(pk=entry.pk)
        return Response(s.WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAG,
        summary="An event's waiting list (organiser's staff)",
        description="Agents and above of the organiser, and platform staff; in list order "
        "(oldest first), each entry with its user and, while waiting, its position. "
        "Another organisation's event is 404.",
        parameters=[EVENT_ID, s.WaitlistQuerySerializer],
        responses={200: s.WaitlistStaffEntrySerializer(many=True)},
        extensions=error_codes({404: [CampusError.EVENT_NOT_FOUND]}),
    )
    def get(self, request, event_id):
        query = validated_query(s.WaitlistQuerySerializer, request)
        event = event_for_staff(user=request.user, event_id=event_id, action=ORDERS_VIEW)
        queryset = selectors.waitlist_of_event(
            event=event, status=sorted(query.validated_data.get("status") or [])
        )
        return self.paginated(queryset, s.WaitlistStaffEntrySerializer)


class MyWaitlistView(WaitlistView):
    @extend_schema(
        tags=TAG,
        summary="My waiting-list entries",
        description="Newest first, with my place in the queue of each ticket type while "
        "waiting; by default only the entries still on the list (waiting or offered).",
        parameters=[s.WaitlistQuerySerializer],
        responses={200: s.WaitlistEntrySerializer(many=True)},
    )
    def get(self, request):
        query = validated_query(s.WaitlistQuerySerializer, request)
        queryset = selectors.waitlist_of_user(
            user=request.user, status=sorted(query.validated_data.get("status") or [])
        )
        return self.paginated(queryset, s.WaitlistEntrySerializer)


class WaitlistEntryView(WaitlistView):
    @extend_schema(
        tags=TAG,
        summary="Leave the waiting list",
        description="The entry's user only (anyone else: 404). An entry holding an offer "
        "passes its seat to the next one waiting, or back on sale. 409 "
        "`waiting_entry_closed` when the entry is no longer on the list.",
        parameters=[ENTRY_ID],
        responses={204: None},
        extensions=error_codes(
            {
                404: [CampusError.WAITING_ENTRY_NOT_FOUND],
                409: [CampusError.WAITING_ENTRY_CLOSED],
            }
        ),
    )
    def delete(self, request, entry_id):
        services.waitlist_leave(user=request.user, entry_id=entry_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WaitlistAcceptView(WaitlistView):
    serializer_class = CampusOrderSerializer

    @extend_schema(
        tags=TAG,
        summary="Accept an offered seat",
        description="The entry's user, while its offer holds (`hold_expires_at`): an order "
        "of one ticket of the entry's type, with the seat the offer held (the entry becomes "
        "`accepted`). A free ticket is confirmed at once; otherwise pay the order like any "
        "other (`POST /api/v1/payments/`, `target_type` `campus.order`) before its own "
        "hold runs out. 409 `offer_not_open` when the entry holds no offer; 410 "
        "`offer_expired` when its hold ran out (the seat goes to the next one waiting).",
        parameters=[ENTRY_ID],
        request=None,
        responses={201: CampusOrderSerializer},
        extensions=error_codes(
            {
                403: [CampusError.VERIFIED_STUDENT_REQUIRED],
                404: [CampusError.WAITING_ENTRY_NOT_FOUND],
                409: [
                    CampusError.OFFER_NOT_OPEN,
                    CampusError.OFFER_NOT_VALID,
                    CampusError.EVENT_CANCELLED,
                    CampusError.EVENT_STARTED,
                    CampusError.SALES_CLOSED,
                ],
                410: [CampusError.OFFER_EXPIRED],
            }
        ),
    )
    def post(self, request, entry_id):
        order = offers.waitlist_offer_accept(user=request.user, entry_id=entry_id)
        order = order_for_buyer(user=request.user, order_id=order.pk)
        return Response(CampusOrderSerializer(order).data, status=status.HTTP_201_CREATED)
