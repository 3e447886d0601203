"""What invoicing tells people: ``invoice.issued``, sent to the buyer's account when an
invoice is issued for their payment, or a credit note for their refund (email and the
live socket), with a link to the document. Rendered in the recipient's language."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.core.priorities import NORMAL
from teranga.platform.notifications.models import Channel
from teranga.platform.notifications.types import NotificationType, notification_type_register

INVOICE_ISSUED = "invoice.issued"


def _is_credit_note(ctx) -> bool:
    return ctx.get("kind") == "credit_note"


def _title(ctx) -> str:
    if _is_credit_note(ctx):
        return _("Credit note %(number)s") % {"number": ctx.get("number", "")}
    return _("Invoice %(number)s") % {"number": ctx.get("number", "")}


def _body(ctx) -> str:
    values = {
        "number": ctx.get("number", ""),
        "organization": ctx.get("organization", ""),
        "total": ctx.get("total", ""),
        "credit_of": ctx.get("credit_of", ""),
    }
    if _is_credit_note(ctx):
        return (
            _(
                "%(organization)s issued credit note %(number)s of %(total)s on invoice "
                "%(credit_of)s. You can download it from your invoices."
            )
            % values
        )
    return (
        _(
            "Your invoice %(number)s from %(organization)s (%(total)s) is available. "
            "You can download it from your invoices."
        )
        % values
    )


INVOICE_ISSUED_TYPE = notification_type_register(
    NotificationType(
        name=INVOICE_ISSUED,
        channels=(Channel.EMAIL, Channel.WEBSOCKET),
        title=_title,
        body=_body,
        label=gettext_lazy("Invoices and credit notes"),
        # Told after the receipt and the product's confirmation of a burst of payments.
        send_priority=NORMAL,
    )
)
