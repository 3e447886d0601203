"""What a change of a payment's status sets off, run by ``payments.transition`` right
after the move is recorded, inside the same transaction and under the payment's lock:

* succeeded: the held coupon uses become used; the ``Fulfilment`` row is recorded (the
  durable record: the product's handler runs after commit, exactly once, see
  ``fulfilment``); the payer is told (a notification row, delivered after commit);
* failed, cancelled, expired (unpaid): held coupon uses are given back; the product is
  told (``Payable.released``); the payer is told of a failure;
* anything else (created, pending, partially_refunded, refunded) sets nothing off here.
  A refund's consequences are run by ``refunds.refund_settle``.

Everything here writes rows in the caller's transaction or queues work with
``transaction.on_commit``: nothing leaves the process before the change commits.
"""

from __future__ import annotations

from .. import notices
from ..models import UNPAID_FINAL_STATUSES, Fulfilment, Payment, PaymentStatus
from ..payables import payables
from . import coupons
from .fulfilment import fulfilment_schedule


def payment_status_changed(payment: Payment, to_status: str) -> None:
    """Fan the (just recorded) move of ``payment`` to ``to_status`` out."""
    if to_status == PaymentStatus.SUCCEEDED:
        _on_success(payment)
    elif to_status in UNPAID_FINAL_STATUSES:
        _on_unpaid(payment, to_status)


def _on_success(payment: Payment) -> None:
    coupons.coupons_consume(payment=payment)
    # The payment is locked (every move is): no one else records its fulfilment now, so
    # a read then an insert is enough (no get_or_create savepoint).
    fulfilment = Fulfilment.objects.filter(payment=payment).first()
    if fulfilment is None:
        fulfilment = Fulfilment.objects.create(payment=payment)
    fulfilment_schedule(fulfilment)
    notices.tell_payer(payment, "succeeded")


def _on_unpaid(payment: Payment, to_status: str) -> None:
    coupons.coupons_release(payment=payment)
    try:
        payable = payables.get(payment.target_type)
    except LookupError:
        payable = None
    if payable is not None:
        payable.released(payment=payment)
    if to_status == PaymentStatus.FAILED:
        notices.tell_payer(payment, "failed")
