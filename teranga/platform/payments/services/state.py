"""A payment's state machine on its own: the row lock, the append-only event record, and
the move of the status (:func:`status_move`), without what a move sets off.

Services move a payment with ``payments.transition``, which is :func:`status_move`
followed by the fan-out of ``effects`` (coupons, fulfilment, notices, the product's
``released``) in the same transaction. ``refunds.refund_settle`` alone calls
:func:`status_move` itself, for partially_refunded and refunded: ``effects`` sets
nothing off for those, and the refund's own consequences (the refund hooks, the
product's ``refunded``, the payer's notice) are run by ``refund_settle``. That keeps
this module, and refunds, below ``effects``: fulfilment refunds what it cannot deliver,
and ``effects`` schedules fulfilment.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound
from teranga.core.state_machine import StateMachine
from teranga.platform.payments.errors import PaymentError

from ..models import TRANSITIONS, Payment, PaymentEvent, PaymentStatus

APPLIED, UNCHANGED, STALE = "applied", "unchanged", "stale"


def _record_status(payment: Payment, from_status: str, to_status: str, /, *, now, **detail):
    return event_record(payment, "status", from_status=from_status, to_status=to_status, **detail)


#: The payment's machine (``models.TRANSITIONS``): every move stamps
#: ``status_changed_at``, success also ``succeeded_at``, and appends a "status" event.
PAYMENTS = StateMachine(
    transitions=TRANSITIONS,
    stamps={PaymentStatus.SUCCEEDED: "succeeded_at"},
    code=PaymentError.INVALID_TRANSITION,
    message=lambda current, target: (
        _("This payment cannot go from %(from)s to %(to)s.") % {"from": current, "to": target}
    ),
    record=_record_status,
)


def event_record(
    payment: Payment,
    action: str,
    *,
    source: str,
    from_status: str = "",
    to_status: str = "",
    actor=None,
    refund=None,
    detail: dict | None = None,
) -> PaymentEvent:
    return PaymentEvent.objects.create(
        payment=payment,
        action=action,
        from_status=from_status,
        to_status=to_status,
        source=source,
        actor=actor,
        refund=refund,
        detail=detail or {},
    )


def payment_lock(payment_id) -> Payment:
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("organization", "payer")
        .filter(pk=payment_id)
        .first()
    )
    if payment is None:
        raise NotFound(_("No such payment."), code=PaymentError.PAYMENT_NOT_FOUND)
    return payment


def status_move(
    payment: Payment,
    to_status: str,
    *,
    source: str,
    actor=None,
    detail: dict | None = None,
    failure_reason: str = "",
    strict: bool = False,
) -> str:
    """Move the (locked) ``payment`` to ``to_status`` and record the event: ``applied``,
    ``unchanged`` when it is there already, or ``stale`` when the move is not allowed (a
    late or out-of-order event: nothing changes). ``strict`` raises 409
    ``invalid_transition`` instead. Nothing else happens here (see the module's
    docstring)."""
    current = payment.status
    if to_status == current and to_status != PaymentStatus.PARTIALLY_REFUNDED and not strict:
        return UNCHANGED
    if not strict and not PAYMENTS.allows(current, to_status):
        return STALE
    now = timezone.now()
    fields = {"status_changed_at": now}
    if failure_reason:
        fields["failure_reason"] = failure_reason[:300]
    PAYMENTS.move(
        payment, to_status, now=now, fields=fields, source=source, actor=actor, detail=detail
    )
    return APPLIED
