"""Serializers of counter actions and of the counter state they answer with. Input
serializers refuse unknown fields (400); output serializers only read."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.serializers import Serializer

from ..selectors.payloads import counter_state_payload, ticket_payload
from .ticket_serializers import NamedRefSerializer, QueueRefSerializer, TicketSerializer

# --- Input ---------------------------------------------------------------------------------


class EmptySerializer(Serializer):
    """No body (an empty JSON object is fine; any field is refused)."""


class FinishSerializer(Serializer):
    note = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="Agent note."
    )


class TransferSerializer(Serializer):
    queue = serializers.UUIDField(help_text="Another active queue of the counter's branch.")
    keep_arrival = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Keep the original arrival time in the new queue (default: the target "
        "queue's setting).",
    )
    ticket = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A waiting ticket of the branch to transfer; default: the ticket in hand.",
    )


class UnparkSerializer(Serializer):
    ticket = serializers.UUIDField(help_text="A ticket this counter parked.")


# --- Output --------------------------------------------------------------------------------


class QueueWaitingSerializer(serializers.Serializer):
    queue = QueueRefSerializer(read_only=True)
    waiting = serializers.IntegerField(read_only=True)


class CounterStateSerializer(serializers.Serializer):
    """The fields document the shape; the body is ``selectors.payloads`` (the counters'
    sockets send the same)."""

    counter = NamedRefSerializer(read_only=True)
    agent = serializers.UUIDField(
        source="agent_id", read_only=True, allow_null=True, help_text="The agent on duty."
    )
    current = TicketSerializer(read_only=True, allow_null=True, help_text="The ticket in hand.")
    parked = TicketSerializer(many=True, read_only=True)
    queues = QueueWaitingSerializer(many=True, read_only=True)

    def to_representation(self, state) -> dict:
        return counter_state_payload(state)


class CounterActionSerializer(CounterStateSerializer):
    """The counter state after the action, and the ticket acted on (for a transfer: the
    new ticket in the target queue)."""

    ticket = serializers.SerializerMethodField()

    @extend_schema_field(TicketSerializer(allow_null=True))
    def get_ticket(self, state) -> dict | None:
        ticket = self.context.get("ticket")
        return ticket_payload(ticket) if ticket is not None else None

    def to_representation(self, state) -> dict:
        return {**super().to_representation(state), "ticket": self.get_ticket(state)}


class CallNextSerializer(CounterStateSerializer):
    """The counter state after calling; ``called`` is the called ticket, or null when
    nobody was waiting."""

    called = serializers.SerializerMethodField()

    @extend_schema_field(TicketSerializer(allow_null=True))
    def get_called(self, state) -> dict | None:
        ticket = self.context.get("ticket")
        return ticket_payload(ticket) if ticket is not None else None

    def to_representation(self, state) -> dict:
        return {**super().to_representation(state), "called": self.get_called(state)}
