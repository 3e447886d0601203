"""SmartQueue's WebSocket consumers (protocol: ``teranga.platform.realtime.consumers``:
a snapshot on connect, then seq-numbered events, ``resume`` and ``ping``).

* ``/ws/smartqueue/queues/{id}/`` (:class:`QueueConsumer`): any signed-in user, for a
  queue of a verified organisation. Personalised: the snapshot and each event carry
  ``mine``, the connected user's live tickets in the queue with their position and
  estimated wait, never anyone else's tickets.
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
from .selectors.boards import (
    branch_waiting,
    display_snapshot,
    my_tickets,
    organizations_summary,
    queue_public_state,
)


class QueueConsumer(OrganizationScopedConsumer):
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

    @database_sync_to_async
    def _state(self) -> tuple[dict, list[dict]]:
        return queue_public_state(self.queue), my_tickets(self.queue.pk, self.user)

    async def get_snapshot(self) -> dict:
        state, self._mine = await self._state()
        return {**state, "mine": self._mine}

    @database_sync_to_async
    def _my_tickets(self) -> list[dict]:
        return my_tickets(self.queue.pk, self.user)

    async def _forward(self, group: str, seq: int, event: dict, replay: bool = False) -> bool:
        """Strip the positions of everyone else: keep only the user's own tickets."""
        if event.get("type") != "queue.changed":
            return await super()._forward(group, seq, event, replay=replay)
        if event.get("user") == str(self.user.pk):  # one of mine changed: reload them
            self._mine = await self._my_tickets()
        positions = event.get("positions") or {}
        mine = []
        for ticket in getattr(self, "_mine", []):
            ticket = dict(ticket)
            if ticket["status"] == "waiting" and not ticket.get("parked"):
                position, wait = positions.get(ticket["id"], (0, 0))
                ticket["position"], ticket["estimated_wait_seconds"] = position, wait
            mine.append(ticket)
        self._mine = mine
        personal = {k: v for k, v in event.items() if k not in ("positions", "user")}
        personal["mine"] = mine
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
