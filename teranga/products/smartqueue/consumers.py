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
below the role, not staff), 4404 no such object, or one of another organisation.
"""

from __future__ import annotations

from channels.db import database_sync_to_async

from teranga.platform.organizations.access import decide, membership_of
from teranga.platform.organizations.models import Branch, Organization, VerificationStatus
from teranga.platform.realtime.auth import BEARER_SUBPROTOCOL
from teranga.platform.realtime.consumers import CLOSE_FORBIDDEN, RealtimeConsumer

from . import live
from .access import COUNTER_OPERATE, STATS_VIEW
from .models import Counter, Queue

CLOSE_NOT_FOUND = 4404


def _verdict_code(user, organization, action: str) -> int | None:
    verdict = decide(user, organization, action, membership_of(user, organization))
    return {"hide": CLOSE_NOT_FOUND, "forbid": CLOSE_FORBIDDEN}.get(verdict)


class SmartQueueConsumer(RealtimeConsumer):
    """Checks access once before the base consumer sets up (404-like 4404 or 4403),
    and again at every periodic re-check."""

    async def access_code(self) -> int | None:
        """``None`` when the connection may go on, else the close code."""
        return None

    async def connect(self):
        self.user = self.scope.get("user")
        if self.authenticated or self.allow_anonymous:
            code = await self.access_code()
            if code is not None:
                subprotocols = self.scope.get("subprotocols", [])
                await self.accept(
                    subprotocol=BEARER_SUBPROTOCOL if BEARER_SUBPROTOCOL in subprotocols else None
                )
                await self.close(code=code)
                return
            self._checked = True
        await super().connect()

    async def authorize(self) -> bool:
        if getattr(self, "_checked", False):  # checked a moment ago, in connect()
            self._checked = False
            return True
        return await self.access_code() is None

    async def still_authorized(self) -> bool:
        return await self.access_code() is None


class QueueConsumer(SmartQueueConsumer):
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
        return CLOSE_NOT_FOUND if self.queue is None else None

    async def get_groups(self) -> list[str]:
        return [live.queue_group(self.queue.pk)]

    @database_sync_to_async
    def _state(self) -> tuple[dict, list[dict]]:
        from .selectors.boards import my_tickets, queue_public_state

        return queue_public_state(self.queue), my_tickets(self.queue.pk, self.user)

    async def get_snapshot(self) -> dict:
        state, self._mine = await self._state()
        return {**state, "mine": self._mine}

    @database_sync_to_async
    def _my_tickets(self) -> list[dict]:
        from .selectors.boards import my_tickets

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


class DisplayConsumer(SmartQueueConsumer):
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
        return CLOSE_NOT_FOUND if self.branch is None else None

    async def get_groups(self) -> list[str]:
        return [live.display_group(self.branch.pk)]

    async def get_snapshot(self) -> dict:
        from .selectors.boards import display_snapshot

        return await database_sync_to_async(display_snapshot)(self.branch)


class MonitorConsumer(SmartQueueConsumer):
    organization = None

    @database_sync_to_async
    def _check(self) -> int | None:
        key = self.scope["url_route"]["kwargs"]["organization_id"]
        self.organization = Organization.objects.filter(pk=key).first()
        if self.organization is None:
            return CLOSE_NOT_FOUND
        return _verdict_code(self.user, self.organization, STATS_VIEW)

    async def access_code(self) -> int | None:
        return await self._check()

    async def get_groups(self) -> list[str]:
        return [live.monitor_group(self.organization.pk)]

    async def get_snapshot(self) -> dict:
        kpis = await database_sync_to_async(live.organization_kpis)(self.organization.pk)
        return {"organization": str(self.organization.pk), "kpis": kpis}


class AdminDashboardConsumer(SmartQueueConsumer):
    async def access_code(self) -> int | None:
        return None if self.user.is_staff else CLOSE_FORBIDDEN

    async def get_groups(self) -> list[str]:
        return [live.ADMIN_GROUP]

    async def get_snapshot(self) -> dict:
        from .selectors.boards import organizations_summary

        return {"organizations": await database_sync_to_async(organizations_summary)()}


class CounterConsumer(SmartQueueConsumer):
    counter = None

    @database_sync_to_async
    def _check(self) -> int | None:
        key = self.scope["url_route"]["kwargs"]["counter_id"]
        self.counter = (
            Counter.objects.select_related("organization").filter(pk=key, is_active=True).first()
        )
        if self.counter is None:
            return CLOSE_NOT_FOUND
        return _verdict_code(self.user, self.counter.organization, COUNTER_OPERATE)

    async def access_code(self) -> int | None:
        return await self._check()

    async def get_groups(self) -> list[str]:
        return [live.counters_group(self.counter.branch_id)]

    @database_sync_to_async
    def _snapshot(self) -> dict:
        from .selectors.boards import branch_waiting

        queues = [
            {"id": q["queue_id"], "prefix": q["prefix"], "name": q["name"], "waiting": q["waiting"]}
            for q in branch_waiting(self.counter.branch_id)
        ]
        return {**live.counter_payload(self.counter), "branch_queues": queues}

    async def get_snapshot(self) -> dict:
        """The counter's state (as ``GET …/state/``) and the branch's queues (transfers)."""
        return await self._snapshot()
