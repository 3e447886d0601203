"""The plain-dict payloads (``selectors.payloads``) are what Django REST framework writes
for the same objects, byte for byte: the tickets of ``TicketSerializer`` and the
counter state of ``CounterStateSerializer``'s declared fields."""

from __future__ import annotations

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from rest_framework import serializers

from teranga.products.smartqueue.api.counter_serializers import CounterStateSerializer
from teranga.products.smartqueue.api.ticket_serializers import TicketSerializer
from teranga.products.smartqueue.models import Ticket
from teranga.products.smartqueue.selectors.payloads import counter_state_payload, ticket_payload
from teranga.products.smartqueue.selectors.tickets import counter_state
from teranga.products.smartqueue.services import counters, tickets
from teranga.products.smartqueue.tests.travel_world import build_world, make_client, take

pytestmark = pytest.mark.django_db


def as_json(data) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder)


@pytest.fixture
def world(db):
    world = build_world()
    agent, counter = world.agent, world.counter.pk
    served = take(world, make_client())
    counters.counter_call_next(counter_id=counter, agent=agent)
    counters.counter_start(counter_id=counter, agent=agent)
    counters.counter_finish(counter_id=counter, agent=agent)
    tickets.ticket_rate(ticket_id=served.pk, user=served.user, rating=4, comment="Bien")
    take(world, make_client())  # parked
    counters.counter_call_next(counter_id=counter, agent=agent)
    counters.counter_park(counter_id=counter, agent=agent)
    take(world, phone="+221770000009", channel="sms")  # in hand, recalled
    counters.counter_call_next(counter_id=counter, agent=agent)
    counters.counter_recall(counter_id=counter, agent=agent)
    take(world, make_client())  # waiting
    return world


@pytest.mark.parametrize("zone", ["Africa/Dakar", "Europe/Paris"])
def test_ticket_payload_is_the_ticket_serializer(world, zone):
    with timezone.override(zone):
        queryset = Ticket.objects.filter(queue=world.queue).order_by("number")
        assert queryset.count() == 4
        for ticket in queryset:
            assert as_json(ticket_payload(ticket)) == as_json(TicketSerializer(ticket).data)


@pytest.mark.parametrize("zone", ["Africa/Dakar", "Europe/Paris"])
def test_counter_state_payload_is_the_declared_fields(world, zone):
    state = counter_state(counter=world.counter)
    assert state.current is not None and len(state.parked) == 1
    with timezone.override(zone):
        declared = serializers.Serializer.to_representation(CounterStateSerializer(), state)
        assert as_json(counter_state_payload(state)) == as_json(declared)
        assert CounterStateSerializer(state).data == counter_state_payload(state)
