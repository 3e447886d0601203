"""The documents an invoice is rendered to: the Factur-X XML (``cii``) and the PDF/A-3b
that embeds it (``pdf``)."""
