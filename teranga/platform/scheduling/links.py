"""Where a product's side of a booking lives, and whose words tell people about it.

* :data:`booking_links` — products tell the engine where their side of a booking lives
  (the link of the agenda, of notifications and of calendar events) with a function
  registered under their booking ``source`` name. The function gets the booking (with
  its organisation and resource loaded) and must not query per booking: it is called for
  every row of an agenda.
* :data:`notice_namespaces` — the namespace of the notification types announcing a
  source's bookings (``<namespace>.confirmed`` …); a source without one gets the engine's
  own (``scheduling.*``, see ``notices``).
"""

from __future__ import annotations

from collections.abc import Callable

from teranga.core.registry import Registry

from .models import Booking

booking_links: Registry[Callable[[Booking], str]] = Registry("booking link")
notice_namespaces: Registry[str] = Registry("booking notice namespace")


def booking_link(booking: Booking) -> str:
    """The link of the product's object behind ``booking`` ("" if the product registered
    none)."""
    if booking.source not in booking_links:
        return ""
    return booking_links.get(booking.source)(booking) or ""
