"""The error codes invoicing answers: the stable ``code`` of its errors
(``{"error": {"code": …}}``), registered in the catalogue
(``teranga.core.errors.error_catalogues``); generic codes are ``CoreError``."""

from __future__ import annotations

from enum import StrEnum

from teranga.core.errors import error_catalogues


class InvoicingError(StrEnum):
    AMOUNT_OR_LINES = "amount_or_lines"
    AMOUNT_TOO_LARGE = "amount_too_large"
    CREDIT_EXCEEDS_INVOICE = "credit_exceeds_invoice"
    DUE_DATE_IN_PAST = "due_date_in_past"
    EMPTY_CREDIT = "empty_credit"
    FULLY_CREDITED = "fully_credited"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_TOTAL = "invalid_total"
    INVOICE_NOT_FOUND = "invoice_not_found"
    NOT_AN_INVOICE = "not_an_invoice"
    PAYMENT_NOT_PAID = "payment_not_paid"
    UNKNOWN_VAT_RATE = "unknown_vat_rate"
    UNSUPPORTED_CURRENCY = "unsupported_currency"
    VAT_EXEMPT_SELLER = "vat_exempt_seller"


error_catalogues.register("invoicing", InvoicingError, origin="invoicing")
