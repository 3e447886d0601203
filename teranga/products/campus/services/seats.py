"""Seats: taken and given back with conditional ``UPDATE``s, never oversold.

Every counter that limits a sale has a ``taken`` beside its limit (the event's
``capacity``, each shared quota's ``size``, the ticket type's ``quota``). Taking ``n``
seats is one ``UPDATE … SET taken = taken + n WHERE taken + n <= limit`` per counter, in
one fixed order — the event, the shared quotas by id, the ticket types by id — inside
the caller's transaction. When one of them matches no row the seats are not there: 409
``sold_out``, and the caller's transaction rolls back what the earlier ones took. The
check constraints on the three models back each rule, so the last seat can never be
taken twice, on SQLite (one writer) as on PostgreSQL (the row lock of the ``UPDATE``,
re-evaluated after a concurrent commit).

The event's ``UPDATE`` also requires the event to be on sale (published), so an order
racing an event's cancellation waits for it and then finds the event closed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db.models import F, Q
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict

from ..errors import CampusError
from ..models import Event, EventStatus, SharedQuota, TicketType


class SeatsUnavailable(Conflict):
    """409 ``sold_out`` (or ``event_cancelled`` when the event stopped selling)."""


def _sold_out() -> SeatsUnavailable:
    return SeatsUnavailable(
        _("Not enough seats are left for this order."), code=CampusError.SOLD_OUT
    )


def _quota_counts(counts: Mapping) -> dict:
    """Seats per shared quota for ``counts`` (seats per ticket type id)."""
    through = SharedQuota.ticket_types.through
    per_quota: dict = defaultdict(int)
    for quota_id, type_id in through.objects.filter(tickettype_id__in=list(counts)).values_list(
        "sharedquota_id", "tickettype_id"
    ):
        per_quota[quota_id] += counts[type_id]
    return per_quota


def seats_take(*, event_id, counts: Mapping) -> None:
    """Take ``counts`` seats (``{ticket_type_id: n}``, the types of ``event_id``) in the
    fixed order, or raise 409 ``sold_out``. Call inside the order's transaction."""
    counts = {key: int(n) for key, n in counts.items() if n > 0}
    total = sum(counts.values())
    if not total:
        return
    taken = Event.objects.filter(pk=event_id, status=EventStatus.PUBLISHED).filter(
        Q(capacity__isnull=True) | Q(capacity__gte=F("taken") + total)
    )
    if not taken.update(taken=F("taken") + total):
        status = Event.objects.filter(pk=event_id).values_list("status", flat=True).first()
        if status != EventStatus.PUBLISHED:
            raise SeatsUnavailable(
                _("This event is not on sale."), code=CampusError.EVENT_CANCELLED
            )
        raise _sold_out()
    for quota_id, n in sorted(_quota_counts(counts).items(), key=lambda item: str(item[0])):
        if not SharedQuota.objects.filter(pk=quota_id, size__gte=F("taken") + n).update(
            taken=F("taken") + n
        ):
            raise _sold_out()
    for type_id, n in sorted(counts.items(), key=lambda item: str(item[0])):
        if not TicketType.objects.filter(pk=type_id, quota__gte=F("taken") + n).update(
            taken=F("taken") + n
        ):
            raise _sold_out()


def seats_give_back(*, event_id, counts: Mapping, sold: bool = False) -> None:
    """Give back ``counts`` seats (``{ticket_type_id: n}``) in the same order. ``sold``:
    they were sold (tickets refunded): the ``sold`` counters go down with them."""
    counts = {key: int(n) for key, n in counts.items() if n > 0}
    total = sum(counts.values())
    if not total:
        return
    event_changes = {"taken": F("taken") - total}
    if sold:
        event_changes["sold_count"] = F("sold_count") - total
    Event.objects.filter(pk=event_id).update(**event_changes)
    for quota_id, n in sorted(_quota_counts(counts).items(), key=lambda item: str(item[0])):
        SharedQuota.objects.filter(pk=quota_id).update(taken=F("taken") - n)
    for type_id, n in sorted(counts.items(), key=lambda item: str(item[0])):
        changes = {"taken": F("taken") - n}
        if sold:
            changes["sold"] = F("sold") - n
        TicketType.objects.filter(pk=type_id).update(**changes)


def seats_sold(*, event_id, counts: Mapping) -> None:
    """Seats already taken are now sold (tickets issued): the ``sold`` counters."""
    counts = {key: int(n) for key, n in counts.items() if n > 0}
    total = sum(counts.values())
    if not total:
        return
    Event.objects.filter(pk=event_id).update(sold_count=F("sold_count") + total)
    for type_id, n in sorted(counts.items(), key=lambda item: str(item[0])):
        TicketType.objects.filter(pk=type_id).update(sold=F("sold") + n)


def counts_of(lines: Iterable) -> dict:
    """``{ticket_type_id: quantity}`` of order lines."""
    counts: dict = defaultdict(int)
    for line in lines:
        counts[line.ticket_type_id] += line.quantity
    return dict(counts)
