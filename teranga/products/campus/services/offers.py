"""Taking a waiting-list offer: an order on the seat the offer holds. Apart from the
waiting list (``services.waitlist``) because it makes an order (``services.orders``),
whose seats freed go back to the waiting list: each of those two modules uses the other
one way only, and this one uses both."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict
from teranga.core.holds import holds_expire_kind

from ..errors import CampusError
from ..models import WaitingStatus
from .orders import order_create
from .waitlist import WAITLIST_OFFER_HOLDS
from .waitlist import _entry_of as entry_of
from .waitlist import _offer_expired as offer_expired


def waitlist_offer_accept(*, user, entry_id, now: datetime | None = None):
    """The offered student takes the seat: an order with it (pending payment, or
    confirmed at once when free), made by ``services.orders.order_create``. 409
    ``offer_not_open`` when the entry holds no offer; 410 ``offer_expired`` when its hold
    ran out (the seat is passed on then)."""
    now = now or timezone.now()
    entry = entry_of(user, entry_id)
    if entry.hold_lapsed(now, pending=WaitingStatus.OFFERED):
        holds_expire_kind(WAITLIST_OFFER_HOLDS, now=now, scope=Q(pk=entry.pk))
        raise offer_expired()
    with transaction.atomic():
        entry = entry_of(user, entry_id, lock=True)
        if entry.status != WaitingStatus.OFFERED:
            raise Conflict(
                _("No seat is offered to you on this entry."), code=CampusError.OFFER_NOT_OPEN
            )
        if entry.hold_lapsed(now, pending=WaitingStatus.OFFERED):
            raise offer_expired()
        return order_create(
            buyer=user,
            event_id=entry.event_id,
            lines=[{"ticket_type": entry.ticket_type_id, "quantity": 1}],
            offer=entry,
        )
