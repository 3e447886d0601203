"""Reservations: a client reserves an available property with a deposit, paid through
the payments module (the payable ``realestate.reservation``).

* :func:`reservation_create` — the property is held at once: the reservation is pending
  payment until ``hold_expires_at`` (the agency's ``hold_hours``, 48 h by default) and the
  property becomes ``reserved``, recorded in its history by ``property_update``. Two
  clients reserving at once: the agency's row is locked (as every property write does),
  then the property's, so one of them wins and the other gets 409
  ``property_not_available``; the unique partial index on active reservations stands
  behind it.
* :func:`reservation_fulfil` — the deposit is paid: confirmed (once; a second fulfilment
  of the same payment changes nothing). A reservation no longer pending refuses, and the
  payment is refunded by the payments module.
* :data:`RESERVATION_HOLDS` — the held-order kind: ``core.holds_expire`` expires unpaid
  reservations whose hold ran out and frees their property.
* :func:`reservation_cancel` — the agency (its agent, managers and above) cancels an
  active reservation, or the client their own unpaid one: a deposit paid is refunded
  through the platform's refunds (``refunds_open_for_target``), the property is free.
* :func:`reservation_convert` — the deal is done: the confirmed reservation is converted,
  the property sold or rented, and the commission recorded (``services.commissions``).

Lock order: the reservation, then the agency, then the property (``property_update``).
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, Gone, NotFound
from teranga.core.holds import HeldOrderKind, hold_until
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.models import Organization
from teranga.platform.payments.extensions import (
    FulfilmentRefused,
    PayableBase,
    Quote,
    QuoteLine,
)
from teranga.platform.payments.models import PaymentStatus
from teranga.platform.payments.selectors import target_paid
from teranga.platform.payments.services.refunds import refunds_open_for_target

from ..choices import TransactionType
from ..errors import RealEstateError
from ..models import (
    ACTIVE_RESERVATION_STATUSES,
    Client,
    Property,
    PropertyStatus,
    Reservation,
    ReservationStatus,
)
from ..selectors.transactions import transaction_settings_of
from ..transaction_notices import (
    RESERVATION_CANCELLED,
    RESERVATION_CONFIRMED,
    RESERVATION_EXPIRED,
    reservation_notify,
)
from .commissions import commission_create, percent_of
from .crm import client_record_for_user
from .properties import property_update

PAYABLE = "realestate.reservation"


class ReservationUnavailable(Exception):
    """The reservation can no longer be paid for (the payable refuses: refund)."""


def deposit_for(prop: Property) -> int:
    """The deposit asked for ``prop``: sales, the agency's share of the price; rentals,
    the property's own deposit, else the agency's number of months of rent. At least one
    minor unit."""
    rule = transaction_settings_of(prop.organization)
    if prop.transaction == TransactionType.SALE:
        amount = percent_of(int(prop.price), rule.deposit_bps)
    elif prop.deposit:
        amount = int(prop.deposit)
    else:
        amount = int(prop.price) * int(rule.rent_deposit_months)
    return max(1, amount)


def _lock_organization(organization_id) -> None:
    list(Organization.objects.select_for_update().filter(pk=organization_id).values_list("pk"))


def _not_available() -> Conflict:
    return Conflict(
        _("This property is not available for reservation."),
        code=RealEstateError.PROPERTY_NOT_AVAILABLE,
    )


def _client_record(organization: Organization, user) -> Client:
    """The agency's CRM record of ``user`` (the client's account), made when missing."""
    return client_record_for_user(organization=organization, user=user)


@transaction.atomic
def reservation_create(*, prop: Property, user, language: str = "fr") -> Reservation:
    """``user`` reserves ``prop`` (visible to them, checked by the caller): pending
    payment, the property held. 409 ``property_not_available`` unless it is available
    and without an active reservation."""
    _lock_organization(prop.organization_id)
    locked = (
        Property.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=prop.pk)
    )
    if locked.status != PropertyStatus.AVAILABLE:
        raise _not_available()
    if Reservation.objects.filter(property=locked, status__in=ACTIVE_RESERVATION_STATUSES).exists():
        raise _not_available()
    now = timezone.now()
    rule = transaction_settings_of(locked.organization)
    try:
        with transaction.atomic():
            reservation = Reservation.objects.create(
                organization_id=locked.organization_id,
                property=locked,
                user=user,
                client=_client_record(locked.organization, user),
                agent_id=locked.agent_id,
                status=ReservationStatus.PENDING_PAYMENT,
                price=locked.price,
                deposit_amount=deposit_for(locked),
                currency=locked.currency,
                language=language or "fr",
                hold_expires_at=hold_until(now, rule.hold_hours * 60),
            )
    except IntegrityError:
        raise _not_available() from None
    property_update(prop=locked, actor=user, status=PropertyStatus.RESERVED)
    return reservation


def _lock(reservation_id) -> Reservation:
    key = parse_uuid(str(reservation_id))
    found = (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("organization", "property", "user", "client", "agent")
        .filter(pk=key)
        .first()
        if key
        else None
    )
    if found is None:
        raise NotFound(code=RealEstateError.RESERVATION_NOT_FOUND)
    return found


def _free_property(reservation: Reservation, actor) -> None:
    """The property goes back to available if this reservation was what held it."""
    _lock_organization(reservation.organization_id)
    prop = Property.objects.select_for_update().get(pk=reservation.property_id)
    if prop.status == PropertyStatus.RESERVED:
        property_update(prop=prop, actor=actor, status=PropertyStatus.AVAILABLE)


def reservation_payable_check(reservation: Reservation, now: datetime) -> None:
    """410 ``reservation_hold_expired`` once its hold ran out, 409
    ``reservation_invalid_transition`` when it is not awaiting payment."""
    if reservation.status == ReservationStatus.EXPIRED or reservation.hold_lapsed(
        now, pending=ReservationStatus.PENDING_PAYMENT
    ):
        raise Gone(
            _("The hold on this property has expired."),
            code=RealEstateError.RESERVATION_HOLD_EXPIRED,
        )
    if reservation.status != ReservationStatus.PENDING_PAYMENT:
        raise Conflict(
            _("This reservation is not awaiting its deposit."),
            code=RealEstateError.RESERVATION_INVALID_TRANSITION,
        )


def reservation_fulfil(*, reservation_id, payment) -> Reservation:
    """The deposit is paid (inside the payments module's fulfilment transaction):
    confirmed and told. Idempotent for the payment that confirmed it; anything else no
    longer pending raises :class:`ReservationUnavailable` (the payment is refunded)."""
    now = timezone.now()
    with transaction.atomic():
        reservation = _lock(reservation_id)
        if reservation.status == ReservationStatus.CONFIRMED and reservation.confirmed_at:
            return reservation  # fulfilled already (a retry)
        try:
            reservation_payable_check(reservation, now)
        except (Gone, Conflict) as exc:
            raise ReservationUnavailable(str(exc.code)) from exc
        reservation.status = ReservationStatus.CONFIRMED
        reservation.confirmed_at = now
        reservation.hold_expires_at = None
        reservation.save(update_fields=["status", "confirmed_at", "hold_expires_at", "updated_at"])
        reservation_notify(reservation, RESERVATION_CONFIRMED)
    return reservation


def _reservation_expire(reservation: Reservation, *, now: datetime) -> None:
    """The held-order callback (row locked, still pending, hold run out): expired, the
    property free, the client and the agent told. A payment still open expires with the
    hold (``Quote.expires_at``); one that succeeds late is refused and refunded."""
    reservation.status = ReservationStatus.EXPIRED
    reservation.closed_at = now
    reservation.save(update_fields=["status", "closed_at", "updated_at"])
    _free_property(reservation, None)
    reservation_notify(reservation, RESERVATION_EXPIRED)


#: Reservations as a kind of held order (``Product.held_orders``).
RESERVATION_HOLDS = HeldOrderKind(
    model=Reservation,
    pending=ReservationStatus.PENDING_PAYMENT,
    expire=_reservation_expire,
    related=("organization", "property", "user", "client", "agent"),
)


@transaction.atomic
def reservation_cancel(
    *, reservation_id, actor, reason: str = "", by_client: bool = False
) -> Reservation:
    """Cancel an active reservation: the deposit paid (if any) is refunded, the property
    free. The client (``by_client``) may only give up one still awaiting its deposit
    (409 ``reservation_invalid_transition`` otherwise)."""
    now = timezone.now()
    reservation = _lock(reservation_id)
    allowed = (ReservationStatus.PENDING_PAYMENT,) if by_client else ACTIVE_RESERVATION_STATUSES
    if reservation.status not in allowed or reservation.hold_lapsed(
        now, pending=ReservationStatus.PENDING_PAYMENT
    ):
        raise Conflict(
            _("This reservation cannot be cancelled now."),
            code=RealEstateError.RESERVATION_INVALID_TRANSITION,
        )
    was_paid = reservation.status == ReservationStatus.CONFIRMED
    reservation.status = ReservationStatus.CANCELLED
    reservation.closed_at = now
    reservation.hold_expires_at = None
    reservation.cancellation_reason = reason
    reservation.save(
        update_fields=[
            "status",
            "closed_at",
            "hold_expires_at",
            "cancellation_reason",
            "updated_at",
        ]
    )
    if was_paid:
        refunds_open_for_target(
            target_type=PAYABLE,
            target_id=str(reservation.pk),
            reason=(reason or _("Reservation cancelled"))[:200],
            actor=actor,
        )
    _free_property(reservation, actor)
    reservation_notify(reservation, RESERVATION_CANCELLED)
    return reservation


@transaction.atomic
def reservation_refunded(*, reservation_id, fully: bool) -> None:
    """A refund of the deposit's payment succeeded. A full refund of a reservation still
    confirmed (staff refunded the payment directly) cancels it and frees the property."""
    if not fully:
        return
    try:
        reservation = _lock(reservation_id)
    except NotFound:
        return
    if reservation.status != ReservationStatus.CONFIRMED:
        return
    reservation.status = ReservationStatus.CANCELLED
    reservation.closed_at = timezone.now()
    reservation.cancellation_reason = _("Deposit refunded")
    reservation.save(update_fields=["status", "closed_at", "cancellation_reason", "updated_at"])
    _free_property(reservation, None)
    reservation_notify(reservation, RESERVATION_CANCELLED)


@transaction.atomic
def reservation_convert(
    *,
    reservation_id,
    actor,
    deal_price: int | None = None,
    listing_agent_id=None,
    selling_agent_id=None,
):
    """The deal is done: a confirmed reservation is converted, its property sold (a
    sale) or rented, and the commission recorded on ``deal_price`` (default: the price
    when reserved). Returns (reservation, commission)."""
    reservation = _lock(reservation_id)
    if reservation.status != ReservationStatus.CONFIRMED:
        raise Conflict(
            _("Only a confirmed reservation can become a deal."),
            code=RealEstateError.RESERVATION_INVALID_TRANSITION,
        )
    reservation.status = ReservationStatus.CONVERTED
    reservation.closed_at = timezone.now()
    reservation.save(update_fields=["status", "closed_at", "updated_at"])
    _lock_organization(reservation.organization_id)
    prop = (
        Property.objects.select_for_update(of=("self",))
        .select_related("agent")
        .get(pk=reservation.property_id)
    )
    closed = (
        PropertyStatus.SOLD if prop.transaction == TransactionType.SALE else PropertyStatus.RENTED
    )
    prop = property_update(prop=prop, actor=actor, status=closed, record_commission=False)
    commission = commission_create(
        organization=reservation.organization,
        prop=prop,
        actor=actor,
        deal_price=int(deal_price if deal_price is not None else reservation.price),
        listing_agent_id=listing_agent_id,
        selling_agent_id=selling_agent_id,
        reservation=reservation,
    )
    return reservation, commission


# --- The payable ---------------------------------------------------------------------------


class ReservationPayable(PayableBase):
    """Paying the deposit: the payable ``realestate.reservation``.

    * **Quote** — the payer's own reservation (others: 404 ``reservation_not_found``), its
      deposit, paid to the agency, valid until the hold (``expires_at``); coupon scope
      ``realestate.property``. A lapsed hold is 410 ``reservation_hold_expired``; a
      reservation no longer awaiting its deposit 409 ``reservation_invalid_transition``.
    * **Fulfil** — the reservation is confirmed; one no longer pending refuses (refund).
    * **Refunded** — a full refund of a confirmed reservation cancels it.
    """

    def quote(self, *, target_id: str, payer) -> Quote:
        from ..selectors.transactions import reservation_of_payer

        reservation = reservation_of_payer(payer=payer, reservation_id=target_id)
        reservation_payable_check(reservation, timezone.now())
        if target_paid(target_type=PAYABLE, target_id=reservation.pk):
            raise Conflict(
                _("This reservation is not awaiting its deposit."),
                code=RealEstateError.RESERVATION_INVALID_TRANSITION,
            )
        line = (_("Deposit: %(property)s") % {"property": reservation.property.title})[:200]
        return Quote(
            organization=reservation.organization,
            currency=reservation.currency,
            description=line,
            lines=(QuoteLine(description=line, unit_amount=int(reservation.deposit_amount)),),
            scopes=(("realestate.property", str(reservation.property_id)),),
            expires_at=reservation.hold_expires_at,
            metadata={"property": str(reservation.property_id)},
        )

    def fulfil(self, *, payment) -> None:
        try:
            reservation_fulfil(reservation_id=payment.target_id, payment=payment)
        except (ReservationUnavailable, NotFound) as exc:
            raise FulfilmentRefused(str(exc)) from exc

    def refunded(self, *, payment, refund) -> None:
        reservation_refunded(
            reservation_id=payment.target_id, fully=payment.status == PaymentStatus.REFUNDED
        )
