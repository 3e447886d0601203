"""The scheduling engine's extension points: :data:`booking_links` and
:data:`notice_namespaces` per booking source (``links``), and :func:`notice_types`, the
engine's notification types under a namespace of the product's choosing (``notices``),
and :data:`calendar_sources`, what a product adds to a person's calendar and iCal feed as
:class:`CalendarEntry` items (``sources``). Products fill them through the product
contract (``Product.booking_links``, ``Product.scheduling_notices``,
``Product.calendar_sources``). Platform apps beside the engine register
:data:`booking_observers` (a booking changed) and :data:`busy_sources` (other busy times
of a resource) from their ``AppConfig.ready()`` (``hooks``)."""

from .hooks import booking_observers, busy_sources
from .links import booking_links, notice_namespaces
from .notices import notice_types
from .sources import CalendarEntry, EntryStatus, calendar_sources

__all__ = [
    "CalendarEntry",
    "EntryStatus",
    "booking_links",
    "booking_observers",
    "busy_sources",
    "calendar_sources",
    "notice_namespaces",
    "notice_types",
]
