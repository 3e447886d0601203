"""Every strategy's ordering: the pure functions of ``strategies`` and the counters'
call-next, which must agree with them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from teranga.products.smartqueue.models import QueueKind, Strategy, TicketClass
from teranga.products.smartqueue.services import counters
from teranga.products.smartqueue.services.tickets import ticket_issue
from teranga.products.smartqueue.strategies import Waiting, order, pick_class
from teranga.products.smartqueue.tests.factories import QueueFactory

T0 = timezone.now().replace(microsecond=0)


def waiting(spec: str) -> list[Waiting]:
    """``"N P V N"`` -> one waiting ticket per letter, arriving a minute apart."""
    classes = {
        "N": TicketClass.NORMAL,
        "P": TicketClass.PRIORITY,
        "V": TicketClass.VIP,
        "A": TicketClass.APPOINTMENT,
        "E": TicketClass.EXPRESS,
    }
    return [
        Waiting(f"{letter}{i}", classes[letter], T0 + timedelta(minutes=i))
        for i, letter in enumerate(spec.split())
    ]


def keys(items) -> list[str]:
    return [item.key for item in items]


# --- The pure functions ------------------------------------------------------------------


def test_fifo_ignores_classes():
    assert keys(order(waiting("N P V N E"), Strategy.FIFO, None)) == ["N0", "P1", "V2", "N3", "E4"]


def test_strict_priority():
    items = waiting("N E P V A N V P")
    assert keys(order(items, Strategy.PRIORITY, None)) == [
        "V3",
        "V6",  # VIP first, by arrival
        "P2",
        "A4",
        "P7",  # then priority and appointment together, by arrival
        "N0",
        "E1",
        "N5",  # then normal and express, by arrival
    ]


def test_weighted_two_to_one_interleaves():
    items = waiting(" ".join(["N"] * 20 + ["P"] * 20))
    weights = {"priority": 2, "normal": 1}
    classes = [key[0] for key in keys(order(items, Strategy.WEIGHTED, weights))]
    assert "".join(classes[:15]) == "PNPPNPPNPPNPPNP"
    # Over any window of three calls while both wait: two priority, one normal.
    both_waiting = classes[:30]
    for start in range(0, 27, 3):
        assert sorted(both_waiting[start : start + 3]) == ["N", "P", "P"]


def test_weighted_no_class_starves():
    items = waiting(" ".join(["P"] * 100 + ["N"] * 5 + ["V"] * 100))
    weights = {"vip": 5, "priority": 3, "normal": 1}
    called = [key[0] for key in keys(order(items, Strategy.WEIGHTED, weights))]
    positions = [i for i, cls in enumerate(called) if cls == "N"]
    # With total weight 9 a normal ticket is called at least once every 9 calls.
    assert len(positions) == 5
    assert positions[0] < 9
    assert all(b - a <= 9 for a, b in zip(positions, positions[1:], strict=False))


def test_weighted_empty_class_banks_no_credit():
    classes = [TicketClass.PRIORITY]
    rotation: dict = {}
    for _ in range(10):
        chosen, rotation = pick_class(classes, Strategy.WEIGHTED, {"priority": 2}, rotation)
        assert chosen == TicketClass.PRIORITY
    assert set(rotation) == {TicketClass.PRIORITY}
    # Normal arrives: it is called within the next round, not after 10 banked turns.
    both = [TicketClass.PRIORITY, TicketClass.NORMAL]
    picks = []
    for _ in range(3):
        chosen, rotation = pick_class(
            both, Strategy.WEIGHTED, {"priority": 2, "normal": 1}, rotation
        )
        picks.append(chosen)
    assert TicketClass.NORMAL in picks


# --- Counters call in the same order -----------------------------------------------------


def drain(bank, counter) -> list:
    """Call, start and finish until nobody waits; the ticket ids in calling order."""
    agent = bank.users["agent1"]
    called = []
    while True:
        ticket = counters.counter_call_next(counter_id=counter.pk, agent=agent)
        if ticket is None:
            return called
        called.append(ticket.pk)
        counters.counter_start(counter_id=counter.pk, agent=agent)
        counters.counter_finish(counter_id=counter.pk, agent=agent)


def fill(bank, spec: str) -> tuple[list, list[Waiting]]:
    """Issue one ticket per letter (N normal, P priority, V VIP, A appointment queue)."""
    vip = QueueFactory(
        organization=bank.org,
        branch=bank.branch,
        service=bank.service,
        prefix="V",
        kind=QueueKind.VIP,
    )
    appointment = QueueFactory(
        organization=bank.org,
        branch=bank.branch,
        service=bank.service,
        prefix="R",
        kind=QueueKind.APPOINTMENT,
    )
    bank.counter1.queues.add(vip, appointment)
    queues = {"N": bank.normal, "P": bank.priority, "V": vip, "A": appointment}
    issued = [
        ticket_issue(queue=queues[letter], channel="kiosk", sort_at=T0 + timedelta(minutes=i))
        for i, letter in enumerate(spec.split())
    ]
    items = [Waiting(t.pk, t.ticket_class, t.sort_at, t.created_at) for t in issued]
    return issued, items


@pytest.mark.django_db
@pytest.mark.parametrize("strategy", [Strategy.FIFO, Strategy.PRIORITY, Strategy.WEIGHTED])
def test_call_next_agrees_with_order(bank, strategy):
    bank.counter1.strategy = strategy
    bank.counter1.weights = {"vip": 3, "priority": 2, "appointment": 2, "normal": 1}
    bank.counter1.save()
    _issued, items = fill(bank, "N N P V N A P N N V P N A N N P")
    expected = keys(order(items, strategy, bank.counter1.weights))
    assert drain(bank, bank.counter1) == expected


@pytest.mark.django_db
def test_counter_strict_priority_across_queues(bank):
    issued, _ = fill(bank, "N A P V N V")
    by_number = {t.pk: t.display_number for t in issued}
    called = [by_number[pk] for pk in drain(bank, bank.counter1)]
    assert called == ["V001", "V002", "R001", "P001", "A001", "A002"]


@pytest.mark.django_db
def test_counter_weighted_ratio_over_many_calls(bank):
    bank.counter1.strategy = Strategy.WEIGHTED
    bank.counter1.weights = {"priority": 2, "normal": 1}
    bank.counter1.save()
    for i in range(15):
        ticket_issue(queue=bank.normal, channel="kiosk", sort_at=T0 + timedelta(seconds=i))
        ticket_issue(queue=bank.priority, channel="kiosk", sort_at=T0 + timedelta(seconds=i))
    agent = bank.users["agent1"]
    classes = []
    for _ in range(21):
        ticket = counters.counter_call_next(counter_id=bank.counter1.pk, agent=agent)
        classes.append("P" if ticket.ticket_class == TicketClass.PRIORITY else "N")
        counters.counter_start(counter_id=bank.counter1.pk, agent=agent)
        counters.counter_finish(counter_id=bank.counter1.pk, agent=agent)
    assert "".join(classes) == "PNP" * 7
    # The rotation lives on the counter: a second counter keeps its own.
    bank.counter1.refresh_from_db()
    assert bank.counter1.rotation
