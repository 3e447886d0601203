"""The payments handlers of invoicing (registered in ``apps.InvoicingConfig.ready``): an
invoice for every payment whose fulfilment succeeded, a credit note for every refund that
succeeded, both in the payments' own transaction."""

from __future__ import annotations

import logging

from teranga.core.errors import ApplicationError

from .services import credit_note_for_refund, invoice_for_payment

logger = logging.getLogger(__name__)


def on_payment_fulfilled(payment, **kwargs) -> None:
    """``payment_fulfilled`` handler: issue the payment's invoice (idempotent).

    A business rule refusing the invoice (an ``ApplicationError``, rolled back to its
    savepoint) is logged and does not undo the fulfilment; anything else (a database
    error, a bug) propagates, and the payments app retries the fulfilment."""
    try:
        # The fulfilment calls its handlers with the payment it has locked.
        invoice_for_payment(payment=payment, locked=True)
    except ApplicationError as error:
        logger.error(
            "no invoice for a fulfilled payment",
            extra={"payment_id": str(payment.pk), "code": error.code},
        )


def on_refund_succeeded(refund, **kwargs) -> None:
    """``refund_succeeded`` handler: issue the refund's credit note (idempotent).
    As above, a refusal is logged and never undoes the record of the refund."""
    try:
        credit_note_for_refund(refund=refund)
    except ApplicationError as error:
        logger.error(
            "no credit note for a refund", extra={"refund_id": str(refund.pk), "code": error.code}
        )
