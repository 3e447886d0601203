"""The names of the link kinds invoicing registers (``link_kinds``): a link to one of
its objects is ``teranga.core.links.object_link(<name>, id)``."""

INVOICE = "invoicing.invoice"
