"""Paid tickets and paid appointments: SmartQueue's payables.

* ``smartqueue.ticket_order``: a pending :class:`TicketOrder` of the payer (see
  ``services.orders``). Quote: the service's price, paid to the organisation, valid
  until the order's hold (``hold_expires_at``) runs out; an expired order is 410. Fulfil:
  the ticket is issued; a closed or full queue, or an order past its hold, refuses the
  fulfilment (refunded automatically). Released: the order is released.
* ``smartqueue.appointment``: an appointment of the payer awaiting payment (the slot
  on hold). Quote: the service's price, until the hold runs out. Fulfil: the booking is
  confirmed and the appointment ``booked``; a hold that ran out or a cancelled
  appointment refuses it (refunded). Released: the hold is cancelled, the appointment
  ``expired``.
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
from teranga.platform.payments.selectors import target_paid
from teranga.products.smartqueue.errors import SmartQueueError

from .models import Appointment, AppointmentStatus, OrderStatus, TicketOrder
from .services import appointments, orders

TICKET_ORDER = "smartqueue.ticket_order"
APPOINTMENT = appointments.PAYABLE


def _quote(*, organization, service, amount: int, currency: str, expires_at) -> Quote:
    return Quote(
        organization=organization,
        currency=currency,
        description=service.name,
        lines=(QuoteLine(description=service.name, unit_amount=int(amount)),),
        scopes=(("smartqueue.service", str(service.pk)),),
        expires_at=expires_at,
    )


class TicketOrderPayable(PayableBase):
    def quote(self, *, target_id: str, payer) -> Quote:
        key = parse_uuid(target_id)
        order = (
            TicketOrder.objects.select_related("queue__service", "organization")
            .filter(pk=key, user=payer)
            .first()
            if key
            else None
        )
        if order is None:
            raise NotFound(_("No such order."), code=SmartQueueError.ORDER_NOT_FOUND)
        # Expired by the platform's job, or past its hold before the job ran: 410.
        if order.status == OrderStatus.EXPIRED or order.hold_lapsed(timezone.now()):
            raise Gone(
                _("This order has expired: take a ticket again."),
                code=SmartQueueError.ORDER_EXPIRED
            )
        if order.status != OrderStatus.PENDING:
            raise Conflict(
                _("This order is not awaiting payment."), code=SmartQueueError.NOT_AWAITING_PAYMENT
            )
        if target_paid(target_type=TICKET_ORDER, target_id=order.pk):
            raise Conflict(_("This order is already paid."), code=SmartQueueError.ALREADY_PAID)
        return _quote(
            organization=order.organization,
            service=order.queue.service,
            amount=order.price_amount,
            currency=order.currency,
            expires_at=order.hold_expires_at,
        )

    def fulfil(self, *, payment) -> None:
        try:
            orders.ticket_order_fulfil(order_id=payment.target_id)
        except (Conflict, NotFound, Gone) as exc:
            raise FulfilmentRefused(exc.code) from exc

    def released(self, *, payment) -> None:
        orders.ticket_order_end(order_id=payment.target_id, status=OrderStatus.RELEASED)

    def refunded(self, *, payment, refund) -> None:
        orders.ticket_order_end(order_id=payment.target_id, status=OrderStatus.REFUSED)


class AppointmentPayable(PayableBase):
    def quote(self, *, target_id: str, payer) -> Quote:
        key = parse_uuid(target_id)
        appointment = (
            Appointment.objects.select_related("service", "organization", "booking")
            .filter(pk=key, user=payer)
            .first()
            if key
            else None
        )
        if appointment is None:
            raise NotFound(_("No such appointment."), code=SmartQueueError.APPOINTMENT_NOT_FOUND)
        if appointment.status != AppointmentStatus.PENDING_PAYMENT:
            raise Conflict(
                _("This appointment is not awaiting payment."),
                code=SmartQueueError.NOT_AWAITING_PAYMENT
            )
        hold = appointment.booking.hold_expires_at
        if hold is None or hold <= timezone.now():
            raise Gone(_("The hold on this slot has expired."), code=SmartQueueError.HOLD_EXPIRED)
        if target_paid(target_type=APPOINTMENT, target_id=appointment.pk):
            raise Conflict(
                _("This appointment is already paid."), code=SmartQueueError.ALREADY_PAID
            )
        return _quote(
            organization=appointment.organization,
            service=appointment.service,
            amount=appointment.price_amount,
            currency=appointment.currency,
            expires_at=hold,
        )

    def fulfil(self, *, payment) -> None:
        try:
            appointments.appointment_pay_confirm(
                appointment_id=payment.target_id, payer=payment.payer
            )
        except (Conflict, NotFound, Gone) as exc:
            raise FulfilmentRefused(exc.code) from exc

    def released(self, *, payment) -> None:
        appointments.appointment_pay_release(appointment_id=payment.target_id)

