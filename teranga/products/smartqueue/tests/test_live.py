"""``live``: what is published after commit (and nothing before), and the KPI coalescing
(at most one publication per interval per key, and always a trailing one).

The coalescer's wall clock (``time.time``, kept in the cache) is frozen with time_machine
and moved by hand; its timer thread waits on the monotonic clock, which time_machine
leaves alone. The test waits for the trailing publication itself (bounded), not for a
fixed time."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from teranga.platform.realtime import broadcast as rt
from teranga.products.smartqueue import live
from teranga.products.smartqueue.services.tickets import ticket_issue

INTERVAL = 0.2
TIMEOUT = 5  # seconds: the bound on waiting for the trailing publication


@pytest.fixture
def fast(settings):
    settings.SMARTQUEUE_LIVE_KPI_INTERVAL = INTERVAL


def test_coalescer_publishes_at_once_then_one_trailing(fast):
    coalescer = live.Coalescer(f"test-{uuid.uuid4().hex}")
    published: list[int] = []
    trailing = threading.Event()
    state = {"value": 0}

    def publish():
        published.append(state["value"])
        if len(published) == 2:
            trailing.set()

    start = datetime(2026, 3, 2, 10, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        for n in range(1, 6):  # a burst of five changes
            state["value"] = n
            coalescer.request("org", publish)
        assert published == [1]  # the first at once, the rest wait
        assert trailing.wait(TIMEOUT), "no trailing publication"
        assert published == [1, 5]  # one trailing publication, with the last state
        clock.move_to(start + timedelta(seconds=INTERVAL))
        coalescer.request("org", lambda: published.append(99))
        assert published == [1, 5, 99]  # a quiet interval later: at once again


def test_coalescer_keys_are_independent(fast):
    coalescer = live.Coalescer(f"test-{uuid.uuid4().hex}")
    published: list[str] = []
    coalescer.request("a", lambda: published.append("a"))
    coalescer.request("b", lambda: published.append("b"))
    assert published == ["a", "b"]
    coalescer.cancel_all()


@pytest.mark.django_db
def test_changes_are_published_after_commit_only(bank, fast, django_capture_on_commit_callbacks):
    before = rt.current_seq(live.display_group(bank.branch.pk))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket_issue(queue=bank.normal, channel="kiosk")
    assert rt.current_seq(live.display_group(bank.branch.pk)) == before  # nothing yet
    assert callbacks
    for callback in callbacks:
        callback()
    group = live.display_group(bank.branch.pk)
    seq = rt.current_seq(group)
    assert seq == before + 1
    event = rt.buffered_events(group, [seq])[seq]
    assert event["type"] == "waiting"
    assert [(q["prefix"], q["waiting"]) for q in event["queues"]] == [("A", 1), ("P", 0)]
    queue_seq = rt.current_seq(live.queue_group(bank.normal.pk))
    queue_event = rt.buffered_events(live.queue_group(bank.normal.pk), [queue_seq])[queue_seq]
    assert queue_event["waiting"] == 1 and queue_event["counts"] == {"normal": 1}
    # The change, not the queue: the one ticket that joined the waiting list.
    assert "positions" not in queue_event
    assert queue_event["change"]["listed"] is True and queue_event["change"]["class"] == "normal"
    live.monitors.cancel_all()
    live.admin_dashboard.cancel_all()
