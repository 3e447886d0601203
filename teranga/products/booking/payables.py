"""Paying for a reservation online: the Booking product's payable.

A reservation of a service paid online (``online_full``: the whole price; ``deposit``:
the deposit, the rest on site) is created as a hold that keeps the slot a few minutes;
the client pays ``booking.reservation`` with the reservation's id. The quote is the
amount fixed when it was booked (``Reservation.online_amount``), and the payment cannot
outlive the hold. When it succeeds, the fulfilment confirms the booking, or hands it to
the business when the service requires its confirmation
(``services.reservations.reservation_paid``); if the hold ran out or the booking was
cancelled meanwhile, fulfilment is refused and the payment is refunded automatically.
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
from teranga.platform.scheduling.models import BookingStatus
from teranga.products.booking.errors import BookingError

from .models import PaymentMode, Reservation
from .services.reservations import PAYABLE, reservation_paid

TARGET_TYPE = PAYABLE


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
                code=BookingError.NOT_AWAITING_PAYMENT,
            )
        if reservation.online_amount == 0:
            raise Conflict(
                _("Nothing is paid online for this reservation."),
                code=BookingError.NOTHING_TO_PAY,
            )
        if target_paid(target_type=TARGET_TYPE, target_id=reservation.pk):
            raise Conflict(_("This reservation is already paid."), code=BookingError.ALREADY_PAID)
        name = reservation.service.name
        if reservation.payment_mode == PaymentMode.DEPOSIT:
            line = _("Deposit: %(service)s") % {"service": name}
        else:
            line = name
        return Quote(
            organization=reservation.organization,
            currency=reservation.currency,
            description=line,
            lines=(QuoteLine(description=line, unit_amount=int(reservation.online_amount)),),
            scopes=(("booking.service", str(reservation.service_id)),),
            expires_at=booking.hold_expires_at,
        )

    def fulfil(self, *, payment) -> None:
        if not Reservation.objects.filter(pk=payment.target_id).exists():
            raise FulfilmentRefused("reservation deleted")
        try:
            reservation_paid(reservation_id=payment.target_id, payer=payment.payer)
        except Gone as exc:
            raise FulfilmentRefused("hold_expired") from exc
        except Conflict as exc:
            raise FulfilmentRefused(exc.code) from exc
