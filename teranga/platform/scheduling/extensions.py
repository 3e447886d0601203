"""The scheduling engine's extension points: :data:`booking_links` and
:data:`notice_namespaces` per booking source (``links``), and :func:`notice_types`, the
engine's notification types under a namespace of the product's choosing (``notices``).
Products fill them through the product contract (``Product.booking_links``,
``Product.scheduling_notices``)."""

from .links import booking_links, notice_namespaces
from .notices import notice_types

__all__ = ["booking_links", "notice_namespaces", "notice_types"]
