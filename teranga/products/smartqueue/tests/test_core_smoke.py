"""The core services end to end, below the API: issue, call by strategy, serve."""

from __future__ import annotations

import pytest

from teranga.products.smartqueue.models import Strategy, TicketStatus
from teranga.products.smartqueue.services import counters, tickets

pytestmark = pytest.mark.django_db(transaction=True)


def test_issue_call_serve(bank):
    a1 = tickets.ticket_issue(queue=bank.normal, channel="mobile", user=bank.users["alice"])
    p1 = tickets.ticket_issue(queue=bank.priority, channel="kiosk")
    a2 = tickets.ticket_issue(queue=bank.normal, channel="kiosk")
    assert [a1.display_number, p1.display_number, a2.display_number] == ["A001", "P001", "A002"]
    assert a2.position_at_issue == 2
    agent = bank.users["agent1"]
    first = counters.counter_call_next(counter_id=bank.counter1.pk, agent=agent)
    assert first.pk == p1.pk  # strict priority across the counter's queues
    counters.counter_start(counter_id=bank.counter1.pk, agent=agent)
    done = counters.counter_finish(counter_id=bank.counter1.pk, agent=agent)
    assert done.status == TicketStatus.SERVED
    bank.counter1.strategy = Strategy.FIFO
    bank.counter1.save()
    assert counters.counter_call_next(counter_id=bank.counter1.pk, agent=agent).pk == a1.pk
