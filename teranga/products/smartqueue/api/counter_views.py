"""Counter endpoints: the agents' actions at a desk and the counter's state.

``POST /api/v1/smartqueue/counters/{id}/<action>/`` with ``call-next``, ``recall``,
``start``, ``finish``, ``no-show``, ``transfer``, ``park`` and ``unpark``; ``GET
…/state/``. For the agents and above of the counter's organisation
(``COUNTER_OPERATE``): another organisation's counter is 404, a member below agent 403.
An action needs the caller's open session on the counter (409 ``no_session``). Every
action answers with the counter state: the ticket in hand, the parked tickets and the
waiting count of each of the counter's queues.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.schema import error_codes
from teranga.products.smartqueue.errors import SmartQueueError as E

from ..selectors import tickets as selectors
from ..services import counters as services
from . import counter_serializers as s

TAG = ["smartqueue: counters"]
COUNTER_ID = OpenApiParameter(
    "counter_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Counter id"
)
COMMON_ERRORS = (
    "404 `counter_not_found` (unknown, inactive or another organisation's); 403 (a member "
    "below agent); 409 `no_session` (open a session on the counter first); 401."
)


class CounterView(GenericAPIView):
    filter_backends: list = []
    pagination_class = None
    serializer_class = s.CounterStateSerializer
    request_serializer = s.EmptySerializer
    response_serializer = s.CounterActionSerializer

    def act(self, *, counter_id, agent, data: dict):
        """Run the action's service; returns the ticket acted on (or None)."""
        raise NotImplementedError

    def post(self, request, counter_id):
        counter = selectors.counter_for_agent(user=request.user, counter_id=counter_id)
        serializer = self.request_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = self.act(counter_id=counter.pk, agent=request.user, data=serializer.validated_data)
        state = selectors.counter_state(counter=counter)
        return Response(self.response_serializer(state, context={"ticket": ticket}).data)


def action_schema(
    summary: str, description: str, request=s.EmptySerializer, response=None, codes=None
):
    """``codes``: the action's own error codes by status, besides the common ones."""
    declared: dict[int, list] = {404: [E.COUNTER_NOT_FOUND], 409: [E.NO_SESSION]}
    for status, values in (codes or {}).items():
        declared[status] = [*declared.get(status, []), *values]
    return extend_schema(
        extensions=error_codes(declared),
        tags=TAG,
        summary=summary,
        description=f"{description}\n\nErrors: {COMMON_ERRORS}",
        parameters=[COUNTER_ID],
        request=request,
        responses={200: response or s.CounterActionSerializer},
    )


class CounterStateView(CounterView):
    http_method_names = ["get", "head", "options"]  # no action: CounterView's post is not one

    @extend_schema(
        tags=TAG,
        summary="A counter's state",
        description="The ticket in hand, the parked tickets, the agent on duty and the "
        "waiting count of each of the counter's queues.\n\nErrors: 404 "
        "`counter_not_found`; 403; 401.",
        parameters=[COUNTER_ID],
        responses={200: s.CounterStateSerializer},
        extensions=error_codes({404: [E.COUNTER_NOT_FOUND]}),
    )
    def get(self, request, counter_id):
        counter = selectors.counter_for_agent(user=request.user, counter_id=counter_id)
        return Response(s.CounterStateSerializer(selectors.counter_state(counter=counter)).data)


class CallNextView(CounterView):
    response_serializer = s.CallNextSerializer

    def act(self, *, counter_id, agent, data):
        return services.counter_call_next(counter_id=counter_id, agent=agent)

    @action_schema(
        "Call the next ticket",
        "Chooses the next waiting ticket across the counter's queues by the counter's "
        "strategy (FIFO, strict priority, or weighted). Two counters never call the same "
        "ticket. With nobody waiting: 200 with `called: null` and `current: null`. "
        "409 `counter_busy` while a ticket is in hand.",
        response=s.CallNextSerializer,
        codes={409: [E.COUNTER_BUSY]},
    )
    def post(self, request, counter_id):
        return super().post(request, counter_id)


class RecallView(CounterView):
    def act(self, *, counter_id, agent, data):
        return services.counter_recall(counter_id=counter_id, agent=agent)

    @action_schema(
        "Call the ticket in hand again",
        "The board and the client are told again. 409 `no_current_ticket`, "
        "`illegal_transition` (already being served).",
        codes={409: [E.NO_CURRENT_TICKET, CoreError.ILLEGAL_TRANSITION]},
    )
    def post(self, request, counter_id):
        return super().post(request, counter_id)


class StartView(CounterView):
    def act(self, *, counter_id, agent, data):
        return services.counter_start(counter_id=counter_id, agent=agent)

    @action_schema(
        "Start serving the ticket in hand",
        "409 `no_current_ticket`, `illegal_transition` (already being served).",
        codes={409: [E.NO_CURRENT_TICKET, CoreError.ILLEGAL_TRANSITION]},
    )
    def post(self, request, counter_id):
        return super().post(request, counter_id)


class FinishView(CounterView):
    request_serializer = s.FinishSerializer

    def act(self, *, counter_id, agent, data):
        return services.counter_finish(counter_id=counter_id, agent=agent, note=data["note"])

    @action_schema(
        "Finish serving the ticket in hand",
        "The ticket is served; an optional `note` stays with it. 409 `no_current_ticket`, "
        "`illegal_transition` (called but not started). 400 `invalid`.",
        request=s.FinishSerializer,
        codes={409: [E.NO_CURRENT_TICKET, CoreError.ILLEGAL_TRANSITION]},
    )
    def post(self, request, counter_id):
        return super().post(request, counter_id)


class NoShowView(CounterView):
    def act(self, *, counter_id, agent, data):
        return services.counter_no_show(counter_id=counter_id, agent=agent)

    @action_schema(
        "Mark the called ticket a no-show",
        "Also automatic after the queue's `no_show_timeout_seconds`. 409 "
        "`no_current_ticket`, `illegal_transition` (already being served).",
        codes={409: [E.NO_CURRENT_TICKET, CoreError.ILLEGAL_TRANSITION]},
    )
    def post(self, request, counter_id):
        return super().post(request, counter_id)


class TransferView(CounterView):
    request_serializer = s.TransferSerializer

    def act(self, *, counter_id, agent, data):
        return services.counter_transfer(
            counter_id=counter_id,
            agent=agent,
            queue_id=data["queue"],
            keep_arrival=data["keep_arrival"],
            ticket_id=data["ticket"],
        )

    @action_schema(
        "Transfer a ticket to another queue",
        "The ticket in hand (or the waiting `ticket`) is closed as transferred and a new "
        "ticket is issued in `queue` (another active queue of the branch), keeping the "
        "original arrival time when `keep_arrival` (default: the target queue's setting). "
        "`ticket` in the answer is the new ticket. 400 `invalid_queue`, `same_queue`, "
        "`invalid`; 404 `ticket_not_found`; 409 `no_current_ticket`.",
        request=s.TransferSerializer,
        codes={
            400: [E.INVALID_QUEUE, E.SAME_QUEUE],
            404: [E.TICKET_NOT_FOUND],
            409: [E.NO_CURRENT_TICKET],
        },
    )
    def post(self, request, counter_id):
        return super().post(request, counter_id)


class ParkView(CounterView):
    def act(self, *, counter_id, agent, data):
        return services.counter_park(counter_id=counter_id, agent=agent)

    @action_schema(
        "Set the ticket in hand aside",
        "Missing paperwork …: the ticket leaves the counter, is listed in `parked`, and "
        "comes back with `unpark`. 409 `no_current_ticket`.",
        codes={409: [E.NO_CURRENT_TICKET]},
    )
    def post(self, request, counter_id):
        return super().post(request, counter_id)


class UnparkView(CounterView):
    request_serializer = s.UnparkSerializer

    def act(self, *, counter_id, agent, data):
        return services.counter_unpark(counter_id=counter_id, agent=agent, ticket_id=data["ticket"])

    @action_schema(
        "Bring a parked ticket back",
        "The parked ticket is called to the counter again. 404 `ticket_not_found` (not "
        "parked at this counter); 409 `counter_busy` while a ticket is in hand; 400 "
        "`invalid`.",
        request=s.UnparkSerializer,
        codes={404: [E.TICKET_NOT_FOUND], 409: [E.COUNTER_BUSY]},
    )
    def post(self, request, counter_id):
        return super().post(request, counter_id)
