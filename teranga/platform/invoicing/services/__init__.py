"""Invoicing writes. See each module: ``invoices`` (for payments, manual), ``credit_notes``,
``profiles``, ``documents`` (the PDF) and ``issuing`` (numbering and rows)."""

from .credit_notes import credit_note_for_refund, credit_note_issue
from .documents import invoice_pdf
from .invoices import invoice_for_payment, invoice_issue, payment_invoice_lines
from .profiles import invoicing_profile_update

__all__ = [
    "credit_note_for_refund",
    "credit_note_issue",
    "invoice_for_payment",
    "invoice_issue",
    "invoice_pdf",
    "invoicing_profile_update",
    "payment_invoice_lines",
]
