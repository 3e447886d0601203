"""What the live channels show: the branch board, a queue's public state and each
client's own tickets, and per-organisation summaries. (A counter's console state is
``selectors.tickets.counter_state``, the same as the REST API's.)

Every function here is a read of a few queries, whatever the number of tickets.
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
    Strategy,
    Ticket,
    TicketStatus,
)
from ..strategies import weighted_position
from .days import local_day
from .estimates import wait_seconds_for
from .positions import comes_before, listed_tickets, ticket_order_key

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


def my_tickets(queue: Queue, user, *, counts: dict, paces: list) -> list[dict]:
    """``user``'s live tickets in the queue, each with its position in the *listed* view
    (what the queue's watchers were told: ``selectors.positions``) and its estimate from
    ``paces``; ``counts`` is the listed view's number per class. A waiting ticket also
    carries ``track``, what the queue consumer needs to move it with the events: its
    class, rank, order key and how many listed tickets come before it. Two queries per
    ticket at most, whatever the length of the queue."""
    tickets = Ticket.objects.filter(queue_id=queue.pk, user=user, status__in=ACTIVE_STATUSES)
    listed = listed_tickets(queue.pk)
    mine = []
    for ticket in tickets.order_by("sort_at"):
        item = {
            "id": str(ticket.pk),
            "number": ticket.display_number,
            "status": ticket.status,
            "parked": ticket.parked_at is not None,
            "position": 0,
            "estimated_wait_seconds": 0,
        }
        if ticket.status == S.WAITING and ticket.parked_at is None:
            before = comes_before(ticket, queue.strategy)
            ahead = listed.exclude(pk=ticket.pk).filter(before).count()
            item["track"] = {
                "class": ticket.ticket_class,
                "rank": ticket.class_rank,
                "key": ticket_order_key(ticket, Strategy.FIFO),
                "ahead": ahead,
            }
        mine.append(item)
    return place(mine, queue.strategy, queue.weights, counts, paces)


def place(mine: list[dict], strategy: str, weights, counts: dict, paces: list) -> list[dict]:
    """Set the position and estimate of each tracked ticket of ``mine`` from its count of
    tickets ahead (and, under the weighted strategy, the ``counts`` per class)."""
    for item in mine:
        track = item.get("track")
        if track is None:
            continue
        position = track["ahead"] + 1
        if strategy == Strategy.WEIGHTED:
            # Not listed yet (its own event is on its way): counted as if it were.
            own = {track["class"]: max(counts.get(track["class"], 0), track["ahead"] + 1)}
            position = weighted_position(track["ahead"], track["class"], {**counts, **own}, weights)
        item["position"] = position
        item["estimated_wait_seconds"] = wait_seconds_for(position - 1, paces)
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
