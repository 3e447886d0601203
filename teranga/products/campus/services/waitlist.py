"""The waiting list: students wait for a sold-out ticket type; a freed seat is offered to
the first one, held for them (``OFFER_MINUTES``) while they accept it.

* :func:`waitlist_join` — only when the type is sold out (its quota, the event's
  capacity or one of its shared quotas is full): 409 ``not_sold_out`` otherwise; one open
  (waiting or offered) entry per student and type (409 ``already_waiting``, backed by the
  unique constraint ``campus_wait_open_once``).
* :func:`waitlist_seats_freed` — called by the tickets code inside the transaction that
  frees seats, before it gives them back: the oldest waiting entries are locked (``SELECT
  … FOR UPDATE SKIP LOCKED`` on PostgreSQL: two transactions freeing seats at once never
  offer the same entry twice) and offered; the seats they hold stay taken.
* An offer is a held order (``teranga.core.holds``, kind ``campus.waitlist_offer``):
  when it lapses, :func:`waitlist_offer_expire` marks it expired and passes the seat on
  (to the next waiting entry, else back on sale). Leaving while offered does the same.
* ``services.offers.waitlist_offer_accept`` — the offered student makes an order with the held seat
  (``services.orders.order_create(..., offer=entry)``, which marks the entry accepted).

Seats go back on sale through ``services.seats.seats_give_back`` (the tickets part's).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.db import integrity_constraint
from teranga.core.errors import Conflict, Gone, NotFound
from teranga.core.holds import HeldOrderKind, hold_until
from teranga.core.links import object_link
from teranga.core.validators import parse_uuid
from teranga.platform.notifications.services import notification_send

from ..errors import CampusError
from ..models import (
    Event,
    EventStatus,
    SharedQuota,
    TicketType,
    WaitingListEntry,
    WaitingStatus,
)
from ..models.tickets import OFFER_MINUTES
from ..selectors.access import event_for_viewer
from ..waitlist_notices import WAITLIST_ENTRY_LINK, WAITLIST_OFFER
from .seats import seats_give_back

logger = logging.getLogger(__name__)

#: Entries still on the list (the unique constraint's statuses).
OPEN_STATUSES = (WaitingStatus.WAITING, WaitingStatus.OFFERED)
#: The held-order kind of an offer.
WAITLIST_OFFER_KIND = "campus.waitlist_offer"


def _already_waiting() -> Conflict:
    return Conflict(
        _("You are already on the waiting list for this ticket type."),
        code=CampusError.ALREADY_WAITING,
    )


def _offer_expired() -> Gone:
    return Gone(
        _("This offer has expired: the seat went to the next person waiting."),
        code=CampusError.OFFER_EXPIRED,
    )


# --- Sold out ------------------------------------------------------------------------------


def ticket_type_sold_out(ticket_type: TicketType, event: Event) -> bool:
    """No seat of ``ticket_type`` can be sold now: its quota, the event's capacity or one
    of its shared quotas is full (seats held by carts and offers count as taken)."""
    if ticket_type.taken >= ticket_type.quota:
        return True
    if event.capacity is not None and event.taken >= event.capacity:
        return True
    return SharedQuota.objects.filter(ticket_types=ticket_type, taken__gte=F("size")).exists()


def _open_for_waiting(event: Event, now: datetime) -> bool:
    return event.status == EventStatus.PUBLISHED and event.starts_at > now


# --- Join, leave ---------------------------------------------------------------------------


@transaction.atomic
def waitlist_join(*, user, event_id, ticket_type_id, now: datetime | None = None):
    """Put ``user`` on the waiting list of ``ticket_type_id`` of the event ``event_id``
    (which they may see: else 404 ``event_not_found``)."""
    now = now or timezone.now()
    event = event_for_viewer(user=user, event_id=event_id)
    if event.status == EventStatus.CANCELLED:
        raise Conflict(_("This event is cancelled."), code=CampusError.EVENT_CANCELLED)
    if event.status != EventStatus.PUBLISHED:
        raise Conflict(_("This event is not on sale."), code=CampusError.EVENT_NOT_PUBLISHED)
    if event.starts_at <= now:
        raise Conflict(_("This event has already started."), code=CampusError.EVENT_STARTED)
    key = parse_uuid(ticket_type_id)
    ticket_type = (
        TicketType.objects.filter(pk=key, event=event, is_active=True).first() if key else None
    )
    if ticket_type is None:
        raise NotFound(_("No such ticket type."), code=CampusError.TICKET_TYPE_NOT_FOUND)
    if not ticket_type_sold_out(ticket_type, event):
        raise Conflict(
            _("Seats of this ticket type are still on sale: get a ticket instead."),
            code=CampusError.NOT_SOLD_OUT,
        )
    if WaitingListEntry.objects.filter(
        user=user, ticket_type=ticket_type, status__in=OPEN_STATUSES
    ).exists():
        raise _already_waiting()
    try:
        with transaction.atomic():
            entry = WaitingListEntry.objects.create(event=event, ticket_type=ticket_type, user=user)
    except IntegrityError as exc:  # a twin request got there first
        if integrity_constraint(exc, WaitingListEntry) == "campus_wait_open_once":
            raise _already_waiting() from None
        raise
    entry.event, entry.ticket_type = event, ticket_type
    return entry


def _entry_of(user, entry_id, *, lock: bool = False) -> WaitingListEntry:
    key = parse_uuid(entry_id)
    queryset = WaitingListEntry.objects.select_related("event", "ticket_type")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    entry = queryset.filter(pk=key, user=user).first() if key else None
    if entry is None:
        raise NotFound(_("No such waiting-list entry."), code=CampusError.WAITING_ENTRY_NOT_FOUND)
    return entry


@transaction.atomic
def waitlist_leave(*, user, entry_id, now: datetime | None = None) -> WaitingListEntry:
    """``user`` leaves the list. An offered entry's held seat goes to the next one
    waiting (else back on sale). 409 ``waiting_entry_closed`` for an entry that is no
    longer on the list; another user's entry is 404."""
    now = now or timezone.now()
    entry = _entry_of(user, entry_id, lock=True)
    if entry.status not in OPEN_STATUSES:
        raise Conflict(
            _("This entry is no longer on the waiting list."),
            code=CampusError.WAITING_ENTRY_CLOSED,
        )
    was_offered = entry.status == WaitingStatus.OFFERED
    entry.status = WaitingStatus.LEFT
    entry.closed_at = now
    entry.save(update_fields=["status", "closed_at", "updated_at"])
    if was_offered:
        _seat_pass_on(ticket_type=entry.ticket_type, now=now)
    return entry


# --- Offers --------------------------------------------------------------------------------


def waitlist_seats_freed(*, ticket_type: TicketType, count: int, now: datetime) -> int:
    """Called inside the transaction that frees ``count`` seats of ``ticket_type`` (an
    order expired or cancelled, a ticket refunded), before they are given back: offers
    them to the waiting list and returns how many it kept held as offers (those stay
    taken); the caller gives back the rest."""
    if count <= 0:
        return 0
    event = ticket_type.event
    if not _open_for_waiting(event, now):
        return 0
    with transaction.atomic():
        # Oldest first; rows another transaction holds (being offered, or left) are
        # skipped on PostgreSQL: never the same entry offered twice.
        picked = list(
            WaitingListEntry.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(ticket_type_id=ticket_type.pk, status=WaitingStatus.WAITING)
            .order_by("created_at", "id")
            .select_related("user")[:count]
        )
        if not picked:
            return 0
        expires = hold_until(now, OFFER_MINUTES)
        offered = WaitingListEntry.objects.filter(
            pk__in=[entry.pk for entry in picked], status=WaitingStatus.WAITING
        ).update(
            status=WaitingStatus.OFFERED,
            offered_at=now,
            hold_expires_at=expires,
            updated_at=now,
        )
        if offered != len(picked):  # cannot happen under the lock; never over-offer
            raise RuntimeError("waiting-list entries changed under their lock")
        until = timezone.localtime(expires, ZoneInfo(event.time_zone)).strftime("%H:%M")
        for entry in picked:
            _offer_notify(entry, event=event, ticket_type=ticket_type, until=until)
    return offered


def _offer_notify(entry: WaitingListEntry, *, event: Event, ticket_type: TicketType, until):
    """Record "a seat is free for you until HH:MM" in the offer's transaction; it goes
    out after commit (the notifications' own deliveries)."""
    user = entry.user
    if not user.is_active:
        return
    notification_send(
        recipient=user,
        kind=WAITLIST_OFFER,
        context={
            "entry": str(entry.pk),
            "event": event.title,
            "event_id": str(event.pk),
            "ticket_type": ticket_type.name,
            "until": until,
        },
        link=object_link(WAITLIST_ENTRY_LINK, entry.pk),
        idempotency_key=f"campus:waitlist:{entry.pk}:offered",
    )


def waitlist_offer_expire(entry: WaitingListEntry, *, now: datetime) -> None:
    """The held-order kind's ``expire``: runs on the offered entry locked, its hold run
    out. It expires and its seat goes to the next one waiting, else back on sale."""
    entry.status = WaitingStatus.EXPIRED
    entry.closed_at = now
    entry.save(update_fields=["status", "closed_at", "updated_at"])
    _seat_pass_on(ticket_type=entry.ticket_type, now=now)


WAITLIST_OFFER_HOLDS = HeldOrderKind(
    model=WaitingListEntry,
    pending=WaitingStatus.OFFERED,
    expire=waitlist_offer_expire,
    related=("ticket_type", "ticket_type__event"),
)


# --- Seats ---------------------------------------------------------------------------------


def _seat_pass_on(*, ticket_type: TicketType, now: datetime) -> None:
    """One seat of ``ticket_type`` held by an offer that ended: to the next one waiting,
    else back on sale (``services.seats.seats_give_back``)."""
    if waitlist_seats_freed(ticket_type=ticket_type, count=1, now=now) == 0:
        seats_give_back(event_id=ticket_type.event_id, counts={ticket_type.pk: 1})
