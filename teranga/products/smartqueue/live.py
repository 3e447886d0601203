"""Real-time fan-out of SmartQueue changes.

:mod:`.effects` calls these inside the services' transactions. They only note what
changed (ids, the action, the time); the work is done once the transaction commits: one
``transaction.on_commit`` callback per change hands it to the :data:`publisher`, this
process's publishing thread, so the request (or task) that made the change does not
wait for the fan-out. The thread computes each channel's payload ONCE, in the order
the changes were submitted, and hands it to
:func:`teranga.platform.realtime.broadcast.broadcast` (numbered, buffered for resume).
A rolled-back change sends nothing; a failure to send is logged, not raised. A publishing
thread that dies with its process loses what it had not sent; the periodic
:func:`queues_relist` then puts the watchers' view of each queue right.

Groups (see :mod:`.consumers`):

* ``sq.display.<branch>``: the waiting-room board. ``call`` (call, recall, bring
  back), ``serving`` (service started), ``clear`` (the ticket left its counter:
  finished, no-show, transferred, parked, cancelled, requeued) and ``waiting`` (counts
  changed, or a queue opened or closed). Numbers, queue letters and counter names only.
* ``sq.queue.<queue>``: ``queue.changed`` with the waiting count, the last called
  numbers, and what changed, never the whole queue: ``change`` (the one ticket that
  joined or left the waiting list, with its class and order key), ``counts`` (waiting
  per class), ``order`` (the queue's strategy and weights) and ``paces`` (the open
  counters' seconds per client). It is published by :func:`publish_queue_change` under
  the queue's row lock, which also moves the ticket's ``listed`` flag: the numbered
  events and the listed view (``selectors.positions``) advance together, so the queue
  consumer, from a snapshot of the listed view and the events after it, keeps each
  client's position exactly, with constant work per change; it sends each client only
  its own tickets (``mine``).
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
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from queue import Queue as WorkQueue
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone

from teranga.platform.organizations.models import Organization
from teranga.platform.realtime.broadcast import broadcast, current_seq, deliver, number

from .models import Counter, Queue, Ticket, TicketStatus
from .selectors.boards import (
    branch_waiting,
    last_called,
    my_tickets,
    organizations_summary,
)
from .selectors.days import local_day
from .selectors.estimates import queue_paces
from .selectors.payloads import counter_state_payload
from .selectors.positions import class_counts, listed_tickets, micros
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
    transaction.on_commit(lambda: publisher.submit(change))


def counter_changed(counter, *, action: str) -> None:
    """Called inside the transaction of an agent session opening or closing."""
    counter_id, branch_id, organization_id = counter.pk, counter.branch_id, counter.organization_id

    def publish() -> None:
        _publish_console(branch_id, counter_id, action=action)
        kpis_changed(organization_id)

    transaction.on_commit(lambda: publisher.submit(publish))


def ticket_rated(ticket) -> None:
    """Called inside the transaction of a rating."""
    organization_id = ticket.organization_id
    transaction.on_commit(lambda: kpis_changed(organization_id), robust=True)


def queues_changed(queues, *, action: str) -> None:
    """Called inside the transaction that opened or closed ``queues`` (by hand or from
    their hours): the boards, the queues' watchers and the consoles see it at once."""
    changed = [(q.pk, q.branch_id, q.organization_id) for q in queues]
    if changed:
        transaction.on_commit(
            lambda: publisher.submit(lambda: publish_queues_change(changed, action=action))
        )


# --- after commit ----------------------------------------------------------------------


class Publisher:
    """Runs the publications on one thread of this process, in the order they were
    submitted (the order of the commits in this process; across processes the queue
    lock of :func:`publish_queue_change` orders what must be ordered). ``submit`` waits
    only when :data:`MAX_PENDING` publications are queued (back-pressure).

    A publication submitted from inside a transaction runs at once, on the caller's
    thread: another connection would not see the caller's uncommitted rows (callbacks
    run by hand in a test transaction). ``SMARTQUEUE_LIVE_BACKGROUND = False`` runs them
    all at once, too."""

    MAX_PENDING = 10_000

    def __init__(self) -> None:
        self._pending: WorkQueue = WorkQueue(maxsize=self.MAX_PENDING)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    #: Publications taken together at most: the ticket changes among them share their
    #: reads and one transaction per queue (fewer write transactions under load).
    BATCH = 200

    def submit(self, item) -> None:
        """``item``: a :class:`TicketChange`, or any callable that publishes."""
        inline = not getattr(settings, "SMARTQUEUE_LIVE_BACKGROUND", True)
        if inline or connection.in_atomic_block:
            _publish_items([item])
            return
        self._start()
        self._pending.put(item)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait (at most ``timeout`` seconds) until everything submitted was published."""
        deadline = time.monotonic() + timeout
        while self._pending.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self._pending.unfinished_tasks

    def _start(self) -> None:
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            if alive and self._pid == os.getpid():
                return
            if self._pid != os.getpid():  # a forked child: the parent's queue is not ours
                self._pending = WorkQueue(maxsize=self.MAX_PENDING)
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._loop, name="smartqueue-live", daemon=True)
            self._thread.start()

    #: While changes keep coming (the last batch ended less than this long ago), the
    #: thread waits this long (seconds) before taking a batch, so that a busy queue's
    #: changes go out together: one transaction and one set of reads for many tickets
    #: instead of one each. An isolated change goes out at once.
    LINGER = 0.1

    def _linger(self) -> float:
        return float(getattr(settings, "SMARTQUEUE_LIVE_LINGER", self.LINGER))

    def _loop(self) -> None:
        last_batch = 0.0
        while True:
            items = [self._pending.get()]
            linger = self._linger()
            if linger > 0 and time.monotonic() - last_batch < linger:
                time.sleep(linger)
            while len(items) < self.BATCH and not self._pending.empty():
                items.append(self._pending.get_nowait())
            try:
                _run_guarded(close_old_connections)
                _publish_items(items)
            finally:
                # Back to the pool (or closed) between batches: the thread holds no
                # connection while it waits, nor one the requests need.
                _run_guarded(connections.close_all)
                for _item in items:
                    self._pending.task_done()
                last_batch = time.monotonic()


def _publish_items(items: list) -> None:
    """Publish ``items`` in order; consecutive ticket changes together."""
    batch: list[TicketChange] = []
    for item in [*items, None]:
        if isinstance(item, TicketChange):
            batch.append(item)
            continue
        if batch:
            _run_guarded(functools.partial(publish_ticket_changes, batch))
            batch = []
        if item is not None:
            _run_guarded(item)


def _run_guarded(publish) -> None:
    try:
        publish()
    except Exception:
        logger.exception("smartqueue live publish failed")


#: This process's publishing thread.
publisher = Publisher()


def _board_queues(queues: list[dict]) -> list[dict]:
    """The board's view of ``branch_waiting``: letters, names, open or not, counts."""
    return [{key: q[key] for key in ("prefix", "name", "is_open", "waiting")} for q in queues]


def _board_event(change: TicketChange, queues: list[dict]) -> dict:
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


def _queue(queue_id) -> Queue | None:
    return Queue.objects.select_related("organization", "service").filter(pk=queue_id).first()


def _lock(queue: Queue) -> None:
    """The queue's row, locked: one publisher (or watcher snapshot) of the queue at a
    time (SQLite runs one writer at a time anyway). ``FOR NO KEY UPDATE``: it does not
    conflict with the key-share locks that inserting a ticket of the queue takes (its
    foreign keys are checked at commit), so issuers never wait for it, nor it for them."""
    rows = Queue.objects.select_for_update(no_key=True).filter(pk=queue.pk)
    list(rows.values_list("pk", flat=True))


def _relist(queue: Queue, ticket_ids) -> dict:
    """Bring the ``listed`` flag of ``ticket_ids`` in line with their state now (one read,
    at most two writes); ``{ticket id: row}`` of those that moved, ``row["listed"]`` the
    new value."""
    fields = ("pk", "status", "parked_at", "listed", "ticket_class", "class_rank", "sort_at")
    rows = Ticket.objects.filter(pk__in=set(ticket_ids), queue_id=queue.pk).values(
        *fields, "created_at"
    )
    moved = {}
    for row in rows:
        waiting = row["status"] == TicketStatus.WAITING and row["parked_at"] is None
        if waiting != row["listed"]:
            moved[row["pk"]] = {**row, "listed": waiting}
    for value in (True, False):
        ids = [pk for pk, row in moved.items() if row["listed"] is value]
        if ids:
            Ticket.objects.filter(pk__in=ids).update(listed=value)
    return moved


def _change(ticket_id, row: dict) -> dict:
    return {
        "id": str(ticket_id),
        "listed": row["listed"],
        "class": row["ticket_class"],
        "rank": row["class_rank"],
        "key": [micros(row["sort_at"]), micros(row["created_at"]), str(ticket_id)],
    }


def queue_figures(queue: Queue) -> dict:
    """The figures of the queue's events that need no lock (they are "now" anyway): the
    last called numbers, open or not, the order, the open counters' paces."""
    return {
        "last_called": last_called(queue.pk, local_day(queue.organization)),
        "is_open": queue.is_open,
        "order": {"strategy": queue.strategy, "weights": queue.weights or {}},
        "paces": queue_paces(queue),
    }


def _listed_counts(queue: Queue) -> dict:
    """Under the queue's lock: the listed view's numbers per class, and in all."""
    counts = class_counts(listed_tickets(queue.pk))
    return {"waiting": sum(counts.values()), "counts": counts}


def publish_queue_change(queue_id, *, action: str, ticket_id=None, user_id=None) -> None:
    """One numbered ``queue.changed`` event for the queue's watchers: the ticket's move
    in the listed view (if it moved) and the queue's figures. Under the queue's lock, so
    the listed view and the events' numbers advance in the same order."""
    publish_queue_changes(queue_id, [(action, ticket_id, user_id)])


def publish_queue_changes(queue_id, changes: list[tuple]) -> None:
    """One event per ``(action, ticket_id, user_id)`` of ``changes``, in order. The
    tickets' flags are moved and the events numbered in one short transaction holding
    the queue's lock (a few statements, whatever the number of changes: the counts read
    once and moved with each ticket listed or unlisted); the figures that need no lock
    are read before it, and the events are sent after it: the channel layer is not
    waited for under the lock."""
    queue = _queue(queue_id)
    if queue is None:
        return
    group = queue_group(queue.pk)
    figures = queue_figures(queue)
    with transaction.atomic():
        _lock(queue)
        numbered = _number_changes(queue, figures, changes)
    for seq, event in numbered:
        deliver(group, seq, event)


def _number_changes(queue: Queue, figures: dict, changes: list[tuple]) -> list:
    """Under the queue's lock: relist the tickets of ``changes`` and number one event
    per change, in order. A ticket changed twice moves once, with its first event."""
    state = {**figures, **_listed_counts(queue)}
    moved = _relist(queue, [ticket_id for _a, ticket_id, _u in changes if ticket_id])
    numbered = []
    for action, ticket_id, user_id in changes:
        row = moved.pop(ticket_id, None) if ticket_id is not None else None
        change = None if row is None else _change(ticket_id, row)
        if change is not None:
            counts = state["counts"] = dict(state["counts"])
            counts[change["class"]] = counts.get(change["class"], 0) + (
                1 if change["listed"] else -1
            )
            if counts[change["class"]] <= 0:
                del counts[change["class"]]
            state["waiting"] = sum(counts.values())
        event = {
            "type": "queue.changed",
            "action": action,
            **state,
            "change": change,
            # The queue consumer strips ``change``, ``counts``, ``order``, ``paces`` and
            # ``user``: each client gets only its own tickets.
            "user": str(user_id) if user_id is not None else None,
        }
        numbered.append(number(queue_group(queue.pk), event))
    return numbered


def _catch_up(queue: Queue, figures: dict) -> list[tuple[int, dict]]:
    """Under the queue's lock: number now the changes of the queue whose publication is
    still on its way (or was lost), so that a snapshot taken next is the queue as it is;
    returns the events, to :func:`deliver` once the lock is released. Two scans of the
    queue's waiting and listed tickets (a new watcher's cost, not a change's); their own
    publications, when they come, find nothing left to move."""
    waiting = Q(status=TicketStatus.WAITING, parked_at__isnull=True)
    fields = ("pk", "user_id")
    gone = listed_tickets(queue.pk).exclude(waiting).values_list(*fields)
    new = Ticket.objects.filter(waiting, queue_id=queue.pk, listed=False).values_list(*fields)
    changes = [("sync", ticket_id, user_id) for ticket_id, user_id in [*gone, *new]]
    return _number_changes(queue, figures, changes) if changes else []


#: A ticket whose listed flag disagrees with its state for longer than this lost its
#: publication (its process died): :func:`queues_relist` publishes it again.
RELIST_AFTER = timedelta(seconds=30)


def queues_relist(*, now: datetime | None = None) -> int:
    """The periodic repair of the watchers' view: every ticket whose ``listed`` flag has
    disagreed with its state for :data:`RELIST_AFTER` (a publication lost with its
    process) is published again, as any change is. Returns how many."""
    now = now or timezone.now()
    waiting = Q(status=TicketStatus.WAITING, parked_at__isnull=True)
    fields = ("pk", "queue_id", "user_id")
    settled = Q(updated_at__lt=now - RELIST_AFTER)
    # Listed but gone (on the listed index), and waiting but never listed (among the
    # tickets of the last two days, on the creation index: older ones have expired).
    gone = Ticket.objects.filter(Q(listed=True) & ~waiting & settled).values_list(*fields)
    recent = Q(created_at__gte=now - timedelta(days=2), listed=False)
    unlisted = Ticket.objects.filter(recent & waiting & settled).values_list(*fields)
    count = 0
    for ticket_id, queue_id, user_id in [*gone, *unlisted]:
        publish_queue_change(queue_id, action="sync", ticket_id=ticket_id, user_id=user_id)
        count += 1
    return count


def queue_watch(queue_id, user) -> dict | None:
    """A watcher's snapshot, taken under the queue's lock: the queue's figures, the
    user's tickets with their positions in the listed view (brought up to date first:
    :func:`_catch_up`), and ``seq``, the number of the last event that view includes
    (later events move it on)."""
    queue = _queue(queue_id)
    if queue is None:
        return None
    figures = queue_figures(queue)
    with transaction.atomic():
        _lock(queue)
        numbered = _catch_up(queue, figures)
        state = {**figures, **_listed_counts(queue)}
        mine = my_tickets(queue, user, counts=state["counts"], paces=state["paces"])
        seq = current_seq(queue_group(queue.pk))
    for event_seq, event in numbered:
        deliver(queue_group(queue.pk), event_seq, event)
    return {
        "queue": {
            "id": str(queue.pk),
            "name": queue.name,
            "prefix": queue.prefix,
            "is_open": queue.is_open,
        },
        **state,
        "mine": mine,
        "seq": seq,
    }


def counter_payload(counter) -> dict:
    """A counter's console state, exactly as ``GET /counters/{id}/state/`` answers it
    (both are ``selectors.payloads.counter_state_payload``)."""
    return counter_state_payload(counter_state(counter=counter))


def _publish_console(branch_id, counter_id, *, action: str, queues=None, waiting=None) -> None:
    if queues is None:
        queues = waiting(branch_id) if waiting is not None else branch_waiting(branch_id)
    event: dict = {
        "type": "counters.changed",
        "action": action,
        "queues": [
            {"id": q["queue_id"], "prefix": q["prefix"], "name": q["name"], "waiting": q["waiting"]}
            for q in queues
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


def publish_ticket_changes(changes: list[TicketChange]) -> None:
    """Everything some ticket changes send, in their order, the boards first (what people
    look at): each branch's waiting counts are read once for its board and consoles,
    each queue's watchers get their events in one transaction, the KPIs are asked for
    once per organisation."""
    branches: dict = {}

    def waiting(branch_id) -> list[dict]:
        if branch_id not in branches:
            branches[branch_id] = branch_waiting(branch_id)
        return branches[branch_id]

    partial = functools.partial
    steps: list = []
    for change in changes:
        steps.append(partial(_publish_board, change, waiting))
    by_queue: dict = {}
    for change in changes:
        by_queue.setdefault(change.queue_id, []).append(
            (change.action, change.ticket_id, change.user_id)
        )
    for queue_id, queue_changes in by_queue.items():
        steps.append(partial(publish_queue_changes, queue_id, queue_changes))
    for change in changes:
        steps.append(
            partial(
                _publish_console,
                change.branch_id,
                change.counter_id,
                action=change.action,
                queues=None,
                waiting=waiting,
            )
        )
    for organization_id in dict.fromkeys(change.organization_id for change in changes):
        steps.append(partial(kpis_changed, organization_id))
    _run_steps(steps, action=changes[-1].action if changes else "")


def publish_ticket_change(change: TicketChange) -> None:
    publish_ticket_changes([change])


def _publish_board(change: TicketChange, waiting) -> None:
    queues = waiting(change.branch_id)
    broadcast(display_group(change.branch_id), _board_event(change, queues))


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
        steps.append(partial(publish_queue_change, queue_id, action=action))
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
    last change is always published. The trailing publication (and, with
    ``background``, the leading one too) runs on a timer thread of this process and
    computes the figures when it fires."""

    def __init__(self, name: str, *, background: bool = False):
        self.name = name
        #: Publish on the timer thread even when due at once: the change's request does
        #: not wait for the figures (they are computed a moment later, as they are then).
        self.background = background
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
        due = last is None or now - float(last) >= interval
        if due and not self.background:
            self._run(key, publish)
            return
        delay = 0.0 if due else max(interval - (now - float(last)), 0.01)
        with self._lock:
            if key in self._timers:
                return  # a publication is due: it will include this change
            timer = threading.Timer(delay, self._trailing, (key, publish))
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


monitors = Coalescer("monitor", background=True)
admin_dashboard = Coalescer("admin", background=True)


def kpis_changed(organization_id) -> None:
    """The organisation's figures moved: publish them to its monitor and the admin
    dashboard, coalesced."""
    key = _hex(organization_id)
    monitors.request(key, lambda: _publish_monitor(organization_id))
    admin_dashboard.request("all", _publish_admin)
