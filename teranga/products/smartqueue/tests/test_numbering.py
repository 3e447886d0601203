"""Gapless ticket numbers under real threads, and the restart at 001 each local day."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from teranga.core.errors import Conflict
from teranga.products.smartqueue.models import Queue, QueueDay, Ticket
from teranga.products.smartqueue.services.tickets import ticket_issue
from teranga.products.smartqueue.tests.factories import QueueFactory

THREADS = 20
PER_THREAD = 10


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_get_numbers_one_to_two_hundred():
    queue = QueueFactory(prefix="A")
    barrier = threading.Barrier(THREADS, timeout=60)
    errors: list[BaseException] = []

    def issue_many() -> None:
        try:
            own = Queue.objects.select_related("organization").get(pk=queue.pk)
            barrier.wait()
            for _ in range(PER_THREAD):
                ticket_issue(queue=own, channel="kiosk")
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue_many) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    total = THREADS * PER_THREAD
    numbers = sorted(Ticket.objects.filter(queue=queue).values_list("number", flat=True))
    assert numbers == list(range(1, total + 1))
    displays = set(Ticket.objects.filter(queue=queue).values_list("display_number", flat=True))
    assert displays == {f"A{n:03d}" for n in range(1, total + 1)}
    assert QueueDay.objects.get(queue=queue).last_number == total


@pytest.mark.django_db(transaction=True)
def test_refused_issues_leave_no_gap():
    queue = QueueFactory(prefix="B", max_size=3)
    barrier = threading.Barrier(8, timeout=60)
    outcomes: list[str] = []

    def try_issue() -> None:
        try:
            barrier.wait()
            ticket_issue(queue=Queue.objects.get(pk=queue.pk), channel="kiosk")
            outcomes.append("ok")
        except Conflict as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=try_issue) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["ok"] * 3 + ["queue_full"] * 5
    assert sorted(Ticket.objects.values_list("number", flat=True)) == [1, 2, 3]
    assert QueueDay.objects.get(queue=queue).last_number == 3


@pytest.mark.django_db
def test_numbers_restart_each_local_day():
    queue = QueueFactory(prefix="C")
    queue.organization.time_zone = "Africa/Dakar"
    queue.organization.save()
    dakar = ZoneInfo("Africa/Dakar")
    with time_machine.travel(datetime(2026, 3, 2, 23, 58, tzinfo=dakar), tick=False):
        first = [ticket_issue(queue=queue, channel="kiosk") for _ in range(3)]
    with time_machine.travel(datetime(2026, 3, 3, 0, 1, tzinfo=dakar), tick=False):
        next_day = ticket_issue(queue=queue, channel="kiosk")
    assert [t.display_number for t in first] == ["C001", "C002", "C003"]
    assert next_day.display_number == "C001"
    assert next_day.day.isoformat() == "2026-03-03"


@pytest.mark.django_db
def test_the_day_is_the_organisations_local_day():
    """Paris is UTC+1 in March: 23:30 UTC is already the next day there."""
    queue = QueueFactory(prefix="D")
    queue.organization.time_zone = "Europe/Paris"
    queue.organization.save()
    with time_machine.travel(datetime(2026, 3, 2, 22, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        evening = ticket_issue(queue=queue, channel="kiosk")
    with time_machine.travel(datetime(2026, 3, 2, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        after_midnight = ticket_issue(queue=queue, channel="kiosk")
    assert (evening.day.isoformat(), evening.number) == ("2026-03-02", 1)
    assert (after_midnight.day.isoformat(), after_midnight.number) == ("2026-03-03", 1)


@pytest.mark.django_db(transaction=True)
def test_a_clashing_code_is_drawn_again_and_the_number_stays_gapless(monkeypatch):
    """The code is drawn before the issue's transaction; a clash with an existing code
    (the database's unique constraint) rolls the whole issue back, number included, and
    runs it again with another code: no gap, no error."""
    from teranga.products.smartqueue.services import tickets

    queue = QueueFactory(prefix="C")
    first = ticket_issue(queue=queue, channel="kiosk")
    draws = iter([first.code, first.code, "ZZZZ2345"])
    monkeypatch.setattr(tickets, "new_code", lambda: next(draws))
    second = ticket_issue(queue=queue, channel="kiosk")
    assert second.code == "ZZZZ2345"
    assert second.number == 2
    assert Ticket.objects.get(pk=second.pk).display_number == "C002"
    assert QueueDay.objects.get(queue=queue).last_number == 2
    assert Ticket.objects.filter(queue=queue).count() == 2
