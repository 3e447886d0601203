"""Reads of invoices and invoicing profiles, scoped to what the caller may see.

Who sees an invoice: its buyer (the account it was issued to), and the seller
organisation's managers and above, and platform staff (``invoicing.view``). Anyone else
gets 404 — except a member of the seller below manager, who gets 403 (members know their
own organisation exists; the access layer says so).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from teranga.core.db import related_only
from teranga.core.errors import Forbidden, NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.invoicing.errors import InvoicingError
from teranga.platform.organizations.access import decide, membership_of
from teranga.platform.organizations.models import Organization

from .models import Invoice, InvoiceKind, InvoicingProfile
from .snapshots import profile_for
from .totals import sum_by_rate

INVOICING_VIEW = "invoicing.view"
INVOICING_MANAGE = "invoicing.manage"
INVOICING_SETTINGS = "invoicing.settings.manage"
MAX_SEARCH_TERMS = 5


@dataclass(frozen=True, slots=True)
class InvoiceFilters:
    kind: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def _filtered(queryset: QuerySet, filters: InvoiceFilters) -> QuerySet:
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.date_from:
        queryset = queryset.filter(issue_date__gte=filters.date_from)
    if filters.date_to:
        queryset = queryset.filter(issue_date__lte=filters.date_to)
    for term in filters.q.split()[:MAX_SEARCH_TERMS]:
        queryset = queryset.filter(Q(number__icontains=term) | Q(buyer_name__icontains=term))
    return queryset


def _list_queryset() -> QuerySet:
    """What a list shows (``InvoiceSerializer``): the invoice without its snapshots, the
    organisation's name and the number of the invoice a credit note cancels."""
    queryset = (
        Invoice.objects.select_related("organization", "credit_of")
        .defer("seller", "buyer", "mentions", "notes")
        .order_by("-issued_at", "-sequence")
    )
    return related_only(queryset, organization=["name"], credit_of=["number"])


def invoices_of_buyer(*, user, filters: InvoiceFilters) -> QuerySet:
    if user is None or not user.is_authenticated:
        return Invoice.objects.none()
    return _filtered(_list_queryset().filter(buyer_user=user), filters)


def invoices_of_organization(*, organization: Organization, filters: InvoiceFilters) -> QuerySet:
    return _filtered(_list_queryset().filter(organization=organization), filters)


def _parse_id(invoice_id) -> uuid.UUID:
    key = parse_uuid(invoice_id)
    if key is None:
        raise NotFound(code=InvoicingError.INVOICE_NOT_FOUND)
    return key


def invoice_access(user, invoice: Invoice, action: str) -> str:
    """``"allow"``, ``"forbid"`` (403) or ``"hide"`` (404) for ``user`` doing ``action``
    (``invoicing.view`` or ``invoicing.manage``) on ``invoice``. The buyer may view."""
    is_buyer = bool(
        user is not None
        and user.is_authenticated
        and invoice.buyer_user_id is not None
        and invoice.buyer_user_id == user.pk
    )
    if action == INVOICING_VIEW and is_buyer:
        return "allow"
    membership = membership_of(user, invoice.organization_id)
    verdict = decide(user, invoice.organization, action, membership)
    if verdict == "hide" and is_buyer:
        return "forbid"  # they see it, but may not do this
    return verdict


def invoice_get(*, user, invoice_id, action: str = INVOICING_VIEW, queryset=None) -> Invoice:
    """The invoice ``invoice_id`` if ``user`` may do ``action`` on it: NotFound (404)
    when it does not exist or is not theirs to know of, Forbidden (403) otherwise."""
    key = _parse_id(invoice_id)
    rows = queryset if queryset is not None else Invoice.objects.select_related("organization")
    invoice = rows.filter(pk=key).first()
    if invoice is None:
        raise NotFound(code=InvoicingError.INVOICE_NOT_FOUND)
    verdict = invoice_access(user, invoice, action)
    if verdict == "hide":
        raise NotFound(code=InvoicingError.INVOICE_NOT_FOUND)
    if verdict == "forbid":
        raise Forbidden()
    return invoice


def invoice_detail(*, user, invoice_id) -> Invoice:
    queryset = Invoice.objects.select_related("organization", "credit_of").prefetch_related(
        "lines", "credit_notes"
    )
    return invoice_get(user=user, invoice_id=invoice_id, queryset=queryset)


def credit_notes_of(invoice: Invoice) -> QuerySet:
    return Invoice.objects.filter(credit_of=invoice, kind=InvoiceKind.CREDIT_NOTE)


def remaining_by_rate(invoice: Invoice) -> dict[Decimal, dict[str, int]]:
    """What is left to credit on ``invoice``, per VAT rate: its breakdown minus that of
    every credit note already issued against it."""
    original = sum_by_rate([invoice.vat_breakdown])
    credited = sum_by_rate(credit_notes_of(invoice).values_list("vat_breakdown", flat=True))
    return {
        rate: {key: values[key] - credited.get(rate, {}).get(key, 0) for key in values}
        for rate, values in original.items()
    }


def credited_total(invoice: Invoice) -> int:
    return sum(int(ttc) for ttc in credit_notes_of(invoice).values_list("total_ttc", flat=True))


def invoicing_profile_get(*, organization: Organization) -> InvoicingProfile:
    """The organisation's profile, or its defaults (unsaved) when it has none yet."""
    return profile_for(organization)
