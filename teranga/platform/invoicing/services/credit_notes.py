"""Credit notes (avoirs): the only way to correct an issued invoice.

A credit note references the invoice it corrects (``credit_of``), takes its buyer and its
currency, and carries positive amounts (see ``models``). The invoice is locked while a
credit note is issued against it, so that credit notes never add up to more than the
invoice, per VAT rate and in total, even when two are issued at once (409
``credit_exceeds_invoice``).

Three ways to say what is credited:

* **everything that remains** (no amount, no lines): when nothing was credited yet, the
  invoice's own lines are repeated, so the credit note mirrors it exactly; otherwise one
  line per VAT rate for what remains of it;
* **an amount** (TTC, minor units): split over the VAT rates in proportion to what
  remains of each (largest remainder), one tax-inclusive line per rate; a rate whose
  remainder is credited in full gets its remaining HT exactly, so that credit notes
  always add up to the invoice's HT and TVA;
* **lines** (staff, tax-exclusive like manual invoices): each at one of the invoice's
  rates, never more than what remains of that rate.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, CoreError, ValidationFailed
from teranga.platform.invoicing.errors import InvoicingError

from .. import selectors
from ..models import Invoice, InvoiceKind
from ..snapshots import french_date, profile_for, rate_label
from ..totals import LineInput, allocate, compute_totals
from .issuing import Draft, document_issue, invoice_announce

logger = logging.getLogger(__name__)


def _over_credit() -> Conflict:
    return Conflict(
        _("A credit note cannot exceed what remains to be credited on the invoice."),
        code=InvoicingError.CREDIT_EXCEEDS_INVOICE,
    )


def _remaining_lines(
    original: Invoice, amount: int, remaining: dict[Decimal, dict[str, int]]
) -> tuple[list[LineInput], dict[Decimal, int]]:
    """Tax-inclusive lines crediting ``amount`` over the rates in proportion to what
    remains of each, and the HT fixed for rates credited in full."""
    rates = [rate for rate in sorted(remaining) if remaining[rate]["ttc"] > 0]
    parts = allocate(amount, [remaining[rate]["ttc"] for rate in rates])
    lines, fixed_ht = [], {}
    reference = f"facture {original.number} du {french_date(original.issue_date)}"
    for rate, part in zip(rates, parts, strict=True):
        if part <= 0:
            continue
        description = f"Avoir sur {reference}"
        if len(rates) > 1:
            description += f" — TVA {rate_label(rate)}"
        lines.append(LineInput(description, unit_amount=part, vat_rate=rate))
        if part == remaining[rate]["ttc"]:
            fixed_ht[rate] = remaining[rate]["ht"]
    return lines, fixed_ht


def _lines_from_input(
    original: Invoice, lines: list[dict[str, Any]], remaining: dict[Decimal, dict[str, int]]
) -> list[LineInput]:
    result = []
    for index, line in enumerate(lines):
        rate = Decimal(str(line.get("vat_rate", "")))
        if rate not in remaining:
            raise ValidationFailed(
                _("Each line must use one of the invoice's VAT rates."),
                code=InvoicingError.UNKNOWN_VAT_RATE,
                fields={f"lines[{index}].vat_rate": [_("The invoice has no such rate.")]},
            )
        result.append(
            LineInput(
                str(line["description"]),
                unit_amount=int(line["unit_price"]),
                quantity=Decimal(str(line.get("quantity", 1))),
                vat_rate=rate,
            )
        )
    return result


def _credit(
    original: Invoice,
    *,
    reason: str,
    amount: int | None = None,
    lines: list[dict[str, Any]] | None = None,
    refund=None,
    actor=None,
) -> Invoice:
    """Issue a credit note against ``original``, which the caller has locked."""
    if original.kind != InvoiceKind.INVOICE:
        raise Conflict(_("Only an invoice can be credited."), code=InvoicingError.NOT_AN_INVOICE)
    remaining = selectors.remaining_by_rate(original)
    remaining_ttc = sum(values["ttc"] for values in remaining.values())
    if remaining_ttc <= 0:
        raise Conflict(
            _("This invoice has already been fully credited."), code=InvoicingError.FULLY_CREDITED
        )
    vat_exempt = bool(original.seller.get("vat_exempt"))
    prices_include_tax, fixed_ht = True, {}
    if lines:
        inputs = _lines_from_input(original, lines, remaining)
        prices_include_tax = False
        totals = compute_totals(
            inputs, currency=original.currency, prices_include_tax=False, vat_exempt=vat_exempt
        )
        if totals.ttc <= 0:
            raise ValidationFailed(
                _("A credit note must credit something."), code=InvoicingError.EMPTY_CREDIT
            )
        for rate_totals in totals.rates:
            if rate_totals.ttc > remaining[rate_totals.vat_rate]["ttc"]:
                raise _over_credit()
    elif amount is None and remaining_ttc == original.total_ttc:
        inputs = [
            LineInput(line.description, line.unit_amount, line.quantity, line.vat_rate)
            for line in original.lines.all()
        ]
        prices_include_tax = original.prices_include_tax
    else:
        amount = remaining_ttc if amount is None else int(amount)
        if amount <= 0:
            raise ValidationFailed(
                _("The amount must be positive."), code=InvoicingError.INVALID_AMOUNT
            )
        if amount > remaining_ttc:
            raise _over_credit()
        inputs, fixed_ht = _remaining_lines(original, amount, remaining)
    organization = original.organization
    return document_issue(
        Draft(
            organization=organization,
            profile=profile_for(organization),
            kind=InvoiceKind.CREDIT_NOTE,
            buyer=original.buyer,
            lines=inputs,
            prices_include_tax=prices_include_tax,
            currency=original.currency,
            vat_exempt=vat_exempt,
            sale_date=original.sale_date,
            credit_of=original,
            buyer_user=original.buyer_user,
            issued_by=actor,
            refund=refund,
            payment=original.payment if refund is not None else None,
            reason=reason,
            fixed_ht=fixed_ht,
        )
    )


def credit_note_issue(
    *,
    actor,
    invoice_id,
    reason: str,
    amount: int | None = None,
    lines: list[dict[str, Any]] | None = None,
) -> Invoice:
    """Credit an invoice, fully (no ``amount`` nor ``lines``) or partly. Managers and
    above of the seller (``invoicing.manage``). 404 ``invoice_not_found``; 403; 409
    ``not_an_invoice``, ``fully_credited``, ``credit_exceeds_invoice``; 400
    ``invalid_amount``, ``unknown_vat_rate``, ``empty_credit``, ``amount_or_lines``."""
    if amount is not None and lines:
        raise ValidationFailed(
            _("Give an amount or lines, not both."), code=InvoicingError.AMOUNT_OR_LINES
        )
    if not (reason or "").strip():
        raise ValidationFailed(
            _("Give the reason for the credit note."),
            code=CoreError.INVALID,
            fields={"reason": [_("This field is required.")]},
        )
    selectors.invoice_get(user=actor, invoice_id=invoice_id, action=selectors.INVOICING_MANAGE)
    with transaction.atomic():
        original = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("organization", "payment")
            .get(pk=invoice_id)
        )
        credit_note = _credit(
            original, reason=reason.strip(), amount=amount, lines=lines, actor=actor
        )
        invoice_announce(credit_note)
    return credit_note


def credit_note_for_refund(*, refund) -> Invoice | None:
    """The credit note of a refund that has succeeded: registered into the payments'
    ``refund_succeeded_hooks``, it runs in the refund's transaction. Idempotent per
    refund. Nothing when the payment has no invoice. A refund larger than what remains
    to be credited (staff credited part of the invoice by hand before) is credited up
    to what remains; nothing when nothing remains."""
    payment_id = refund.payment_id
    with transaction.atomic():
        original = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("organization", "payment")
            .filter(payment_id=payment_id, kind=InvoiceKind.INVOICE)
            .first()
        )
        if original is None:
            return None
        existing = Invoice.objects.filter(refund_id=refund.pk).first()
        if existing is not None:
            return existing
        if refund.currency != original.currency:
            logger.error("refund currency differs from its invoice", extra={"refund": refund.pk})
            return None
        remaining = sum(v["ttc"] for v in selectors.remaining_by_rate(original).values())
        amount = min(int(refund.amount), remaining)
        if amount <= 0:
            logger.warning("refund of a fully credited invoice", extra={"refund": str(refund.pk)})
            return None
        full = amount == original.total_ttc
        reason = refund.reason or "Remboursement"
        credit_note = _credit(
            original,
            reason=reason,
            amount=None if full else amount,
            refund=refund,
            actor=getattr(refund, "requested_by", None),
        )
        invoice_announce(credit_note)
    return credit_note
