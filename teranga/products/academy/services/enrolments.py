"""Enrolment: a member asks to join a formation (a pending enrolment at the formation's
price), pays for it through the payments module (``academy.enrolment``: online with a
provider, or a manual payment — bank transfer or cash — declared with its mandatory
transaction number and validated by the academy's staff), and the payment's fulfilment
makes it active. The invoice (``CT-YYYYMMDD-XXXX`` with the academy's invoicing
profile) is issued by the invoicing module for every fulfilled payment."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, NotFound
from teranga.core.validators import parse_uuid

from ..errors import AcademyError
from ..models import Enrolment, EnrolmentStatus, Formation


class EnrolmentUnavailable(Exception):
    """The enrolment can no longer be activated (the payment is then refunded)."""


@transaction.atomic
def enrolment_create(*, user, formation: Formation) -> tuple[Enrolment, bool]:
    """The member's pending enrolment in ``formation`` (returned as it is when one is
    pending already: ``created`` False). 409 ``already_enrolled`` once active; a
    cancelled enrolment is opened again at today's price."""
    formation = Formation.objects.select_for_update().get(pk=formation.pk)
    if not formation.is_published:
        raise Conflict(
            _("This formation is not open for enrolment."), code=AcademyError.FORMATION_NOT_OPEN
        )
    enrolment = Enrolment.objects.select_for_update().filter(formation=formation, user=user).first()
    if enrolment is not None:
        if enrolment.status == EnrolmentStatus.ACTIVE:
            raise Conflict(
                _("You are already enrolled in this formation."),
                code=AcademyError.ALREADY_ENROLLED,
            )
        if enrolment.status == EnrolmentStatus.PENDING:
            return enrolment, False
        enrolment.status = EnrolmentStatus.PENDING
        enrolment.amount = formation.price_amount
        enrolment.currency = formation.currency
        enrolment.save(update_fields=["status", "amount", "currency", "updated_at"])
        return enrolment, False
    enrolment = Enrolment.objects.create(
        organization_id=formation.organization_id,
        formation=formation,
        user=user,
        amount=formation.price_amount,
        currency=formation.currency,
    )
    return enrolment, True


def pending_enrolment_of(*, payer, enrolment_id) -> Enrolment:
    """The payer's enrolment awaiting payment (404 ``enrolment_not_found``, 409
    ``not_awaiting_payment``)."""
    key = parse_uuid(enrolment_id)
    enrolment = (
        Enrolment.objects.select_related("formation__organization")
        .filter(pk=key, user=payer)
        .first()
        if key
        else None
    )
    if enrolment is None:
        raise NotFound(_("No such enrolment."), code=AcademyError.ENROLMENT_NOT_FOUND)
    if enrolment.status != EnrolmentStatus.PENDING:
        raise Conflict(
            _("This enrolment is not awaiting payment."), code=AcademyError.NOT_AWAITING_PAYMENT
        )
    return enrolment


@transaction.atomic
def enrolment_activate(*, enrolment_id, payment) -> Enrolment:
    """The payment succeeded: the enrolment is active (once). Raises
    :class:`EnrolmentUnavailable` when it is no longer pending."""
    enrolment = Enrolment.objects.select_for_update().filter(pk=enrolment_id).first()
    if enrolment is None or enrolment.status != EnrolmentStatus.PENDING:
        raise EnrolmentUnavailable("enrolment not pending")
    enrolment.status = EnrolmentStatus.ACTIVE
    enrolment.activated_at = timezone.now()
    enrolment.payment = payment
    enrolment.save(update_fields=["status", "activated_at", "payment", "updated_at"])
    return enrolment


@transaction.atomic
def enrolment_refunded(*, enrolment_id) -> None:
    """A full refund of the enrolment's payment cancels it."""
    Enrolment.objects.filter(pk=enrolment_id, status=EnrolmentStatus.ACTIVE).update(
        status=EnrolmentStatus.CANCELLED, updated_at=timezone.now()
    )
