"""Reads of ticket types, shared quotas, orders and tickets, access-checked.

* Ticket types of an event: its staff (``campus.events.view``) see every type with its
  counters; anyone who may see the event sees the active ones.
* Orders and tickets: the buyer's own orders, the holder's own tickets (anyone else:
  404); the organiser's staff (``campus.orders.view``) list an event's orders.
* The ticket page reads a ticket by its code (the code is the bearer's proof).

Every list loads what its serializer reads in a fixed number of queries.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from teranga.core.errors import Forbidden, NotFound
from teranga.core.validators import parse_uuid

from ..errors import CampusError
from ..models import Event, Order, OrderLine, SharedQuota, Ticket, TicketType
from .access import event_for_staff, event_for_viewer

EVENTS_VIEW = "campus.events.view"
EVENTS_MANAGE = "campus.events.manage"
ORDERS_VIEW = "campus.orders.view"


def ticket_types_of_event(*, user, event_id) -> tuple[Event, QuerySet[TicketType], bool]:
    """The event, its ticket types as ``user`` may see them, and whether ``user`` sees
    them as staff (every type, with counters)."""
    if user is not None and user.is_authenticated:
        try:
            event = event_for_staff(user=user, event_id=event_id, action=EVENTS_VIEW)
        except (NotFound, Forbidden):
            event = None
        if event is not None:
            types = TicketType.objects.filter(event=event).prefetch_related("shared_quotas")
            return event, types, True
    event = event_for_viewer(user=user, event_id=event_id)
    types = TicketType.objects.filter(event=event, is_active=True).prefetch_related("shared_quotas")
    return event, types, False


def quotas_of_event(*, user, event_id) -> tuple[Event, QuerySet[SharedQuota]]:
    event = event_for_staff(user=user, event_id=event_id, action=EVENTS_MANAGE)
    return event, SharedQuota.objects.filter(event=event).prefetch_related("ticket_types")


def _orders() -> QuerySet[Order]:
    return Order.objects.select_related("event", "buyer").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("ticket_type")),
        Prefetch("tickets", queryset=Ticket.objects.only("id", "order_id", "status", "code")),
    )


def orders_of_buyer(*, user, event_id=None, status=None) -> QuerySet[Order]:
    orders = _orders().filter(buyer=user).order_by("-created_at", "-id")
    if event_id:
        orders = orders.filter(event_id=event_id)
    if status:
        orders = orders.filter(status=status)
    return orders


def order_for_buyer(*, user, order_id) -> Order:
    key = parse_uuid(order_id)
    order = _orders().filter(pk=key, buyer=user).first() if key else None
    if order is None:
        raise NotFound(_("No such order."), code=CampusError.ORDER_NOT_FOUND)
    return order


def orders_of_event(*, user, event_id, status=None) -> QuerySet[Order]:
    event = event_for_staff(user=user, event_id=event_id, action=ORDERS_VIEW)
    orders = _orders().filter(event=event).order_by("-created_at", "-id")
    if status:
        orders = orders.filter(status=status)
    return orders


def _tickets() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("event__organization", "ticket_type", "holder")


def tickets_of_holder(*, user, event_id=None, status=None) -> QuerySet[Ticket]:
    tickets = _tickets().filter(holder=user).order_by("-created_at", "-id")
    if event_id:
        tickets = tickets.filter(event_id=event_id)
    if status:
        tickets = tickets.filter(status=status)
    return tickets


def ticket_for_holder(*, user, ticket_id) -> Ticket:
    key = parse_uuid(ticket_id)
    ticket = _tickets().filter(pk=key, holder=user).first() if key else None
    if ticket is None:
        raise NotFound(_("No such ticket."), code=CampusError.TICKET_NOT_FOUND)
    return ticket


def ticket_by_code(*, code: str) -> Ticket | None:
    """The ticket whose current code is ``code`` (a transferred ticket's old code finds
    nothing)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 32:
        return None
    return _tickets().filter(code=code).first()


# --- The ticket's link page (``object_link("campus.ticket", id)``) ----------------------------


def ticket_link_target(user, ticket_id) -> Ticket:
    """The ticket of a link, for its holder only (the link kind's summary)."""
    return ticket_for_holder(user=user, ticket_id=ticket_id)


def ticket_link_rows(ticket: Ticket) -> list[tuple]:
    from teranga.core.links import local_time_text

    event = ticket.event
    return [
        (_("Event"), event.title),
        (_("Date"), local_time_text(event.starts_at, event.time_zone)),
        (_("Ticket"), ticket.ticket_type.name),
        (_("Status"), ticket.get_status_display()),
    ]
