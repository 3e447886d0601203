"""The PDF of an issued document: WeasyPrint renders ``invoicing/invoice.html`` as a
PDF/A-3b, then the ``factur-x`` library embeds the EN 16931 XML (``cii``) and writes the
Factur-X metadata. Everything comes from the document's own snapshots (seller, buyer,
mentions, totals, brand colours); only the seller's logo is read from storage.

The document is in French (a legal document of French and Senegalese law). No external
resource is fetched: the logo is inlined as a ``data:`` URL and the URL fetcher only
allows ``data:``.

Rendering takes some 0.2–0.5 s. It runs once per document (``services.documents``): the
result is stored and served as stored.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from teranga.core.money import Money
from teranga.core.storage import public_storage

from ..models import Invoice, InvoiceKind
from ..snapshots import french_date, rate_label
from .cii import LEVEL, cii_xml, legal_info

logger = logging.getLogger(__name__)

TEMPLATE = "invoicing/invoice.html"
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
TITLES = {InvoiceKind.INVOICE: "Facture", InvoiceKind.CREDIT_NOTE: "Avoir"}
COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
DEFAULT_COLOURS = {"primary": "#D4AF37", "text": "#000000", "background": "#FFFFFF"}


def colour(colors: dict[str, Any], name: str) -> str:
    """A brand colour of the snapshot; it goes into CSS, so only ``#RRGGBB`` passes."""
    value = str(colors.get(name) or "")
    return value if COLOUR.fullmatch(value) else DEFAULT_COLOURS[name]


def logo_data_url(name: str) -> str:
    """The stored logo as a ``data:`` URL, or "" when there is none or it is unusable."""
    if not name:
        return ""
    try:
        with public_storage.open(name, "rb") as handle:
            content = handle.read(LOGO_MAX_BYTES + 1)
    except OSError:
        logger.warning("invoice logo missing", extra={"logo": name})
        return ""
    if len(content) > LOGO_MAX_BYTES:
        return ""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            mime = LOGO_TYPES.get(image.format or "")
    except (UnidentifiedImageError, OSError):
        return ""
    if mime is None:
        return ""
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def money(amount: int, currency: str) -> str:
    return Money(int(amount), currency).format()


def _lines(invoice: Invoice) -> list[dict[str, Any]]:
    rows = []
    for line in invoice.lines.all():
        quantity = Decimal(line.quantity)
        unit_ht = line.unit_amount
        if invoice.prices_include_tax:
            unit_ht = int((Decimal(line.total_ht) / quantity).to_integral_value())
        rows.append(
            {
                "description": line.description,
                "quantity": format(quantity.normalize(), "f").replace(".", ","),
                "unit_ht": money(unit_ht, invoice.currency),
                "rate": rate_label(line.vat_rate),
                "total_ht": money(line.total_ht, invoice.currency),
                "total_ttc": money(line.total_ttc, invoice.currency),
            }
        )
    return rows


def context(invoice: Invoice) -> dict[str, Any]:
    seller, buyer = invoice.seller, invoice.buyer
    currency = invoice.currency
    colors = seller.get("colors") or {}
    mentions = invoice.mentions or []
    return {
        "invoice": invoice,
        "title": TITLES[invoice.kind],
        "is_credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE,
        "seller": seller,
        "seller_legal": legal_info(seller),
        "buyer": buyer,
        "issue_date": french_date(invoice.issue_date),
        "sale_date": french_date(invoice.sale_date),
        "due_date": french_date(invoice.due_date),
        "credit_of": (
            {
                "number": invoice.credit_of.number,
                "date": french_date(invoice.credit_of.issue_date),
            }
            if invoice.credit_of_id
            else None
        ),
        "lines": _lines(invoice),
        "breakdown": [
            {
                "rate": rate_label(row["rate"]),
                "category": row["category"],
                "ht": money(row["ht"], currency),
                "tva": money(row["tva"], currency),
                "ttc": money(row["ttc"], currency),
            }
            for row in invoice.vat_breakdown
        ],
        "total_ht": money(invoice.total_ht, currency),
        "total_tva": money(invoice.total_tva, currency),
        "total_ttc": money(invoice.total_ttc, currency),
        "amount_due": money(0 if invoice.paid else invoice.total_ttc, currency),
        "mentions": [m["text"] for m in mentions if m.get("text")],
        "vat_exempt": bool(seller.get("vat_exempt")),
        "logo": logo_data_url(seller.get("logo", "")),
        "primary": colour(colors, "primary"),
        "text": colour(colors, "text"),
        "background": colour(colors, "background"),
    }


def html(invoice: Invoice) -> str:
    with translation.override("fr"):
        return render_to_string(TEMPLATE, context(invoice))


def render_pdf(invoice: Invoice) -> bytes:
    """The Factur-X PDF/A-3b of ``invoice`` (the XML is checked against the XSD)."""
    import facturx
    from weasyprint import HTML, URLFetcher

    document = HTML(string=html(invoice), url_fetcher=URLFetcher(allowed_protocols=["data"]))
    pdf = document.write_pdf(pdf_variant="pdf/a-3b")
    title = f"{TITLES[invoice.kind]} {invoice.number}"
    return facturx.generate_from_binary(
        pdf,
        cii_xml(invoice),
        flavor="factur-x",
        level=LEVEL,
        check_xsd=False,  # cii_xml has just checked it
        lang="fr-FR",
        pdf_metadata={
            "author": invoice.seller.get("name", ""),
            "keywords": "Factur-X, Facture",
            "title": title,
            "subject": f"{title} — {invoice.seller.get('name', '')}",
        },
    )
