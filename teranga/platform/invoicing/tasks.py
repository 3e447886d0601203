"""Background work of invoicing: rendering a document's PDF once it is issued."""

from __future__ import annotations

# The task lives beside what it runs and the service that queues it
# (``services.documents``), so that no service imports this module; it is importable from
# here too, under the path that jobs queued before it moved name.
from teranga.platform.invoicing.services.documents import invoice_pdf_render_task

__all__ = ["invoice_pdf_render_task"]
