"""What invoicing registers when Django starts (``apps.InvoicingConfig.ready``):

* access rules: ``invoicing.view`` (managers and above, and staff) reads an
  organisation's invoices and its profile; ``invoicing.manage`` (managers and above)
  issues manual invoices and credit notes; ``invoicing.settings.manage`` (admins and
  above) changes the invoicing profile;
* the notification type ``invoice.issued``;
* the payments hooks: an invoice for every payment whose fulfilment succeeded, a credit
  note for every refund that succeeded — both in the payments' own transaction.
"""

from __future__ import annotations

import logging

from teranga.core.errors import ApplicationError
from teranga.platform.organizations.access import register_action
from teranga.platform.organizations.models import Role
from teranga.platform.payments.hooks import payment_fulfilled_hooks, refund_succeeded_hooks

from . import notices  # noqa: F401 — registers the notification type
from .selectors import INVOICING_MANAGE, INVOICING_SETTINGS, INVOICING_VIEW

logger = logging.getLogger(__name__)

register_action(INVOICING_VIEW, Role.MANAGER, staff=True)
register_action(INVOICING_MANAGE, Role.MANAGER)
register_action(INVOICING_SETTINGS, Role.ADMIN)


def on_payment_fulfilled(payment, **kwargs) -> None:
    """``payment_fulfilled_hooks`` entry: issue the payment's invoice (idempotent).

    A business rule refusing the invoice (an ``ApplicationError``, rolled back to its
    savepoint) is logged and does not undo the fulfilment; anything else (a database
    error, a bug) propagates, and the payments app retries the fulfilment."""
    from .services import invoice_for_payment

    try:
        invoice_for_payment(payment=payment)
    except ApplicationError as error:
        logger.error(
            "no invoice for a fulfilled payment",
            extra={"payment_id": str(payment.pk), "code": error.code},
        )


def on_refund_succeeded(refund, **kwargs) -> None:
    """``refund_succeeded_hooks`` entry: issue the refund's credit note (idempotent).
    As above, a refusal is logged and never undoes the record of the refund."""
    from .services import credit_note_for_refund

    try:
        credit_note_for_refund(refund=refund)
    except ApplicationError as error:
        logger.error(
            "no credit note for a refund", extra={"refund_id": str(refund.pk), "code": error.code}
        )


if on_payment_fulfilled not in payment_fulfilled_hooks:
    payment_fulfilled_hooks.append(on_payment_fulfilled)
if on_refund_succeeded not in refund_succeeded_hooks:
    refund_succeeded_hooks.append(on_refund_succeeded)
