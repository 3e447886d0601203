"""Ticket types and shared quotas: the organiser's staff (``campus.events.manage``) add,
change and remove them.

* **Kinds.** ``free``: price 0, no tiers. ``paid``: a price within the currency's limits
  (:data:`PRICE_LIMITS`). ``tiered``: ``tiers`` ``[{"up_to": n, "price": p}, …]`` with
  strictly increasing ``up_to`` (at most the quota), each price within the limits; the
  next seat costs the first tier with ``sold < up_to``, else ``price``.
* **Quotas.** A quota never goes below the seats taken (409 ``quota_below_taken``); a
  shared quota's size neither. A shared quota's ticket types cannot change once it holds
  seats (409 ``quota_in_use``).
* **Removal.** Only a type that never held a seat (no order line) is deleted; otherwise
  409 ``ticket_type_in_use`` (deactivate it instead: ``is_active=false``).
* ``Event.price_from`` (the lowest price of the active types) is kept in the same
  transaction as every change.

Rows are locked event first, then the type or quota (as the seats are taken).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, NotFound, ValidationFailed
from teranga.core.money import Money
from teranga.core.validators import parse_uuid

from ..errors import CampusError
from ..models import (
    Event,
    EventStatus,
    OrderLine,
    SharedQuota,
    TicketKind,
    TicketType,
)
from ..selectors.access import event_for_staff

MANAGE = "campus.events.manage"
#: Price limits per currency, in minor units (0 only for a free type).
PRICE_LIMITS: dict[str, tuple[int, int]] = {
    "XOF": (100, 5_000_000),  # 100 F CFA to 5 million F CFA
    "EUR": (100, 1_000_000),  # 1 € to 10 000 €
}
#: At most this many price tiers on one type.
MAX_TIERS = 10
TYPE_FIELDS = (
    "name",
    "description",
    "kind",
    "price",
    "tiers",
    "quota",
    "max_per_order",
    "sales_start",
    "sales_end",
    "is_active",
    "position",
)


# --- Prices ---------------------------------------------------------------------------------


def unit_price(ticket_type: TicketType, *, sold: int | None = None) -> int:
    """The price of the next seat: for a tiered type, the first tier with ``sold <
    up_to``, else ``price``."""
    if ticket_type.kind == TicketKind.FREE:
        return 0
    if ticket_type.kind == TicketKind.TIERED:
        count = ticket_type.sold if sold is None else sold
        for tier in ticket_type.tiers or ():
            if count < int(tier["up_to"]):
                return int(tier["price"])
    return int(ticket_type.price)


def _lowest_price(ticket_type: TicketType) -> int:
    prices = [int(ticket_type.price)] if ticket_type.kind != TicketKind.FREE else [0]
    if ticket_type.kind == TicketKind.TIERED:
        prices += [int(tier["price"]) for tier in ticket_type.tiers or ()]
    return min(prices)


def price_from_refresh(event_id) -> None:
    """``Event.price_from``: the lowest price of the event's active types (None: none)."""
    lowest = None
    for ticket_type in TicketType.objects.filter(event_id=event_id, is_active=True):
        price = _lowest_price(ticket_type)
        lowest = price if lowest is None else min(lowest, price)
    Event.objects.filter(pk=event_id).update(price_from=lowest)


def _price_error(field: str, currency: str) -> ValidationFailed:
    low, high = PRICE_LIMITS.get(currency, (100, 5_000_000))
    message = _("The price must be between %(min)s and %(max)s.") % {
        "min": Money(low, currency).format(),
        "max": Money(high, currency).format(),
    }
    return ValidationFailed(message, code=CampusError.PRICE_OUT_OF_RANGE, fields={field: [message]})


def _check_price(amount: int, currency: str, field: str) -> None:
    low, high = PRICE_LIMITS.get(currency, (100, 5_000_000))
    if not low <= int(amount) <= high:
        raise _price_error(field, currency)


def _tiers_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, code=CampusError.INVALID_TIERS, fields={"tiers": [message]})


def _check_pricing(values: dict[str, Any], currency: str) -> None:
    """The kind, price and tiers agree (and the tiers fit the quota)."""
    kind = values["kind"]
    tiers = values.get("tiers") or []
    if kind == TicketKind.FREE:
        if values.get("price"):
            message = _("A free ticket type has no price.")
            raise ValidationFailed(message, fields={"price": [message]})
        if tiers:
            raise _tiers_error(_("Only a tiered ticket type has price tiers."))
        return
    _check_price(values.get("price") or 0, currency, "price")
    if kind == TicketKind.PAID:
        if tiers:
            raise _tiers_error(_("Only a tiered ticket type has price tiers."))
        return
    if not tiers:
        raise _tiers_error(_("A tiered ticket type needs at least one tier."))
    if len(tiers) > MAX_TIERS:
        raise _tiers_error(_("At most %(count)d tiers.") % {"count": MAX_TIERS})
    previous = 0
    for tier in tiers:
        if int(tier["up_to"]) <= previous:
            raise _tiers_error(_("Each tier's “up_to” must be greater than the previous one."))
        previous = int(tier["up_to"])
        _check_price(tier["price"], currency, "tiers")
    if previous > int(values["quota"]):
        raise _tiers_error(_("The last tier's “up_to” cannot exceed the quota."))


def _check_window(values: dict[str, Any], event: Event) -> None:
    start, end = values.get("sales_start"), values.get("sales_end")
    if start and end and end <= start:
        message = _("The sales must end after they start.")
        raise ValidationFailed(message, fields={"sales_end": [message]})
    if end and end > event.ends_at:
        message = _("The sales cannot end after the event.")
        raise ValidationFailed(message, fields={"sales_end": [message]})


def _check_event_open(event: Event) -> None:
    if event.status in (EventStatus.CANCELLED, EventStatus.FINISHED):
        raise Conflict(
            _("This event is cancelled or over: its tickets cannot change."),
            code=CampusError.EVENT_CANCELLED,
        )


# --- Ticket types ---------------------------------------------------------------------------


def _type_for_staff(*, user, ticket_type_id, lock: bool = False) -> TicketType:
    key = parse_uuid(ticket_type_id)
    found = (
        TicketType.objects.filter(pk=key).values_list("event_id", flat=True).first()
        if key
        else None
    )
    if found is None:
        raise NotFound(_("No such ticket type."), code=CampusError.TICKET_TYPE_NOT_FOUND)
    try:
        event = event_for_staff(user=user, event_id=found, action=MANAGE, lock=lock)
    except NotFound:
        raise NotFound(_("No such ticket type."), code=CampusError.TICKET_TYPE_NOT_FOUND) from None
    queryset = TicketType.objects.all()
    if lock:
        queryset = queryset.select_for_update()
    ticket_type = queryset.get(pk=key)
    ticket_type.event = event
    return ticket_type


@transaction.atomic
def ticket_type_create(*, user, event_id, data: dict[str, Any]) -> TicketType:
    """A new ticket type of the event (staff). ``data``: the validated fields."""
    event = event_for_staff(user=user, event_id=event_id, action=MANAGE, lock=True)
    _check_event_open(event)
    values = {field: data[field] for field in TYPE_FIELDS if field in data}
    values.setdefault("tiers", [])
    if values["kind"] == TicketKind.FREE:
        values.setdefault("price", 0)
    _check_pricing(values, event.currency)
    _check_window(values, event)
    ticket_type = TicketType.objects.create(
        event=event, organization_id=event.organization_id, currency=event.currency, **values
    )
    price_from_refresh(event.pk)
    ticket_type.event = event
    return ticket_type


@transaction.atomic
def ticket_type_update(*, user, ticket_type_id, data: dict[str, Any]) -> TicketType:
    """Change a ticket type (staff). The quota never goes below the seats taken."""
    ticket_type = _type_for_staff(user=user, ticket_type_id=ticket_type_id, lock=True)
    event = ticket_type.event
    _check_event_open(event)
    values = {field: getattr(ticket_type, field) for field in TYPE_FIELDS}
    changes = {field: data[field] for field in TYPE_FIELDS if field in data}
    values.update(changes)
    if changes.get("kind") == TicketKind.FREE and "price" not in changes:
        values["price"] = 0
    if values["kind"] != TicketKind.TIERED and "tiers" not in changes:
        values["tiers"] = []
    if values["kind"] != ticket_type.kind and ticket_type.taken:
        raise Conflict(
            _("The kind of a ticket type cannot change once seats are taken."),
            code=CampusError.TICKET_TYPE_IN_USE,
        )
    _check_pricing(values, event.currency)
    _check_window(values, event)
    if int(values["quota"]) < ticket_type.taken:
        message = _("The quota cannot be below the %(count)d seats already taken.") % {
            "count": ticket_type.taken
        }
        raise Conflict(message, code=CampusError.QUOTA_BELOW_TAKEN, fields={"quota": [message]})
    for field, value in values.items():
        setattr(ticket_type, field, value)
    ticket_type.save()
    price_from_refresh(event.pk)
    return ticket_type


@transaction.atomic
def ticket_type_delete(*, user, ticket_type_id) -> None:
    """Remove a ticket type that never held a seat (staff)."""
    ticket_type = _type_for_staff(user=user, ticket_type_id=ticket_type_id, lock=True)
    if ticket_type.taken or OrderLine.objects.filter(ticket_type=ticket_type).exists():
        raise Conflict(
            _("Seats of this ticket type were held or sold: deactivate it instead."),
            code=CampusError.TICKET_TYPE_IN_USE,
        )
    event_id = ticket_type.event_id
    ticket_type.delete()
    price_from_refresh(event_id)


# --- Shared quotas --------------------------------------------------------------------------


def _quota_for_staff(*, user, quota_id) -> SharedQuota:
    key = parse_uuid(quota_id)
    event_id = (
        SharedQuota.objects.filter(pk=key).values_list("event_id", flat=True).first()
        if key
        else None
    )
    if event_id is None:
        raise NotFound(_("No such shared quota."), code=CampusError.QUOTA_NOT_FOUND)
    try:
        event = event_for_staff(user=user, event_id=event_id, action=MANAGE, lock=True)
    except NotFound:
        raise NotFound(_("No such shared quota."), code=CampusError.QUOTA_NOT_FOUND) from None
    quota = SharedQuota.objects.select_for_update().get(pk=key)
    quota.event = event
    return quota


def _event_types(event: Event, type_ids) -> list[TicketType]:
    wanted = {parse_uuid(str(value)) for value in type_ids}
    found = list(TicketType.objects.filter(event=event, pk__in=[k for k in wanted if k]))
    if len(found) != len(wanted):
        message = _("Every ticket type must belong to this event.")
        raise ValidationFailed(message, fields={"ticket_types": [message]})
    return found


def _check_size(size: int, taken: int) -> None:
    if size < taken:
        message = _("The size cannot be below the %(count)d seats already taken.") % {
            "count": taken
        }
        raise Conflict(message, code=CampusError.QUOTA_BELOW_TAKEN, fields={"size": [message]})


@transaction.atomic
def quota_create(*, user, event_id, data: dict[str, Any]) -> SharedQuota:
    """A quota shared by some of the event's ticket types; it counts the seats they
    already hold."""
    event = event_for_staff(user=user, event_id=event_id, action=MANAGE, lock=True)
    _check_event_open(event)
    types = _event_types(event, data["ticket_types"])
    taken = (
        TicketType.objects.select_for_update()
        .filter(pk__in=[t.pk for t in types])
        .aggregate(total=Sum("taken"))["total"]
        or 0
    )
    _check_size(int(data["size"]), taken)
    quota = SharedQuota.objects.create(
        event=event, name=data["name"], size=data["size"], taken=taken
    )
    quota.ticket_types.set(types)
    quota.event = event
    return quota


@transaction.atomic
def quota_update(*, user, quota_id, data: dict[str, Any]) -> SharedQuota:
    quota = _quota_for_staff(user=user, quota_id=quota_id)
    _check_event_open(quota.event)
    if "name" in data:
        quota.name = data["name"]
    if "size" in data:
        _check_size(int(data["size"]), quota.taken)
        quota.size = data["size"]
    if "ticket_types" in data:
        types = _event_types(quota.event, data["ticket_types"])
        current = set(quota.ticket_types.values_list("pk", flat=True))
        if {t.pk for t in types} != current:
            if quota.taken:
                raise Conflict(
                    _("The ticket types of a quota cannot change once it holds seats."),
                    code=CampusError.QUOTA_IN_USE,
                )
            quota.ticket_types.set(types)
    quota.save()
    return quota


@transaction.atomic
def quota_delete(*, user, quota_id) -> None:
    quota = _quota_for_staff(user=user, quota_id=quota_id)
    if quota.taken:
        raise Conflict(
            _("This quota holds seats: it cannot be removed."), code=CampusError.QUOTA_IN_USE
        )
    quota.delete()
