"""The names of the link kinds payments registers (``link_kinds``): a link to one of
its objects is ``teranga.core.links.object_link(<name>, id)``."""

PAYMENT = "payments.payment"
SUBSCRIPTION = "payments.subscription"
