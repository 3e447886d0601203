"""The PDF of an issued document, rendered once and stored.

Rendering runs outside any transaction — after the issuing transaction has committed
(:func:`invoice_pdf_render_task`) or on the first download — and the result is stored
under ``MEDIA_ROOT/invoices/<organisation>/`` and recorded with
``Invoice.attach_pdf_once``: of two concurrent renderings, the first recorded is kept and
the other file is removed. From then on the stored file is served as it is, never
rendered again (its SHA-256 is kept beside it). Should the stored file have been lost,
the document is rendered again from its snapshots for that response (same content but
the PDF's creation date) and the loss is logged as an error.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks import task

from ..documents.pdf import render_pdf
from ..models import Invoice, pdf_path

logger = logging.getLogger(__name__)


def _storage():
    return Invoice._meta.get_field("pdf").storage


def _read(name: str) -> bytes | None:
    try:
        with _storage().open(name, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def invoice_pdf(*, invoice: Invoice) -> bytes:
    """The PDF of ``invoice``: the stored one, or rendered and stored now."""
    if invoice.pdf:
        content = _read(invoice.pdf.name)
        if content is not None:
            return content
        logger.error("stored invoice PDF is missing", extra={"invoice_id": str(invoice.pk)})
        return render_pdf(invoice)
    content = render_pdf(invoice)
    storage = _storage()
    name = storage.save(pdf_path(invoice, "invoice.pdf"), ContentFile(content))
    kept = Invoice.attach_pdf_once(
        invoice_id=invoice.pk,
        name=name,
        sha256=hashlib.sha256(content).hexdigest(),
        rendered_at=timezone.now(),
    )
    if kept:
        invoice.pdf.name = name
        return content
    storage.delete(name)  # another rendering was recorded first: serve that one
    winner = Invoice.objects.only("pdf").get(pk=invoice.pk).pdf.name
    invoice.pdf.name = winner
    return _read(winner) or content


def invoice_pdf_render(*, invoice_id) -> bool:
    """Render and store the PDF of ``invoice_id`` if it has none (the after-commit task).
    Returns whether it rendered one."""
    invoice = (
        Invoice.objects.select_related("organization", "credit_of").filter(pk=invoice_id).first()
    )
    if invoice is None or invoice.pdf:
        return False
    invoice_pdf(invoice=invoice)
    return True


@task()
def invoice_pdf_render_task(*, invoice_id: str) -> bool:
    """Render and store the PDF of a document just issued (nothing if it has one)."""
    return invoice_pdf_render(invoice_id=invoice_id)
