"""The PDF of an issued document, rendered once and stored, off the critical path.

Issuing a document (inside a payment's fulfilment, for instance) only queues its
rendering: :func:`invoice_pdf_render_task` runs at the ``DOCUMENTS`` priority, after the
fulfilments and notifications waiting in the queue, outside any transaction. A download
that comes first renders the PDF itself at once (:func:`invoice_pdf`). Either way the
result is stored under ``MEDIA_ROOT/invoices/<organisation>/`` and recorded with
``Invoice.attach_pdf_once``, and from then on the stored file is served as it is (its
SHA-256 is kept beside it).

Never rendered twice: a rendering holds a lock named after the document
(``teranga.core.locks``, across threads, processes and hosts), and whoever gets the lock
next — the task, or a download that raced it and waited — finds the PDF stored and
renders nothing. Should a holder keep the lock past :data:`RENDER_WAIT` (stuck), a
download renders anyway, and ``attach_pdf_once`` keeps the first file recorded. Should
the stored file have been lost, the document is rendered again from its snapshots for
that response (same content but the PDF's creation date) and the loss is logged as an
error.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks import task

from teranga.core.locks import exclusive
from teranga.core.priorities import DOCUMENTS

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


#: How long a download waits for a rendering of the same document in progress elsewhere
#: (a rendering takes about a second).
RENDER_WAIT = 30.0


def _lock_name(invoice_id) -> str:
    return f"invoicing.pdf:{invoice_id}"


def invoice_pdf(*, invoice: Invoice) -> bytes:
    """The PDF of ``invoice``: the stored one, or rendered and stored now (after any
    rendering of it in progress, whose file is then served)."""
    if not invoice.pdf:
        with exclusive(_lock_name(invoice.pk), wait=RENDER_WAIT) as held:
            if not held:
                logger.warning(
                    "invoice PDF still locked by another rendering; rendering anyway",
                    extra={"invoice_id": str(invoice.pk)},
                )
            stored = Invoice.objects.filter(pk=invoice.pk).values_list("pdf", flat=True).first()
            if not stored:
                return _render_and_store(invoice)
            invoice.pdf.name = stored
    content = _read(invoice.pdf.name)
    if content is not None:
        return content
    logger.error("stored invoice PDF is missing", extra={"invoice_id": str(invoice.pk)})
    return render_pdf(invoice)


def _render_and_store(invoice: Invoice) -> bytes:
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
    """Render and store the PDF of ``invoice_id`` if it has none (the queued task).
    Returns whether it rendered one."""
    with exclusive(_lock_name(invoice_id), wait=RENDER_WAIT):
        invoice = (
            Invoice.objects.select_related("organization", "credit_of")
            .filter(pk=invoice_id)
            .first()
        )
        if invoice is None or invoice.pdf:
            return False
        _render_and_store(invoice)
        return True


@task(priority=DOCUMENTS)
def invoice_pdf_render_task(*, invoice_id: str) -> bool:
    """Render and store the PDF of a document just issued (nothing if it has one)."""
    return invoice_pdf_render(invoice_id=invoice_id)
