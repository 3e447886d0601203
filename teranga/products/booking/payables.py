"""Paying for a reservation (a booking deposit): the Booking product's payable.

A client books a paid service with ``hold: true`` (the slot is kept a few minutes), then
pays ``booking.reservation`` with the reservation's id. The payment cannot outlive the
hold. When it succeeds, the fulfilment confirms the booking; if the hold ran out or the
booking was cancelled meanwhile, fulfilment is refused and the payment is refunded
automatically.
"""

from __future__ import annotations

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
from teranga.platform.scheduling import services as scheduling
from teranga.platform.scheduling.models import BookingStatus
from teranga.products.booking.errors import BookingError

from .models import Reservation

TARGET_TYPE = "booking.reservation"


class ReservationPayable(PayableBase):
    def quote(self, *, target_id: str, payer) -> Quote:
        reservation = (
            Reservation.objects.select_related("booking", "service", "organization")
            .filter(pk=parse_uuid(target_id), booking__client=payer)
            .first()
        )
        if reservation is None:
            raise NotFound(_("No such reservation."), code=BookingError.RESERVATION_NOT_FOUND)
        booking = reservation.booking
        if booking.status == BookingStatus.EXPIRED:
            raise Gone(_("The hold on this slot has expired."), code=BookingError.HOLD_EXPIRED)
        if booking.status != BookingStatus.PENDING or booking.hold_expires_at is None:
            raise Conflict(
                _("This reservation is not awaiting payment."),
                code=BookingError.NOT_AWAITING_PAYMENT
            )
        if reservation.price_amount == 0:
            raise Conflict(_("There is nothing to pay for."), code=BookingError.NOTHING_TO_PAY)
        if target_paid(target_type=TARGET_TYPE, target_id=reservation.pk):
            raise Conflict(_("This reservation is already paid."), code=BookingError.ALREADY_PAID)
        return Quote(
            organization=reservation.organization,
            currency=reservation.currency,
            description=reservation.service.name,
            lines=(
                QuoteLine(
                    description=reservation.service.name, unit_amount=int(reservation.price_amount)
                ),
            ),
            scopes=(("booking.service", str(reservation.service_id)),),
            expires_at=booking.hold_expires_at,
        )

    def fulfil(self, *, payment) -> None:
        reservation = Reservation.objects.filter(pk=payment.target_id).first()
        if reservation is None:
            raise FulfilmentRefused("reservation deleted")
        try:
            scheduling.booking_confirm(booking_id=reservation.booking_id, actor=payment.payer)
        except Gone as exc:
            raise FulfilmentRefused("hold_expired") from exc
        except Conflict as exc:
            raise FulfilmentRefused(exc.code) from exc

