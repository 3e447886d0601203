"""Invoices: for a payment that succeeded (automatic), and typed by staff (manual).

**For a payment** (:func:`invoice_for_payment`, in the payments'
``payment_fulfilled_hooks``): one invoice per payment, in the fulfilment's transaction;
a second call returns the first invoice. Its lines are the payment's quote lines, whose
unit amounts include taxes; its TTC is exactly ``payment.amount``:

* a line without a VAT rate takes the seller's default rate (0 % when the seller is
  not liable for VAT);
* when discounts (coupons) made the payment smaller than its lines, the difference is
  shown as one *Remise* line per VAT rate, with a negative amount, split over the rates
  in proportion to their amounts (largest remainder). Each rate's VAT is then computed
  on what was really paid at that rate — as French law wants for a discount granted on
  the invoice — and the total is the amount paid, to the minor unit;
* should the payment be larger than its lines (it never is by construction), the
  difference is an *Ajustement* line at the default rate; lines that cannot be read
  give way to one line for the whole amount with the payment's description.

The invoice is marked paid (*Facture acquittée*): due on issue, nothing left to pay.
The buyer is ``payment.metadata["buyer"]`` when the product gives one (a business:
name, address, SIRET, VAT number, NINEA…), else the payer's name, email and client
address. The payer's account is told (notification ``invoice.issued``).

**Manual** (:func:`invoice_issue`): staff (``invoicing.manage``) type tax-exclusive
lines; VAT is computed per rate; the invoice is due after the profile's payment terms
unless a due date is given.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, CoreError, ValidationFailed
from teranga.core.money import CURRENCY_EXPONENTS
from teranga.platform.invoicing.errors import InvoicingError
from teranga.platform.organizations.access import ensure
from teranga.platform.organizations.models import Organization
from teranga.platform.payments.models import PAID_STATUSES, Payment

from ..models import Invoice, InvoiceKind
from ..selectors import INVOICING_MANAGE
from ..snapshots import (
    buyer_from_user,
    clean_buyer,
    payment_method_key,
    profile_for,
    rate_label,
)
from ..totals import MAX_RATE, LineInput, allocate, compute_totals, line_amount
from .issuing import Draft, document_issue, invoice_announce, local_today

logger = logging.getLogger(__name__)

DISCOUNT_LABEL = "Remise"
ADJUSTMENT_LABEL = "Ajustement"
MAX_LINES = 200
#: No document amount may exceed this many minor units (well inside a 64-bit column).
MAX_AMOUNT = 10**15
MAX_QUANTITY = Decimal("999999999.999")
QUANTITY_STEP = Decimal("0.001")


def _read_payment_line(raw: Any, *, fallback: str, default_rate: Decimal, exempt: bool):
    if not isinstance(raw, dict):
        raise ValueError("a line is an object")
    unit = raw.get("unit_amount")
    if not isinstance(unit, int) or isinstance(unit, bool) or unit < 0:
        raise ValueError("unit_amount is a non-negative integer")
    quantity = Decimal(str(raw.get("quantity", 1)))
    if not quantity.is_finite() or not 0 < quantity <= MAX_QUANTITY:
        raise ValueError("quantity is positive")
    if quantity != quantity.quantize(QUANTITY_STEP):
        raise ValueError("quantity has at most 3 decimals")
    rate = raw.get("vat_rate")
    rate = default_rate if rate in (None, "") else Decimal(str(rate))
    if not rate.is_finite() or not Decimal(0) <= rate <= MAX_RATE:
        raise ValueError("vat_rate is a percentage")
    description = " ".join(str(raw.get("description") or fallback).split())
    return LineInput(description, unit, quantity, Decimal(0) if exempt else rate)


def payment_invoice_lines(payment, *, default_rate: Decimal, vat_exempt: bool) -> list[LineInput]:
    """The tax-inclusive lines of the invoice of ``payment`` (see the module's rules):
    they always add up to ``payment.amount``."""
    amount = int(payment.amount)
    default_rate = Decimal(0) if vat_exempt else Decimal(default_rate)
    fallback = payment.description or "Paiement"
    try:
        raws = payment.lines or []
        if not isinstance(raws, list) or len(raws) > MAX_LINES:
            raise ValueError("lines is a list")
        lines = [
            _read_payment_line(raw, fallback=fallback, default_rate=default_rate, exempt=vat_exempt)
            for raw in raws
        ]
    except (ValueError, TypeError, InvalidOperation, ArithmeticError):
        logger.warning("unreadable payment lines", extra={"payment_id": str(payment.pk)})
        lines = []
    gross = sum(line_amount(line.unit_amount, line.quantity) for line in lines)
    if not lines or gross <= 0 or gross > MAX_AMOUNT:
        return [LineInput(fallback, amount, Decimal(1), default_rate)]
    if gross > amount:
        by_rate: dict[Decimal, int] = {}
        for line in lines:
            rate = line.vat_rate
            by_rate[rate] = by_rate.get(rate, 0) + line_amount(line.unit_amount, line.quantity)
        rates = sorted(rate for rate, total in by_rate.items() if total > 0)
        parts = allocate(gross - amount, [by_rate[rate] for rate in rates])
        for rate, part in zip(rates, parts, strict=True):
            if part:
                label = DISCOUNT_LABEL
                if len(rates) > 1:
                    label += f" — TVA {rate_label(rate)}"
                lines.append(LineInput(label, -part, Decimal(1), rate))
    elif gross < amount:
        lines.append(LineInput(ADJUSTMENT_LABEL, amount - gross, Decimal(1), default_rate))
    return lines


def _payment_buyer(payment, *, default_country: str) -> dict[str, Any]:
    metadata = payment.metadata if isinstance(payment.metadata, dict) else {}
    given = metadata.get("buyer")
    if isinstance(given, dict) and str(given.get("name") or "").strip():
        data = dict(given)
        if not data.get("email"):
            data["email"] = payment.payer_email or getattr(payment.payer, "email", "")
        return clean_buyer(data, default_country=default_country)
    return buyer_from_user(
        payment.payer, email=payment.payer_email, default_country=default_country
    )


def invoice_for_payment(*, payment, locked: bool = False) -> Invoice | None:
    """The invoice of ``payment`` (issued now if it has none), in the caller's
    transaction. None for a payment of nothing (a 100 % discount). 409
    ``payment_not_paid`` for a payment that has not succeeded. ``locked``: the caller
    holds ``payment``'s row lock in this transaction and read it with its organisation
    and payer (the fulfilment does), so it is not read again."""
    with transaction.atomic():
        # Two fulfilment workers for one payment queue here; the second finds the invoice.
        if not locked:
            payment = (
                Payment.objects.select_for_update(of=("self",))
                .select_related("organization", "payer")
                .get(pk=payment.pk)
            )
        existing = Invoice.objects.filter(payment=payment, kind=InvoiceKind.INVOICE).first()
        if existing is not None:
            return existing
        if payment.status not in PAID_STATUSES:
            raise Conflict(
                _("This payment has not succeeded."), code=InvoicingError.PAYMENT_NOT_PAID
            )
        if int(payment.amount) <= 0:
            return None
        organization = payment.organization
        profile = profile_for(organization)
        country = profile.country or organization.country
        paid_at = payment.succeeded_at or timezone.now()
        invoice = document_issue(
            Draft(
                organization=organization,
                profile=profile,
                kind=InvoiceKind.INVOICE,
                buyer=_payment_buyer(payment, default_country=country),
                lines=payment_invoice_lines(
                    payment, default_rate=profile.default_vat_rate, vat_exempt=profile.vat_exempt
                ),
                prices_include_tax=True,
                currency=payment.currency,
                vat_exempt=profile.vat_exempt,
                sale_date=local_today(organization, paid_at),
                paid_on=local_today(organization, paid_at),
                payment_method=payment_method_key(payment.method, payment.provider),
                payment=payment,
                buyer_user=payment.payer,
            )
        )
        invoice_announce(invoice)
    return invoice


def _manual_lines(
    lines: list[dict[str, Any]], *, default_rate: Decimal, vat_exempt: bool
) -> list[LineInput]:
    result = []
    for index, line in enumerate(lines):
        rate = line.get("vat_rate")
        if vat_exempt:
            if rate not in (None, "") and Decimal(str(rate)) != 0:
                raise ValidationFailed(
                    _("This seller is not liable for VAT: lines carry no VAT."),
                    code=InvoicingError.VAT_EXEMPT_SELLER,
                    fields={f"lines[{index}].vat_rate": [_("Must be 0 or left out.")]},
                )
            rate = Decimal(0)
        elif rate in (None, ""):
            rate = default_rate
        result.append(
            LineInput(
                " ".join(str(line["description"]).split()),
                unit_amount=int(line["unit_price"]),
                quantity=Decimal(str(line.get("quantity", 1))),
                vat_rate=Decimal(str(rate)),
            )
        )
    return result


def invoice_issue(
    *,
    actor,
    organization: Organization,
    buyer: dict[str, Any],
    lines: list[dict[str, Any]],
    due_date: date | None = None,
    sale_date: date | None = None,
    notes: str = "",
    currency: str | None = None,
) -> Invoice:
    """A manual invoice (``invoicing.manage``): ``lines`` are ``{description, quantity,
    unit_price (HT, minor units), vat_rate (percent; the profile's default when left
    out)}``. 400 ``vat_exempt_seller``, ``invalid_total``, ``due_date_in_past``,
    ``unsupported_currency``."""
    ensure(actor, organization, INVOICING_MANAGE)
    currency = currency or organization.currency
    if currency not in CURRENCY_EXPONENTS:
        raise ValidationFailed(_("Unsupported currency."), code=InvoicingError.UNSUPPORTED_CURRENCY)
    if not lines or len(lines) > MAX_LINES:
        raise ValidationFailed(
            _("An invoice has 1 to 200 lines."),
            code=CoreError.INVALID,
            fields={"lines": [_("1 to 200.")]},
        )
    profile = profile_for(organization)
    inputs = _manual_lines(
        lines, default_rate=profile.default_vat_rate, vat_exempt=profile.vat_exempt
    )
    totals = compute_totals(
        inputs, currency=currency, prices_include_tax=False, vat_exempt=profile.vat_exempt
    )
    if totals.ttc <= 0 or any(rate.ht < 0 for rate in totals.rates):
        raise ValidationFailed(
            _("The total of an invoice, and of each VAT rate, must be positive."),
            code=InvoicingError.INVALID_TOTAL,
        )
    if any(abs(line.ttc) > MAX_AMOUNT for line in totals.lines) or totals.ttc > MAX_AMOUNT:
        raise ValidationFailed(
            _("These amounts are too large."), code=InvoicingError.AMOUNT_TOO_LARGE
        )
    today = local_today(organization)
    if due_date is not None and due_date < today:
        raise ValidationFailed(
            _("The due date cannot be in the past."),
            code=InvoicingError.DUE_DATE_IN_PAST,
            fields={"due_date": [_("The due date cannot be in the past.")]},
        )
    country = profile.country or organization.country
    with transaction.atomic():
        invoice = document_issue(
            Draft(
                organization=organization,
                profile=profile,
                kind=InvoiceKind.INVOICE,
                buyer=clean_buyer(buyer, default_country=country),
                lines=inputs,
                prices_include_tax=False,
                currency=currency,
                vat_exempt=profile.vat_exempt,
                sale_date=sale_date,
                due_date=due_date,
                issued_by=actor,
                notes=notes,
            )
        )
    return invoice
