"""What the live channels show: the branch board, a queue's public state and each
client's own tickets, and per-organisation summaries. (A counter's console state is
``selectors.tickets.counter_state``, the same as the REST API's.)

Every function here is a read of a few queries, whatever the number of tickets (the
positions map of :func:`queue_positions` is one query plus the cached paces).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from teranga.platform.organizations.models import Organization

from ..models import (
    ACTIVE_STATUSES,
    AT_COUNTER_STATUSES,
    AgentSession,
    Queue,
    Ticket,
    TicketStatus,
)
from .days import local_day
from .estimates import queue_paces, wait_seconds_for
from .positions import queue_order
from .tickets import ticket_live_estimate

S = TicketStatus
LAST_CALLS = 10  # the board's "last calls"
QUEUE_LAST_CALLED = 5  # a queue's last called numbers


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


# --- the branch board (public: numbers, queue letters and counter names only) ----------


def branch_waiting(branch_id) -> list[dict]:
    """Waiting tickets per active queue of the branch (parked ones set aside)."""
    waiting = Q(tickets__status=S.WAITING, tickets__parked_at__isnull=True)
    rows = (
        Queue.objects.filter(branch_id=branch_id, is_active=True)
        .annotate(waiting=Count("tickets", filter=waiting))
        .order_by("prefix")
        .values("id", "prefix", "name", "is_open", "waiting")
    )
    return [
        {
            "queue_id": str(row["id"]),
            "prefix": row["prefix"],
            "name": row["name"],
            "is_open": row["is_open"],
            "waiting": row["waiting"],
        }
        for row in rows
    ]


def display_snapshot(branch) -> dict:
    """The board of ``branch``: who is at which counter now, the last calls of the day,
    and how many wait per queue. No ticket or user ids: this is shown in public."""
    day = local_day(branch.organization)
    fields = ("display_number", "queue__prefix", "counter__name", "status", "called_at")
    current = (
        Ticket.objects.filter(branch=branch, status__in=AT_COUNTER_STATUSES)
        .order_by("-called_at")
        .values(*fields)
    )
    recent = (
        Ticket.objects.filter(branch=branch, day=day, called_at__isnull=False)
        .order_by("-called_at")
        .values(*fields)[:LAST_CALLS]
    )

    def row(values: dict) -> dict:
        return {
            "number": values["display_number"],
            "prefix": values["queue__prefix"],
            "counter": values["counter__name"] or "",
            "status": values["status"],
            "at": _iso(values["called_at"]),
        }

    return {
        "branch": {"name": branch.name, "organization": branch.organization.name},
        "current": [row(values) for values in current],
        "recent": [row(values) for values in recent],
        "queues": [
            {key: item[key] for key in ("prefix", "name", "is_open", "waiting")}
            for item in branch_waiting(branch.pk)
        ],
    }


# --- a queue: public state, positions, a client's own tickets --------------------------


def last_called(queue_id, day) -> list[str]:
    return list(
        Ticket.objects.filter(queue_id=queue_id, day=day, called_at__isnull=False)
        .order_by("-called_at")
        .values_list("display_number", flat=True)[:QUEUE_LAST_CALLED]
    )


def queue_positions(queue: Queue) -> dict[str, list[int | None]]:
    """``{ticket id: [position, estimated wait in seconds]}`` for every waiting ticket,
    computed once (one ordering query, the paces once) for all the queue's watchers; the
    wait is None while unknown (no counter open on the queue)."""
    order = queue_order(queue)
    if not order:
        return {}
    paces = queue_paces(queue)
    return {
        str(ticket_id): [index + 1, wait_seconds_for(index, paces)]
        for index, ticket_id in enumerate(order)
    }


def queue_public_state(queue: Queue) -> dict:
    """What anyone watching the queue may know (no ticket ids)."""
    day = local_day(queue.organization)
    waiting = Ticket.objects.filter(queue=queue, status=S.WAITING, parked_at__isnull=True).count()
    return {
        "queue": {
            "id": str(queue.pk),
            "name": queue.name,
            "prefix": queue.prefix,
            "is_open": queue.is_open,
        },
        "waiting": waiting,
        "last_called": last_called(queue.pk, day),
    }


def my_tickets(queue_id, user) -> list[dict]:
    """``user``'s live tickets in the queue, each with its position and estimate."""

    tickets = Ticket.objects.select_related("queue", "queue__service").filter(
        queue_id=queue_id, user=user, status__in=ACTIVE_STATUSES
    )
    mine = []
    for ticket in tickets.order_by("sort_at"):
        estimate = ticket_live_estimate(ticket)
        mine.append(
            {
                "id": str(ticket.pk),
                "number": ticket.display_number,
                "status": ticket.status,
                "parked": ticket.parked_at is not None,
                "position": estimate.position,
                "estimated_wait_seconds": estimate.wait_seconds,
            }
        )
    return mine


# --- organisations at a glance (the admin dashboard) ------------------------------------


def organizations_summary(organization_id=None) -> list[dict]:
    """Per organisation with activity: waiting, at a counter, open counters and served
    today (its local day). Four queries, whatever the number of organisations."""
    live = Ticket.objects.filter(status__in=ACTIVE_STATUSES)
    sessions = AgentSession.objects.filter(ended_at__isnull=True)
    since = timezone.now() - timedelta(hours=36)  # covers every time zone's "today"
    served = Ticket.objects.filter(status=S.SERVED, served_at__gte=since)
    if organization_id is not None:
        live = live.filter(organization_id=organization_id)
        sessions = sessions.filter(organization_id=organization_id)
        served = served.filter(organization_id=organization_id)
    rows: dict = {}

    def entry(org_id) -> dict:
        return rows.setdefault(
            org_id, {"waiting": 0, "at_counter": 0, "open_counters": 0, "served_today": 0}
        )

    for row in live.values("organization_id").annotate(
        waiting=Count("pk", filter=Q(status=S.WAITING, parked_at__isnull=True)),
        at_counter=Count("pk", filter=Q(status__in=AT_COUNTER_STATUSES)),
    ):
        item = entry(row["organization_id"])
        item["waiting"], item["at_counter"] = row["waiting"], row["at_counter"]
    for row in sessions.values("organization_id").annotate(n=Count("pk")):
        entry(row["organization_id"])["open_counters"] = row["n"]
    served_rows = list(served.values("organization_id", "day").annotate(n=Count("pk")))
    ids = set(rows) | {row["organization_id"] for row in served_rows}
    if organization_id is not None:
        ids.add(organization_id)
    organizations = {
        org.pk: org
        for org in Organization.objects.filter(pk__in=ids).only("id", "name", "time_zone")
    }
    for row in served_rows:
        org = organizations.get(row["organization_id"])
        if org is not None and row["day"] == local_day(org):
            entry(org.pk)["served_today"] += row["n"]
    result = []
    for org_id, org in sorted(organizations.items(), key=lambda item: item[1].name):
        result.append({"id": str(org_id), "name": org.name, **entry(org_id)})
    return result
