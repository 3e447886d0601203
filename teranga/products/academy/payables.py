"""Paying for an enrolment: the Academy's payable ``academy.enrolment``.

* **Quote** — the payer's own pending enrolment (others: 404 ``enrolment_not_found``), at
  the price fixed when they enrolled, paid to the academy; coupon scope
  ``academy.formation``. An active or cancelled enrolment is 409 ``not_awaiting_payment``.
* **Fulfil** — the enrolment becomes active; one that is no longer pending refuses (the
  payment is refunded).
* **Refunded** — a full refund cancels the enrolment.

Manual payments (bank transfer, cash) go through the same payable: the payments module
requires their transaction number and the academy's managers validate them
(``POST /api/v1/payments/{id}/review/``); the validation fulfils the enrolment.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from teranga.core.errors import Conflict
from teranga.platform.payments.extensions import (
    FulfilmentRefused,
    PayableBase,
    Quote,
    QuoteLine,
)
from teranga.platform.payments.models import PaymentStatus
from teranga.platform.payments.selectors import target_paid

from .errors import AcademyError
from .selectors import ENROLMENT_PAYABLE
from .services.enrolments import (
    EnrolmentUnavailable,
    enrolment_activate,
    enrolment_refunded,
    pending_enrolment_of,
)

TARGET_TYPE = ENROLMENT_PAYABLE


class EnrolmentPayable(PayableBase):
    def quote(self, *, target_id: str, payer) -> Quote:
        enrolment = pending_enrolment_of(payer=payer, enrolment_id=target_id)
        if target_paid(target_type=TARGET_TYPE, target_id=enrolment.pk):
            raise Conflict(
                _("This enrolment is not awaiting payment."),
                code=AcademyError.NOT_AWAITING_PAYMENT,
            )
        formation = enrolment.formation
        line = _("Formation: %(title)s") % {"title": formation.title}
        return Quote(
            organization=formation.organization,
            currency=enrolment.currency,
            description=line,
            lines=(QuoteLine(description=line, unit_amount=int(enrolment.amount)),),
            scopes=(("academy.formation", str(formation.pk)),),
            metadata={"formation": str(formation.pk)},
        )

    def fulfil(self, *, payment) -> None:
        try:
            enrolment_activate(enrolment_id=payment.target_id, payment=payment)
        except EnrolmentUnavailable as exc:
            raise FulfilmentRefused(str(exc)) from exc

    def refunded(self, *, payment, refund) -> None:
        if payment.status == PaymentStatus.REFUNDED:
            enrolment_refunded(enrolment_id=payment.target_id)
