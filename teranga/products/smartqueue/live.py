"""Real-time fan-out of SmartQueue changes.

:mod:`.effects` calls these inside the services' transactions. They only note what
changed (ids, the action, the time); the work is done once the transaction commits, in
one ``transaction.on_commit`` callback per change, which computes each channel's payload
ONCE (the positions of a queue are computed for all its watchers, not per client) and
hands it to :func:`teranga.platform.realtime.broadcast.broadcast` (numbered, buffered for
resume). A rolled-back change sends nothing; a failure to send is logged, not raised.

Groups (see :mod:`.consumers`):

* ``sq.display.<branch>``: the waiting-room board. ``call`` (call, recall, bring
  back), ``serving`` (service started), ``clear`` (the ticket left its counter:
  finished, no-show, transferred, parked, cancelled, requeued) and ``waiting`` (counts
  changed, or a queue opened or closed). Numbers, queue letters and counter names only.
* ``sq.queue.<queue>``: ``queue.changed`` with the waiting count, the last called
  numbers and ``positions`` (ticket id → [position, estimated wait]); the queue consumer
  strips the map and sends each client only its own tickets.
* ``sq.counters.<branch>``: the consoles of the branch's counters: waiting counts per
  queue, and the state of the counter concerned.
* ``sq.monitor.<organisation>``: ``kpis``, coalesced (at most one per
  :data:`KPI_INTERVAL` seconds per organisation, and always a trailing one after the
  last change of a burst).
* ``sq.admin``: ``summary`` of every organisation, coalesced the same way.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections, transaction
from django.utils import timezone

from teranga.platform.organizations.models import Organization
from teranga.platform.realtime.broadcast import broadcast

from .models import Counter, Queue
from .selectors.boards import (
    branch_waiting,
    organizations_summary,
    queue_positions,
    queue_public_state,
)
from .selectors.payloads import counter_state_payload
from .selectors.stats import live_kpis
from .selectors.tickets import counter_state

logger = logging.getLogger(__name__)

#: Seconds between two KPI publications of one organisation (and of the admin summary).
KPI_INTERVAL = 1.0
ADMIN_GROUP = "sq.admin"
CALL_ACTIONS = frozenset({"call", "recall", "unpark"})
SERVING_ACTIONS = frozenset({"start"})


def _hex(value: Any) -> str:
    return getattr(value, "hex", None) or str(value).replace("-", "")


def display_group(branch_id) -> str:
    return f"sq.display.{_hex(branch_id)}"


def queue_group(queue_id) -> str:
    return f"sq.queue.{_hex(queue_id)}"


def counters_group(branch_id) -> str:
    return f"sq.counters.{_hex(branch_id)}"


def monitor_group(organization_id) -> str:
    return f"sq.monitor.{_hex(organization_id)}"


@dataclass(frozen=True)
class TicketChange:
    ticket_id: Any
    queue_id: Any
    branch_id: Any
    organization_id: Any
    counter_id: Any
    user_id: Any
    number: str
    status: str
    previous_status: str
    action: str
    at: datetime


# --- the hooks (inside the transaction) ------------------------------------------------


def ticket_changed(ticket, *, action: str, previous_status: str) -> None:
    """Called inside the transaction of every ticket change."""
    change = TicketChange(
        ticket_id=ticket.pk,
        queue_id=ticket.queue_id,
        branch_id=ticket.branch_id,
        organization_id=ticket.organization_id,
        counter_id=ticket.counter_id,
        user_id=ticket.user_id,
        number=ticket.display_number,
        status=ticket.status,
        previous_status=previous_status,
        action=action,
        at=timezone.now(),
    )
    transaction.on_commit(lambda: publish_ticket_change(change), robust=True)


def counter_changed(counter, *, action: str) -> None:
    """Called inside the transaction of an agent session opening or closing."""
    counter_id, branch_id, organization_id = counter.pk, counter.branch_id, counter.organization_id

    def publish() -> None:
        _publish_console(branch_id, counter_id, action=action)
        kpis_changed(organization_id)

    transaction.on_commit(publish, robust=True)


def ticket_rated(ticket) -> None:
    """Called inside the transaction of a rating."""
    organization_id = ticket.organization_id
    transaction.on_commit(lambda: kpis_changed(organization_id), robust=True)


def queues_changed(queues, *, action: str) -> None:
    """Called inside the transaction that opened or closed ``queues`` (by hand or from
    their hours): the boards, the queues' watchers and the consoles see it at once."""
    changed = [(q.pk, q.branch_id, q.organization_id) for q in queues]
    if changed:
        transaction.on_commit(lambda: publish_queues_change(changed, action=action), robust=True)


# --- after commit ----------------------------------------------------------------------


def _board_queues(queues: list[dict]) -> list[dict]:
    """The board's view of ``branch_waiting``: letters, names, open or not, counts."""
    return [{key: q[key] for key in ("prefix", "name", "is_open", "waiting")} for q in queues]


def _board_event(change: TicketChange) -> dict:
    queues = branch_waiting(change.branch_id)
    prefix = next((q["prefix"] for q in queues if q["queue_id"] == str(change.queue_id)), None)
    if prefix is None:  # an inactive queue is not listed
        prefix = Queue.objects.filter(pk=change.queue_id).values_list("prefix", flat=True).first()
    event: dict = {"number": change.number, "prefix": prefix, "queues": _board_queues(queues)}
    at_counter = change.previous_status in ("called", "serving") or change.action in CALL_ACTIONS
    if change.action in CALL_ACTIONS:
        event["type"] = "call"
        event["recall"] = change.action == "recall"
    elif change.action in SERVING_ACTIONS:
        event["type"] = "serving"
    elif at_counter:
        event["type"] = "clear"
        event["reason"] = change.action
    else:
        event["type"] = "waiting"
        event.pop("number")
        return event
    name = ""
    if change.counter_id is not None:
        name = Counter.objects.filter(pk=change.counter_id).values_list("name", flat=True).first()
    event["counter"] = name or ""
    event["at"] = change.at.isoformat()
    return event


def _queue_event(queue_id, *, action: str, user_id=None) -> dict:
    queue = Queue.objects.select_related("organization", "service").get(pk=queue_id)
    state = queue_public_state(queue)
    return {
        "type": "queue.changed",
        "action": action,
        "waiting": state["waiting"],
        "last_called": state["last_called"],
        "is_open": queue.is_open,
        # Stripped by the queue consumer: each client gets only its own tickets.
        "positions": queue_positions(queue),
        "user": str(user_id) if user_id is not None else None,
    }


def counter_payload(counter) -> dict:
    """A counter's console state, exactly as ``GET /counters/{id}/state/`` answers it
    (both are ``selectors.payloads.counter_state_payload``)."""
    return counter_state_payload(counter_state(counter=counter))


def _publish_console(branch_id, counter_id, *, action: str) -> None:
    event: dict = {
        "type": "counters.changed",
        "action": action,
        "queues": [
            {"id": q["queue_id"], "prefix": q["prefix"], "name": q["name"], "waiting": q["waiting"]}
            for q in branch_waiting(branch_id)
        ],
        "counter": None,
    }
    if counter_id is not None:
        counter = Counter.objects.filter(pk=counter_id).first()
        if counter is not None:
            event["counter"] = counter_payload(counter)
    broadcast(counters_group(branch_id), event)


def _run_steps(steps, *, action: str) -> None:
    for step in steps:  # one failing channel does not silence the others
        try:
            step()
        except Exception:
            logger.exception("smartqueue live publish failed", extra={"action": action})


def publish_ticket_change(change: TicketChange) -> None:
    """Everything one ticket change sends, the board first (what people look at)."""
    steps = (
        lambda: broadcast(display_group(change.branch_id), _board_event(change)),
        lambda: broadcast(
            queue_group(change.queue_id),
            _queue_event(change.queue_id, action=change.action, user_id=change.user_id),
        ),
        lambda: _publish_console(change.branch_id, change.counter_id, action=change.action),
        lambda: kpis_changed(change.organization_id),
    )
    _run_steps(steps, action=change.action)


def _publish_board_queues(branch_id) -> None:
    queues = _board_queues(branch_waiting(branch_id))
    broadcast(display_group(branch_id), {"type": "waiting", "queues": queues})


def publish_queues_change(changed, *, action: str) -> None:
    """Queues opened or closed: each branch's board and consoles once (their lists say
    which queues are open), each queue's watchers, then the KPIs."""
    partial = functools.partial
    steps = []
    for branch_id in {branch_id for _queue, branch_id, _org in changed}:
        steps.append(partial(_publish_board_queues, branch_id))
        steps.append(partial(_publish_console, branch_id, None, action=action))
    for queue_id, _branch, _org in changed:
        steps.append(lambda q=queue_id: broadcast(queue_group(q), _queue_event(q, action=action)))
    for organization_id in {org for _queue, _branch, org in changed}:
        steps.append(partial(kpis_changed, organization_id))
    _run_steps(steps, action=action)


# --- coalesced KPIs --------------------------------------------------------------------


def organization_kpis(organization_id) -> dict:
    """The monitor's figures: the analytics' live KPIs (``selectors.stats.live_kpis``)."""
    organization = Organization.objects.get(pk=organization_id)
    return live_kpis(organization=organization)


def _publish_monitor(organization_id) -> None:
    broadcast(
        monitor_group(organization_id), {"type": "kpis", "kpis": organization_kpis(organization_id)}
    )


def _publish_admin() -> None:
    broadcast(ADMIN_GROUP, {"type": "summary", "organizations": organizations_summary()})


class Coalescer:
    """At most one publication per ``interval`` seconds per key, across processes (the
    time of the last one is in the cache), and a trailing one after a burst, so the
    last change is always published. The trailing publication runs on a timer thread
    of this process and computes the figures when it fires."""

    def __init__(self, name: str):
        self.name = name
        self._lock = threading.Lock()
        self._timers: dict[str, threading.Timer] = {}

    def interval(self) -> float:
        return float(getattr(settings, "SMARTQUEUE_LIVE_KPI_INTERVAL", KPI_INTERVAL))

    def _key(self, key: str) -> str:
        return f"sq:live:{self.name}:{key}"

    def request(self, key: str, publish) -> None:
        interval = self.interval()
        last = cache.get(self._key(key))
        now = time.time()
        if last is None or now - float(last) >= interval:
            self._run(key, publish)
            return
        with self._lock:
            if key in self._timers:
                return  # a trailing publication is due: it will include this change
            timer = threading.Timer(
                max(interval - (now - float(last)), 0.01), self._trailing, (key, publish)
            )
            timer.daemon = True
            self._timers[key] = timer
        timer.start()

    def _run(self, key: str, publish) -> None:
        cache.set(self._key(key), time.time(), timeout=max(int(self.interval() * 10), 10))
        publish()

    def _trailing(self, key: str, publish) -> None:
        with self._lock:
            self._timers.pop(key, None)
        try:
            close_old_connections()
            self._run(key, publish)
        except Exception:
            logger.exception("smartqueue live publish failed", extra={"key": key})
        finally:
            connections.close_all()

    def cancel_all(self) -> None:
        with self._lock:
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()


monitors = Coalescer("monitor")
admin_dashboard = Coalescer("admin")


def kpis_changed(organization_id) -> None:
    """The organisation's figures moved: publish them to its monitor and the admin
    dashboard, coalesced."""
    key = _hex(organization_id)
    monitors.request(key, lambda: _publish_monitor(organization_id))
    admin_dashboard.request("all", _publish_admin)
