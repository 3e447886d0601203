"""Issuing one document: totals, the next number, the rows — in the caller's transaction.

Every path (an invoice for a payment, a manual invoice, a credit note) builds a
:class:`Draft` and calls :func:`document_issue`. The PDF is not rendered here: it is
rendered after commit by a task (``documents.invoice_pdf_render_task``, unless
``settings.INVOICING_RENDER_ON_ISSUE`` is False) or, at the latest, on the first download
(``services.documents.invoice_pdf``), so a slow rendering never holds the transaction
(and the sequence lock) of a payment webhook.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from teranga.core.links import object_link
from teranga.core.money import Money
from teranga.platform.notifications.services import notification_send
from teranga.platform.organizations.models import Organization

from ..links import INVOICE
from ..models import Invoice, InvoiceKind, InvoiceLine, InvoicingProfile
from ..numbering import format_number
from ..snapshots import mentions_for, payment_terms_text, seller_snapshot
from ..totals import LineInput, compute_totals
from . import documents
from .sequences import sequence_next

logger = logging.getLogger(__name__)


@dataclass
class Draft:
    organization: Organization
    profile: InvoicingProfile
    kind: str
    buyer: dict[str, Any]
    lines: list[LineInput]
    prices_include_tax: bool
    currency: str
    vat_exempt: bool
    sale_date: date | None = None
    due_date: date | None = None
    paid_on: date | None = None  # paid when issued (invoices for payments)
    payment_method: str = ""
    payment: Any = None
    refund: Any = None
    credit_of: Invoice | None = None
    buyer_user: Any = None
    issued_by: Any = None
    notes: str = ""
    reason: str = ""
    fixed_ht: dict[Decimal, int] = field(default_factory=dict)


def local_today(organization: Organization, now=None) -> date:
    now = now or timezone.now()
    return now.astimezone(ZoneInfo(organization.time_zone or "Africa/Dakar")).date()


def document_issue(draft: Draft) -> Invoice:
    """Issue ``draft``: compute its totals, take the next number of its series under the
    sequence lock, and write the document and its lines, all in one transaction."""
    totals = compute_totals(
        draft.lines,
        currency=draft.currency,
        prices_include_tax=draft.prices_include_tax,
        vat_exempt=draft.vat_exempt,
        fixed_ht=draft.fixed_ht or None,
    )
    organization, profile = draft.organization, draft.profile
    seller = seller_snapshot(profile, organization)
    seller["vat_exempt"] = draft.vat_exempt
    # Every caller issues inside its own transaction, and nothing in here refuses (the
    # checks ran before): no savepoint of its own.
    with transaction.atomic(savepoint=False):
        series = draft.kind
        sequence = sequence_next(organization_id=organization.pk, series=series)
        # Taken under the lock: issue times follow the numbers.
        issued_at = timezone.now()
        issue_date = local_today(organization, issued_at)
        prefix = (
            profile.invoice_prefix
            if draft.kind == InvoiceKind.INVOICE
            else profile.credit_note_prefix
        )
        number = format_number(profile.number_pattern, prefix=prefix, day=issue_date, seq=sequence)
        if draft.paid_on is not None or draft.kind == InvoiceKind.CREDIT_NOTE:
            due_date = issue_date
        else:
            due_date = draft.due_date or issue_date + timedelta(days=profile.payment_terms_days)
        terms = ""
        if draft.kind == InvoiceKind.INVOICE:
            terms = payment_terms_text(
                paid_on=draft.paid_on,
                method_key=draft.payment_method,
                due_date=due_date,
                days=(due_date - issue_date).days,
                iban=seller["iban"],
            )
        invoice = Invoice.objects.create(
            organization=organization,
            kind=draft.kind,
            series=series,
            sequence=sequence,
            number=number,
            credit_of=draft.credit_of,
            issued_at=issued_at,
            issue_date=issue_date,
            sale_date=draft.sale_date or issue_date,
            due_date=due_date,
            currency=draft.currency,
            seller=seller,
            buyer=draft.buyer,
            buyer_name=draft.buyer["name"][:200],
            buyer_is_business=bool(draft.buyer.get("is_business")),
            buyer_user=draft.buyer_user,
            payment=draft.payment,
            refund=draft.refund,
            issued_by=draft.issued_by,
            prices_include_tax=draft.prices_include_tax,
            paid=draft.paid_on is not None,
            payment_method=draft.payment_method[:40],
            payment_terms=terms,
            mentions=mentions_for(
                seller=seller, buyer=draft.buyer, profile=profile, vat_exempt=draft.vat_exempt
            ),
            reason=draft.reason[:300],
            notes=draft.notes,
            total_ht=totals.ht,
            total_tva=totals.tva,
            total_ttc=totals.ttc,
            vat_breakdown=totals.breakdown_json(),
        )
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    invoice=invoice,
                    position=position,
                    description=line.description[:500],
                    quantity=Decimal(line.quantity),
                    unit_amount=line.unit_amount,
                    vat_rate=result.vat_rate,
                    vat_category=result.vat_category,
                    total_ht=result.ht,
                    total_tva=result.tva,
                    total_ttc=result.ttc,
                )
                for position, (line, result) in enumerate(
                    zip(draft.lines, totals.lines, strict=True), start=1
                )
            ]
        )
        if getattr(settings, "INVOICING_RENDER_ON_ISSUE", True):
            invoice_id = str(invoice.pk)
            # robust: the document is committed; the first download renders it anyway.
            transaction.on_commit(
                lambda: documents.invoice_pdf_render_task.enqueue(invoice_id=invoice_id),
                robust=True,
            )
    logger.info(
        "invoice issued",
        extra={"invoice_id": str(invoice.pk), "number": number, "kind": draft.kind},
    )
    return invoice


def invoice_announce(invoice: Invoice) -> None:
    """Tell the buyer's account (if any, and active) that the document is available."""
    user = invoice.buyer_user
    if user is None or not user.is_active:
        return
    notification_send(
        recipient=user,
        kind="invoice.issued",
        context={
            "invoice_id": str(invoice.pk),
            "kind": invoice.kind,
            "number": invoice.number,
            "organization": invoice.seller.get("name") or invoice.organization.name,
            "total": Money(int(invoice.total_ttc), invoice.currency).format(),
            "credit_of": invoice.credit_of.number if invoice.credit_of_id else "",
        },
        link=invoice_link(invoice),
        idempotency_key=f"invoice:{invoice.pk}:issued",
    )


def invoice_link(invoice: Invoice) -> str:
    return object_link(INVOICE, invoice.pk)
