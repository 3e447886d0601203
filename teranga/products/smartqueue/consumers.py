"""SmartQueue's WebSocket consumers (protocol: ``teranga.platform.realtime.consumers``:
a snapshot on connect, then seq-numbered events, ``resume`` and ``ping``).

* ``/ws/smartqueue/queues/{id}/`` (:class:`QueueConsumer`): any signed-in user, for a
  queue of a verified organisation. Personalised: the snapshot and each event carry
  ``mine``, the connected user's live tickets in the queue with their position and
  estimated wait, never anyone else's tickets. Positions are kept from the snapshot
  and the events' changes, without a query per event.
* ``/ws/smartqueue/branches/{id}/display/`` (:class:`DisplayConsumer`): the waiting-room
  board, anonymous allowed, for an active branch of a verified organisation.
* ``/ws/organizations/{id}/monitor/`` (:class:`MonitorConsumer`): live KPIs, managers and
  above, and staff (``smartqueue.stats.view``).
* ``/ws/smartqueue/admin/dashboard/`` (:class:`AdminDashboardConsumer`): platform staff.
* ``/ws/smartqueue/counters/{id}/`` (:class:`CounterConsumer`): the agent console,
  agents and above of the counter's organisation (``smartqueue.counter.operate``).

Close codes: 4401 no valid token (where one is needed), 4403 not allowed (a member
below the role, not staff), 4404 no such object, or one of another organisation (see
``OrganizationScopedConsumer``: access is checked before anything is sent, and again at
every periodic re-check).
"""

from __future__ import annotations

from channels.db import database_sync_to_async

from teranga.platform.organizations.models import Branch, Organization, VerificationStatus
from teranga.platform.realtime.consumers import OrganizationScopedConsumer, RealtimeConsumer

from . import live
from .access import COUNTER_OPERATE, STATS_VIEW
from .models import Counter, Queue
from .selectors.boards import branch_waiting, display_snapshot, organizations_summary, place
from .selectors.positions import precedes

#: What the queue's events carry for the consumer alone, never sent to a client.
QUEUE_INTERNAL = ("change", "counts", "order", "paces", "user")


class QueueConsumer(OrganizationScopedConsumer):
    """Each client's positions, kept from a snapshot and the events after it with
    constant work per event (no query): a snapshot (``live.queue_watch``) counts, for
    each of the user's waiting tickets, the listed tickets before it, as of event
    ``seq``; every later event that lists or unlists a ticket before it moves that count
    by one (``selectors.positions.precedes``), and the class counts and paces come with
    each event. Events numbered up to the snapshot's ``seq`` are already in it. When one
    of the user's own tickets changes, or the queue's order (strategy, weights) does,
    the user's tickets are read again."""

    queue = None

    @database_sync_to_async
    def _load(self):
        return (
            Queue.objects.select_related("organization", "service")
            .filter(
                pk=self.scope["url_route"]["kwargs"]["queue_id"],
                is_active=True,
                organization__verification_status=VerificationStatus.VERIFIED,
            )
            .first()
        )

    async def access_code(self) -> int | None:
        self.queue = await self._load()
        return self.close_code_for(self.queue)

    async def get_groups(self) -> list[str]:
        return [live.queue_group(self.queue.pk)]

    async def _watch_state(self) -> dict:
        watch = await database_sync_to_async(live.queue_watch)(self.queue.pk, self.user)
        if watch is None:  # deleted meanwhile: nothing of the user's to follow
            watch = {"mine": [], "seq": 0, "counts": {}, "paces": [], "order": {}}
        self._as_of = watch["seq"]
        self._mine = watch["mine"]
        self._order = watch["order"]
        self._counts = watch["counts"]
        self._paces = watch["paces"]
        return watch

    async def get_snapshot(self) -> dict:
        watch = await self._watch_state()
        snapshot = {key: watch[key] for key in ("queue", "waiting", "last_called") if key in watch}
        snapshot["mine"] = self._public_mine()
        return snapshot

    def _public_mine(self) -> list[dict]:
        return [{k: v for k, v in ticket.items() if k != "track"} for ticket in self._mine]

    def _mine_changed(self, event: dict) -> bool:
        change = event.get("change") or {}
        return (
            event.get("user") == str(self.user.pk)
            or event.get("order", self._order) != self._order
            or any(ticket["id"] == change.get("id") for ticket in self._mine)
        )

    def _apply(self, event: dict) -> None:
        """Move the user's positions by one event (numbered after the snapshot)."""
        strategy = self._order.get("strategy")
        change = event.get("change")
        if change:
            step = 1 if change["listed"] else -1
            for ticket in self._mine:
                track = ticket.get("track")
                if track is not None and precedes(strategy, change, track):
                    track["ahead"] = max(track["ahead"] + step, 0)
        self._counts = event.get("counts", self._counts)
        self._paces = event.get("paces", self._paces)
        place(self._mine, strategy, self._order.get("weights"), self._counts, self._paces)

    async def _forward(self, group: str, seq: int, event: dict, replay: bool = False) -> bool:
        """Personalise the event: the user's own tickets (``mine``) instead of what the
        consumer needs to keep them (:data:`QUEUE_INTERNAL`)."""
        if event.get("type") != "queue.changed":
            return await super()._forward(group, seq, event, replay=replay)
        if seq > self._as_of:  # not in the snapshot yet
            if self._mine_changed(event):
                await self._watch_state()  # as of this event or later
            else:
                self._as_of = seq
                self._apply(event)
        personal = {k: v for k, v in event.items() if k not in QUEUE_INTERNAL}
        personal["mine"] = self._public_mine()
        return await super()._forward(group, seq, personal, replay=replay)


class DisplayConsumer(OrganizationScopedConsumer):
    """The TV board: public information only (numbers, queue letters, counter names)."""

    allow_anonymous = True
    branch = None

    @database_sync_to_async
    def _load(self):
        return (
            Branch.objects.select_related("organization")
            .filter(
                pk=self.scope["url_route"]["kwargs"]["branch_id"],
                is_active=True,
                organization__verification_status=VerificationStatus.VERIFIED,
            )
            .first()
        )

    async def access_code(self) -> int | None:
        self.branch = await self._load()
        return self.close_code_for(self.branch)

    async def get_groups(self) -> list[str]:
        return [live.display_group(self.branch.pk)]

    async def get_snapshot(self) -> dict:
        return await database_sync_to_async(display_snapshot)(self.branch)


class MonitorConsumer(OrganizationScopedConsumer):
    organization = None

    @database_sync_to_async
    def _check(self) -> int | None:
        key = self.scope["url_route"]["kwargs"]["organization_id"]
        self.organization = Organization.objects.filter(pk=key).first()
        return self.close_code_for(self.organization, STATS_VIEW, organization=self.organization)

    async def access_code(self) -> int | None:
        return await self._check()

    async def get_groups(self) -> list[str]:
        return [live.monitor_group(self.organization.pk)]

    async def get_snapshot(self) -> dict:
        kpis = await database_sync_to_async(live.organization_kpis)(self.organization.pk)
        return {"organization": str(self.organization.pk), "kpis": kpis}


class AdminDashboardConsumer(RealtimeConsumer):
    """Platform staff only: anyone else is closed with 4403, at connect and at the
    periodic re-check (the base's ``authorize``)."""

    async def authorize(self) -> bool:
        return self.user.is_staff

    async def get_groups(self) -> list[str]:
        return [live.ADMIN_GROUP]

    async def get_snapshot(self) -> dict:
        return {"organizations": await database_sync_to_async(organizations_summary)()}


class CounterConsumer(OrganizationScopedConsumer):
    counter = None

    @database_sync_to_async
    def _check(self) -> int | None:
        key = self.scope["url_route"]["kwargs"]["counter_id"]
        self.counter = (
            Counter.objects.select_related("organization").filter(pk=key, is_active=True).first()
        )
        return self.close_code_for(self.counter, COUNTER_OPERATE)

    async def access_code(self) -> int | None:
        return await self._check()

    async def get_groups(self) -> list[str]:
        return [live.counters_group(self.counter.branch_id)]

    @database_sync_to_async
    def _snapshot(self) -> dict:
        queues = [
            {"id": q["queue_id"], "prefix": q["prefix"], "name": q["name"], "waiting": q["waiting"]}
            for q in branch_waiting(self.counter.branch_id)
        ]
        return {**live.counter_payload(self.counter), "branch_queues": queues}

    async def get_snapshot(self) -> dict:
        """The counter's state (as ``GET …/state/``) and the branch's queues (transfers)."""
        return await self._snapshot()
