"""Background work of invoicing: rendering a document's PDF once it is issued."""

from __future__ import annotations

from django_tasks import task


@task()
def invoice_pdf_render_task(*, invoice_id: str) -> bool:
    """Render and store the PDF of a document just issued (nothing if it has one)."""
    from teranga.platform.invoicing.services.documents import invoice_pdf_render

    return invoice_pdf_render(invoice_id=invoice_id)
