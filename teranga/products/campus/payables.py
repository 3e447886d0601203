"""Paying for an order: Campus's payable ``campus.order``.

* **Quote** — the buyer's pending order (others: 404 ``order_not_found``): its lines at
  the prices fixed when it was made, paid to the organiser, valid until the order's hold
  (``expires_at``); coupon scopes ``campus.event`` and ``campus.ticket_type`` (each
  line's). An expired or lapsed order is 410 ``hold_expired``; a paid or cancelled one
  409 ``not_awaiting_payment``; a cancelled event 409 ``event_cancelled``.
* **Fulfil** — the order is paid and its tickets issued; a hold that lapsed, an order
  cancelled or an event cancelled meanwhile refuses (the payment is refunded).
* **Refunded** — a full refund of a paid order (by staff) refunds its tickets.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, Gone, NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.payments.extensions import (
    FulfilmentRefused,
    PayableBase,
    Quote,
    QuoteLine,
)
from teranga.platform.payments.models import PaymentStatus
from teranga.platform.payments.selectors import target_paid

from .errors import CampusError
from .models import EventStatus, Order, OrderStatus
from .services import orders

TARGET_TYPE = orders.PAYABLE


class OrderPayable(PayableBase):
    def quote(self, *, target_id: str, payer) -> Quote:
        key = parse_uuid(target_id)
        order = (
            Order.objects.select_related("event", "organization")
            .prefetch_related("lines__ticket_type")
            .filter(pk=key, buyer=payer)
            .first()
            if key
            else None
        )
        if order is None:
            raise NotFound(_("No such order."), code=CampusError.ORDER_NOT_FOUND)
        if order.status == OrderStatus.EXPIRED or order.hold_lapsed(timezone.now()):
            raise Gone(_("The hold on these seats has expired."), code=CampusError.HOLD_EXPIRED)
        if order.status != OrderStatus.PENDING:
            raise Conflict(
                _("This order is not awaiting payment."), code=CampusError.NOT_AWAITING_PAYMENT
            )
        if order.event.status != EventStatus.PUBLISHED:
            raise Conflict(_("This event is cancelled."), code=CampusError.EVENT_CANCELLED)
        if target_paid(target_type=TARGET_TYPE, target_id=order.pk):
            raise Conflict(_("This order is already paid."), code=CampusError.ALREADY_PAID)
        lines = tuple(
            QuoteLine(
                description=f"{order.event.title} — {line.ticket_type.name}",
                unit_amount=int(line.unit_price),
                quantity=int(line.quantity),
            )
            for line in order.lines.all()
        )
        scopes = (("campus.event", str(order.event_id)),) + tuple(
            ("campus.ticket_type", str(line.ticket_type_id)) for line in order.lines.all()
        )
        return Quote(
            organization=order.organization,
            currency=order.currency,
            description=order.event.title,
            lines=lines,
            scopes=scopes,
            expires_at=order.hold_expires_at,
        )

    def fulfil(self, *, payment) -> None:
        try:
            orders.order_fulfil(order_id=payment.target_id)
        except (Conflict, NotFound, Gone) as exc:
            raise FulfilmentRefused(str(exc.code)) from exc

    def refunded(self, *, payment, refund) -> None:
        orders.order_refunded(
            order_id=payment.target_id, fully=payment.status == PaymentStatus.REFUNDED
        )
