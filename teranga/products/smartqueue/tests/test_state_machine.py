"""The ticket state machine: every legal transition works and stamps its time, every
illegal one is refused with 409 ``illegal_transition`` and changes nothing; the
automatic no-show after the queue's timeout."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from teranga.core.errors import Conflict
from teranga.products.smartqueue.models import Ticket, TicketEvent, TicketStatus
from teranga.products.smartqueue.services import counters
from teranga.products.smartqueue.services.tickets import STAMPS, TRANSITIONS, transition
from teranga.products.smartqueue.tests.factories import QueueFactory

S = TicketStatus
pytestmark = pytest.mark.django_db
BASE = "/api/v1/smartqueue"

LEGAL = {
    (S.WAITING, S.CALLED),
    (S.WAITING, S.CANCELLED),
    (S.WAITING, S.EXPIRED),
    (S.WAITING, S.TRANSFERRED),
    (S.CALLED, S.CALLED),  # recall
    (S.CALLED, S.SERVING),
    (S.CALLED, S.NO_SHOW),
    (S.CALLED, S.WAITING),  # park / requeue
    (S.CALLED, S.CANCELLED),
    (S.CALLED, S.TRANSFERRED),
    (S.SERVING, S.SERVED),
    (S.SERVING, S.WAITING),  # park
    (S.SERVING, S.TRANSFERRED),
}
PAIRS = list(itertools.product(S.values, S.values))


def test_the_table_is_the_documented_one():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL


@pytest.fixture
def queue(db):
    return QueueFactory()


def ticket_in(queue, status: str, n: int = 1) -> Ticket:
    now = timezone.now()
    return Ticket.objects.create(
        organization=queue.organization,
        branch=queue.branch,
        queue=queue,
        service=queue.service,
        day=now.date(),
        number=n,
        display_number=f"{queue.prefix}{n:03d}",
        status=status,
        channel="kiosk",
        code=f"SM{n:06d}",
        sort_at=now,
    )


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_every_pair(queue, source, target):
    ticket = ticket_in(queue, source)
    before = Ticket.objects.filter(pk=ticket.pk).values().get()
    moment = timezone.now() + timedelta(seconds=5)
    if (source, target) in LEGAL:
        with transaction.atomic():
            transition(ticket, target, action="test", now=moment)
        ticket.refresh_from_db()
        assert ticket.status == target
        if target in STAMPS:
            assert getattr(ticket, STAMPS[target]) == moment
        event = TicketEvent.objects.get(ticket=ticket)
        assert (event.from_status, event.to_status, event.at) == (source, target, moment)
    else:
        with pytest.raises(Conflict) as refused, transaction.atomic():
            transition(ticket, target, action="test", now=moment)
        assert refused.value.code == "illegal_transition"
        assert refused.value.status_code == 409
        assert Ticket.objects.filter(pk=ticket.pk).values().get() == before
        assert not TicketEvent.objects.filter(ticket=ticket).exists()


# --- The same rules through the API ------------------------------------------------------


def at_counter(bank, status: str) -> Ticket:
    ticket = ticket_in(bank.normal, status)
    ticket.counter = bank.counter1
    ticket.agent = bank.users["agent1"]
    ticket.called_at = timezone.now()
    ticket.save()
    return ticket


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.SERVING, "recall"),
        (S.SERVING, "start"),
        (S.SERVING, "no-show"),
        (S.CALLED, "finish"),  # start serving first
    ],
)
def test_illegal_counter_actions_answer_409(bank, status, action):
    ticket = at_counter(bank, status)
    before = Ticket.objects.filter(pk=ticket.pk).values().get()
    response = bank.api["agent1"].post(f"{BASE}/counters/{bank.counter1.pk}/{action}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "illegal_transition"
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == before
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize("status", [S.SERVING, S.SERVED, S.NO_SHOW, S.CANCELLED, S.EXPIRED])
def test_cancel_refused_once_past_called(bank, status):
    ticket = ticket_in(bank.normal, status)
    ticket.user = bank.users["alice"]
    ticket.save()
    before = Ticket.objects.filter(pk=ticket.pk).values().get()
    response = bank.api["alice"].post(f"{BASE}/tickets/{ticket.pk}/cancel/")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "illegal_transition")
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == before


# --- Automatic no-show -------------------------------------------------------------------


def test_auto_no_show_after_the_queue_timeout(bank):
    bank.normal.no_show_timeout_seconds = 120
    bank.normal.save()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ticket = at_counter(bank, S.WAITING)
        ticket.counter = None
        ticket.save()
        called = counters.counter_call_next(counter_id=bank.counter1.pk, agent=bank.users["agent1"])
        assert called.pk == ticket.pk
    with time_machine.travel(start + timedelta(seconds=119), tick=False):
        assert counters.no_shows_mark() == 0
    ticket.refresh_from_db()
    assert ticket.status == S.CALLED
    # A recall restarts the clock.
    with time_machine.travel(start + timedelta(seconds=100), tick=False):
        counters.counter_recall(counter_id=bank.counter1.pk, agent=bank.users["agent1"])
    with time_machine.travel(start + timedelta(seconds=200), tick=False):
        assert counters.no_shows_mark() == 0
    with time_machine.travel(start + timedelta(seconds=221), tick=False):
        assert counters.no_shows_mark() == 1
        assert counters.no_shows_mark() == 0  # idempotent
    ticket.refresh_from_db()
    assert ticket.status == S.NO_SHOW
    assert ticket.no_show_at == start + timedelta(seconds=221)
    event = TicketEvent.objects.filter(ticket=ticket).last()
    assert (event.action, event.counter_id) == ("no_show_timeout", bank.counter1.pk)
    # The counter is free again.
    state = bank.api["agent1"].get(f"{BASE}/counters/{bank.counter1.pk}/state/").json()
    assert state["current"] is None


def test_serving_tickets_never_time_out(bank):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        at_counter(bank, S.SERVING)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        assert counters.no_shows_mark() == 0
