"""Writes of Booking reservations. Each one runs in one transaction: it asks the
scheduling engine to book or move the underlying :class:`~teranga.platform.scheduling.
models.Booking` (the engine takes the locks, checks the slot and the policy, writes the
history and announces the change), then keeps the :class:`Reservation` row in step.

Who acts as what (checked here, through ``organizations.access``):

* the reservation's **client** may cancel and reschedule it within the service's notice
  periods, and confirm their *hold* of a service paid on site (or free);
* a reservation of a service paid online (``online_full``, ``deposit``) is created as a
  hold whatever the client asks, and only its succeeded payment (``payables``:
  ``booking.reservation``, fulfilled by :func:`reservation_paid`) confirms it — or, when
  the service requires confirmation, hands it to the business. Nobody confirms it by
  hand before that (409 ``payment_required``), the business included: no path lets
  staff book for a client, and a business that takes the money at the counter sets the
  service to ``on_site``. A hold that is not paid in time expires and frees the slot;
* the organisation's **agents and above** (``booking.reservations.manage``) may cancel,
  confirm, reschedule, complete and mark a no-show at any time the state allows;
* a member of the organisation who booked for themselves acts as the client, unless
  they pass ``as_business=True``;
* anyone else gets 404 (the reservation is not acknowledged); a member below agent, or a
  client calling a business-only action, gets 403.

The row lock order is the engine's (resource, client, booking); the reservation row is
only written last, after the engine, so every path takes its locks in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, CoreError, Forbidden, Gone, NotFound
from teranga.platform.organizations import access
from teranga.platform.payments.selectors import target_paid
from teranga.platform.scheduling import services as scheduling
from teranga.platform.scheduling.models import Booking, BookingStatus
from teranga.products.booking.errors import BookingError

from ..models import PaymentMode, Reservation, Service
from ..selectors.reservations import (
    RESERVATIONS_MANAGE,
    RESERVATIONS_VIEW,
    Side,
    reservation_with_history,
)

#: The product's name in the scheduling engine (``Booking.source``).
SOURCE = "booking"
#: What a reservation is paid as (the payable's type name).
PAYABLE = "booking.reservation"


@dataclass(frozen=True)
class Guest:
    """A client without an account (the public booking page): the name they gave and
    the phone number they verified by SMS code (E.164)."""

    name: str
    phone: str


def _reservation(reservation_id) -> Reservation:
    reservation = (
        Reservation.objects.select_related("booking", "service", "organization")
        .filter(pk=reservation_id)
        .first()
    )
    if reservation is None:
        raise NotFound(_("No such reservation."), code=BookingError.RESERVATION_NOT_FOUND)
    return reservation


def acting_side(
    *, user, reservation: Reservation, business_only: bool = False, as_business: bool = False
) -> Side:
    """As whom ``user`` acts on ``reservation``: its client, or the business.

    ``business_only``: the action is the business's (complete, no-show, confirm of a
    booking that is not a hold). Raises NotFound for a stranger, Forbidden for a member
    whose role is too low or a client asking for a business action.
    """
    is_client = user.is_authenticated and reservation.booking.client_id == user.pk
    if is_client and not (business_only or as_business):
        return Side.CLIENT
    membership = access.membership_of(user, reservation.organization_id)
    verdict = access.decide(user, reservation.organization, RESERVATIONS_MANAGE, membership)
    if verdict == "allow":
        return Side.BUSINESS
    may_see = (
        verdict == "forbid"  # a member below agent: 403, as everywhere
        or is_client
        or access.decide(user, reservation.organization, RESERVATIONS_VIEW, membership) == "allow"
    )
    if not may_see:
        raise NotFound(_("No such reservation."), code=BookingError.RESERVATION_NOT_FOUND)
    raise Forbidden(_("Only the business can do this."), code=CoreError.PERMISSION_DENIED)


def _touch(reservation: Reservation, side: Side) -> Reservation:
    """Keep the reservation in step with its booking (``updated_at``); reload both with
    the history, for the answer (``viewer_side``: as whom the actor acted)."""
    Reservation.objects.filter(pk=reservation.pk).update(updated_at=timezone.now())
    return _loaded(reservation.pk, side)


def _loaded(reservation_id, side: Side) -> Reservation:
    reservation = reservation_with_history(reservation_id=reservation_id)
    reservation.viewer_side = side
    return reservation


@transaction.atomic
def reservation_create(
    *,
    client,
    service_id,
    starts_at: datetime,
    client_note: str = "",
    hold: bool = False,
    guest: Guest | None = None,
) -> Reservation:
    """Book ``starts_at`` of a service for ``client``, or — ``client=None`` and
    ``guest`` given — for a guest of the public page (the booking has no client; the
    reservation keeps the guest's name and verified phone). A guest books only what is
    paid on site: an online payment needs an account (409 ``online_payment_in_app``).

    The engine checks (under its locks) the organisation is verified, the time is ahead,
    inside the availability, the notice and advance windows, that the slot has room left
    and that the client has no other booking then. ``hold``: a pending reservation that
    keeps the slot for a few minutes (confirm it to keep it). A service paid online is
    always held, whatever ``hold`` says: its payment confirms it. Otherwise the
    reservation is confirmed at once, or pending the business's confirmation when the
    service requires it.
    """
    service = (
        Service.objects.select_related("organization", "resource").filter(pk=service_id).first()
    )
    if service is None:
        raise NotFound(_("No such service."), code=BookingError.SERVICE_NOT_FOUND)
    if not service.is_active:
        raise Conflict(
            _("This service is not open for booking."), code=BookingError.SERVICE_INACTIVE
        )
    online_amount = service.amount_due_online
    if guest is not None and (client is not None or online_amount > 0):
        if client is not None:
            raise ValueError("a reservation has a client or a guest, not both")
        raise Conflict(
            _("This service is paid online: sign in to book it."),
            code=BookingError.ONLINE_PAYMENT_IN_APP,
        )
    booking = scheduling.booking_create(
        resource=service.resource,
        client=client,
        source=SOURCE,
        offering=service.offering_key,
        title=service.name,
        starts_at=starts_at,
        policy=service.slot_policy(),
        hold=hold or online_amount > 0,
        confirm=not service.requires_confirmation,
        actor=client,
    )
    reservation = Reservation.objects.create(
        id=booking.pk,  # one id for both: notices link to the reservation from the booking
        booking=booking,
        organization=service.organization,
        service=service,
        price_amount=service.price_amount,
        currency=service.currency,
        payment_mode=service.payment_mode if online_amount else PaymentMode.ON_SITE,
        online_amount=online_amount,
        client_note=client_note,
        guest_name=guest.name if guest else "",
        guest_phone=guest.phone if guest else "",
    )
    return _loaded(reservation.pk, Side.CLIENT)


def _unpaid(reservation: Reservation) -> bool:
    """Whether the reservation still owes its online payment."""
    return reservation.online_amount > 0 and not target_paid(
        target_type=PAYABLE, target_id=reservation.pk
    )


def _side(*, actor, reservation: Reservation, as_business: bool, manage_token: str | None) -> Side:
    """As whom the actor acts: the holder of the reservation's manage link (the link of
    its confirmation page, ``public_pages.manage_token``) acts as its client, signed in
    or not (a guest has no account); anyone else as ``acting_side`` decides."""
    if manage_token is not None:
        from ..public_pages import manage_token_valid

        if not manage_token_valid(manage_token, reservation_id=reservation.pk):
            raise NotFound(_("No such reservation."), code=BookingError.RESERVATION_NOT_FOUND)
        return Side.CLIENT
    return acting_side(user=actor, reservation=reservation, as_business=as_business)


@transaction.atomic
def reservation_cancel(
    *,
    actor,
    reservation_id,
    reason: str = "",
    as_business: bool = False,
    manage_token: str | None = None,
) -> Reservation:
    """Cancel: the client within the service's cancellation notice (409
    ``cancellation_too_late`` after it), the business at any time before it is over.
    ``manage_token``: the client acting through their manage link (``actor`` may then be
    anonymous)."""
    reservation = _reservation(reservation_id)
    side = _side(
        actor=actor, reservation=reservation, as_business=as_business, manage_token=manage_token
    )
    scheduling.booking_cancel(
        booking_id=reservation.booking_id,
        by_client=side == Side.CLIENT,
        actor=actor,
        reason=reason,
        notice=reservation.service.cancellation_notice,
    )
    return _touch(reservation, side)


@transaction.atomic
def reservation_confirm(*, actor, reservation_id) -> Reservation:
    """Confirm a pending reservation: the business accepts it, or the client's hold is
    kept (payment completed). A hold that ran out is 410 ``hold_expired``."""
    reservation = _reservation(reservation_id)
    # The engine's confirm only locks the booking: taking that lock first keeps the same
    # order, and the status read here cannot go stale (a hold swept meanwhile is 410).
    booking = Booking.objects.select_for_update().get(pk=reservation.booking_id)
    reservation.booking = booking
    # Only the business accepts a reservation awaiting its confirmation; the client may
    # confirm their hold (anything else is answered by the state: 409 or 410).
    awaits_business = booking.status == BookingStatus.PENDING and booking.hold_expires_at is None
    side = acting_side(user=actor, reservation=reservation, business_only=awaits_business)
    if booking.hold_over(timezone.now()):
        raise Gone(_("The hold on this slot has expired."), code=BookingError.HOLD_EXPIRED)
    if _unpaid(reservation):
        raise Conflict(
            _("Pay for this reservation to confirm it."), code=BookingError.PAYMENT_REQUIRED
        )
    scheduling.booking_confirm(booking_id=booking.pk, actor=actor)
    return _touch(reservation, side)


@transaction.atomic
def reservation_paid(*, reservation_id, payer) -> Booking:
    """The reservation's online payment has succeeded (the payable's fulfilment, inside
    its transaction): confirm the booking, or — when the service requires the business's
    confirmation — end the hold so that it waits for the business. A hold that ran out
    is 410 ``hold_expired``; a booking that is no longer pending is 409 (the fulfilment
    then refuses, and the payment is refunded)."""
    reservation = _reservation(reservation_id)
    booking = Booking.objects.select_for_update().get(pk=reservation.booking_id)
    now = timezone.now()
    if booking.hold_over(now):
        raise Gone(_("The hold on this slot has expired."), code=BookingError.HOLD_EXPIRED)
    if booking.status != BookingStatus.PENDING or booking.hold_expires_at is None:
        raise Conflict(
            _("This reservation is not awaiting payment."),
            code=BookingError.NOT_AWAITING_PAYMENT,
        )
    if not reservation.service.requires_confirmation:
        return scheduling.booking_confirm(booking_id=booking.pk, actor=payer)
    # Paid, and now the business's to accept: the hold ends, the slot stays taken.
    booking = scheduling.booking_hold_keep(booking_id=booking.pk, actor=payer)
    Reservation.objects.filter(pk=reservation.pk).update(updated_at=timezone.now())
    return booking


@transaction.atomic
def reservation_reschedule(
    *,
    actor,
    reservation_id,
    starts_at: datetime,
    reason: str = "",
    as_business: bool = False,
    manage_token: str | None = None,
) -> Reservation:
    """Move to another free slot of the same service: the client up to the service's
    reschedule notice before the current start (409 ``reschedule_too_late``), the
    business at any time (its minimum notice does not apply). ``manage_token``: as in
    :func:`reservation_cancel`."""
    reservation = _reservation(reservation_id)
    side = _side(
        actor=actor, reservation=reservation, as_business=as_business, manage_token=manage_token
    )
    service = reservation.service
    scheduling.booking_reschedule(
        booking_id=reservation.booking_id,
        starts_at=starts_at,
        policy=service.slot_policy(),
        by_client=side == Side.CLIENT,
        actor=actor,
        reason=reason,
        notice=service.reschedule_notice,
    )
    return _touch(reservation, side)


@transaction.atomic
def reservation_complete(*, actor, reservation_id) -> Reservation:
    """The business marks a started, confirmed reservation as done."""
    reservation = _reservation(reservation_id)
    side = acting_side(user=actor, reservation=reservation, business_only=True)
    scheduling.booking_complete(booking_id=reservation.booking_id, actor=actor)
    return _touch(reservation, side)


@transaction.atomic
def reservation_no_show(*, actor, reservation_id) -> Reservation:
    """The business records that the client did not come (once the start has passed)."""
    reservation = _reservation(reservation_id)
    side = acting_side(user=actor, reservation=reservation, business_only=True)
    scheduling.booking_no_show(booking_id=reservation.booking_id, actor=actor)
    return _touch(reservation, side)
