"""Appointments: a scheduling booking on the appointment queue's resource, then a ticket
at check-in.

* :func:`appointment_create` books the slot (``scheduling.booking_create``, source
  ``smartqueue``) and records the appointment under the booking's id. A free service is
  ``booked`` at once (booking confirmed); a paid one keeps the slot on hold and waits
  for the payment of payable ``smartqueue.appointment`` (see :mod:`..payables`).
* :func:`appointment_check_in` (the client, or an agent for a walk-up) is allowed from
  ``checkin_opens_minutes`` before the start to ``checkin_closes_minutes`` after, once.
  It issues a ticket of class ``appointment`` in the appointment queue, ordered by the
  appointment's time, even if the queue is closed; counters call it ahead of walk-ins
  according to their strategy.
* :func:`appointment_cancel` (client or agents and above) cancels the booking. When the
  organisation cancels a paid appointment, the payment is refunded in full
  automatically; a client who cancels is not refunded automatically (the organisation
  may refund through the payments API).
* :func:`appointments_mark_missed` (periodic): booked appointments whose check-in window
  closed become ``missed`` (the booking a no-show), and unpaid ones whose hold ran out
  ``expired``.

Locks: the appointment row first, then the booking (scheduling), then the queue's
numbering row (tickets) or the appointment's payments (refunds).

The scheduling engine tells the client about their booking (created, confirmed,
cancelled, reminders); the link in those notifications is the appointment's API path
(registered at the bottom of this module).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, NotFound
from teranga.platform.organizations.access import ensure, membership_of
from teranga.platform.payments.services.refunds import refunds_open_for_target
from teranga.platform.scheduling import services as scheduling
from teranga.platform.scheduling.models import BookingStatus
from teranga.products.smartqueue.errors import SmartQueueError

from ..access import COUNTER_OPERATE
from ..models import Appointment, AppointmentStatus, Channel, TicketClass
from ..selectors.appointments import (
    appointment_queue,
    bookable_service,
    offering_key,
    slot_policy,
)
from .tickets import ticket_issue

A = AppointmentStatus
PAYABLE = "smartqueue.appointment"


def _lock(appointment_id) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("service", "queue", "organization", "booking", "user")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise NotFound(_("No such appointment."), code=SmartQueueError.APPOINTMENT_NOT_FOUND)
    return appointment


def _acting_as_business(actor, appointment: Appointment) -> bool:
    """Whether ``actor`` acts for the organisation (agents and above); 404 for a
    stranger, 403 for a member below agent."""
    if actor is not None and appointment.user_id == actor.pk:
        return False
    membership = membership_of(actor, appointment.organization_id)
    if membership is None:
        raise NotFound(_("No such appointment."), code=SmartQueueError.APPOINTMENT_NOT_FOUND)
    ensure(actor, appointment.organization, COUNTER_OPERATE, membership)
    return True


@transaction.atomic
def appointment_create(
    *, user, service_id, branch_id, starts_at: datetime, note: str = ""
) -> Appointment:
    service = bookable_service(service_id)
    queue = appointment_queue(service, branch_id=branch_id)
    booking = scheduling.booking_create(
        resource=queue.appointment_resource,
        client=user,
        source="smartqueue",
        offering=offering_key(service),
        title=service.name,
        starts_at=starts_at,
        policy=slot_policy(service),
        hold=service.is_paid,
        actor=user,
    )
    return Appointment.objects.create(
        id=booking.pk,  # the booking's notifications link here without a query
        organization=service.organization,
        branch=queue.branch,
        service=service,
        queue=queue,
        booking=booking,
        user=user,
        starts_at=booking.starts_at,
        status=A.PENDING_PAYMENT if service.is_paid else A.BOOKED,
        price_amount=service.price_amount,
        currency=service.currency,
        note=note[:500],
    )


@transaction.atomic
def appointment_cancel(*, actor, appointment_id, reason: str = "") -> Appointment:
    appointment = _lock(appointment_id)
    as_business = _acting_as_business(actor, appointment)
    if appointment.status not in (A.PENDING_PAYMENT, A.BOOKED):
        raise Conflict(
            _("This appointment can no longer be cancelled."), code=SmartQueueError.NOT_CANCELLABLE
        )
    booking = appointment.booking
    if booking.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        scheduling.booking_cancel(
            booking_id=booking.pk, by_client=not as_business, actor=actor, reason=reason
        )
    was_paid = appointment.status == A.BOOKED and appointment.price_amount > 0
    appointment.status = A.CANCELLED
    appointment.cancelled_at = timezone.now()
    appointment.save(update_fields=["status", "cancelled_at", "updated_at"])
    if as_business and was_paid:
        refunds_open_for_target(
            target_type=PAYABLE,
            target_id=str(appointment.pk),
            reason=reason or "appointment cancelled by the organisation",
            actor=actor,
        )
    return appointment


def checkin_window(appointment: Appointment) -> tuple[datetime, datetime]:
    service = appointment.service
    return (
        appointment.starts_at - timedelta(minutes=service.checkin_opens_minutes),
        appointment.starts_at + timedelta(minutes=service.checkin_closes_minutes),
    )


@transaction.atomic
def appointment_check_in(*, actor, appointment_id, now: datetime | None = None) -> Appointment:
    """The appointment becomes a ticket in its queue (see the module's docstring)."""
    now = now or timezone.now()
    appointment = _lock(appointment_id)
    as_business = _acting_as_business(actor, appointment)
    if appointment.status == A.CHECKED_IN:
        raise Conflict(
            _("This appointment is already checked in."), code=SmartQueueError.ALREADY_CHECKED_IN
        )
    if appointment.status != A.BOOKED:
        raise Conflict(
            _("Only a booked appointment can be checked in."),
            code=SmartQueueError.APPOINTMENT_NOT_BOOKED
        )
    opens, closes = checkin_window(appointment)
    if now < opens:
        raise Conflict(
            _("Check-in opens %(minutes)d minutes before your appointment.")
            % {"minutes": appointment.service.checkin_opens_minutes},
            code=SmartQueueError.CHECKIN_NOT_OPEN,
        )
    if now > closes:
        raise Conflict(
            _("Check-in for this appointment has closed."), code=SmartQueueError.CHECKIN_CLOSED
        )
    ticket = ticket_issue(
        queue=appointment.queue,
        channel=Channel.AGENT if as_business else Channel.MOBILE,
        user=appointment.user,
        ticket_class=TicketClass.APPOINTMENT,
        sort_at=appointment.starts_at,
        actor=actor,
        check_open=False,
        now=now,
    )
    appointment.ticket = ticket
    appointment.status = A.CHECKED_IN
    appointment.checked_in_at = now
    appointment.save(update_fields=["ticket", "status", "checked_in_at", "updated_at"])
    return appointment


# --- Payment (called by the payable, inside the fulfilment transaction) --------------------


def appointment_pay_confirm(*, appointment_id, payer) -> Appointment:
    """The payment succeeded: confirm the held booking. Raises Conflict/Gone (the
    payable turns them into a refused fulfilment, hence a refund)."""
    appointment = _lock(appointment_id)
    if appointment.status != A.PENDING_PAYMENT:
        raise Conflict(code=SmartQueueError.NOT_AWAITING_PAYMENT)
    scheduling.booking_confirm(booking_id=appointment.booking_id, actor=payer)
    appointment.status = A.BOOKED
    appointment.save(update_fields=["status", "updated_at"])
    return appointment


def appointment_pay_release(*, appointment_id) -> None:
    """The payment ended unpaid: give the slot back; the appointment expires."""
    appointment = Appointment.objects.select_for_update().filter(pk=appointment_id).first()
    if appointment is None or appointment.status != A.PENDING_PAYMENT:
        return
    booking = appointment.booking
    if booking.status == BookingStatus.PENDING:
        scheduling.booking_cancel(booking_id=booking.pk, by_client=True, reason="not paid")
    appointment.status = A.EXPIRED
    appointment.save(update_fields=["status", "updated_at"])


# --- Periodic ------------------------------------------------------------------------------


def appointments_mark_missed(now: datetime | None = None) -> int:
    """Booked appointments whose check-in window closed: missed (booking no-show).
    Unpaid ones whose hold ran out: expired. Returns how many changed."""
    now = now or timezone.now()
    changed = 0
    candidates = (
        Appointment.objects.filter(status=A.BOOKED, starts_at__lt=now)
        .select_related("service")
        .order_by("starts_at")
    )
    for appointment in candidates[:1000]:
        if checkin_window(appointment)[1] >= now:
            continue
        with transaction.atomic():
            locked = _lock(appointment.pk)
            if locked.status != A.BOOKED:
                continue
            if locked.booking.status == BookingStatus.CONFIRMED:
                scheduling.booking_no_show(booking_id=locked.booking_id)
            locked.status = A.MISSED
            locked.save(update_fields=["status", "updated_at"])
            changed += 1
    unpaid = Appointment.objects.filter(
        status=A.PENDING_PAYMENT, booking__hold_expires_at__lte=now
    ).values_list("pk", flat=True)
    for appointment_id in list(unpaid[:1000]):
        with transaction.atomic():
            locked = _lock(appointment_id)
            if locked.status != A.PENDING_PAYMENT:
                continue
            if locked.booking.status == BookingStatus.PENDING:
                scheduling.holds_expire(now=now, resource_id=locked.booking.resource_id)
            locked.status = A.EXPIRED
            locked.save(update_fields=["status", "updated_at"])
            changed += 1
    return changed

