"""What invoice links point at (``teranga.core.links``)."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from teranga.core.links import LinkKind, link_kind_register, local_time_text, summary_of
from teranga.core.money import Money

from .links import INVOICE


def _invoice(user, invoice_id):
    from .selectors import invoice_get

    return invoice_get(user=user, invoice_id=invoice_id)


def _invoice_rows(invoice) -> list[tuple]:
    return [
        (gettext("Number"), invoice.number),
        (gettext("Business"), invoice.organization.name),
        (gettext("Total"), Money(int(invoice.total_ttc), invoice.currency).format()),
        (gettext("Issued at"), local_time_text(invoice.issued_at, invoice.organization.time_zone)),
    ]


def register(origin: str) -> None:
    link_kind_register(
        LinkKind(INVOICE, gettext_lazy("Invoice"), "invoices/{id}",
                 summary=summary_of(_invoice, _invoice_rows)),
        origin=origin,
    )
