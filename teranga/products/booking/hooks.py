"""What the Booking product registers into the platform when Django starts."""

from __future__ import annotations

from teranga.platform.organizations.access import register_action
from teranga.platform.organizations.hooks import demo_loaders
from teranga.platform.organizations.models import Role
from teranga.platform.scheduling.selectors import booking_links

from . import payables  # noqa: F401  (registers the reservation payable)

# Services, resources, availability: managers and above. Reservations of the business:
# agents and above read them and act on them (confirm, complete, no-show, cancel).
register_action("booking.catalog.manage", Role.MANAGER)
register_action("booking.reservations.view", Role.AGENT, staff=True)
register_action("booking.reservations.manage", Role.AGENT)
register_action("booking.stats.view", Role.MANAGER, staff=True)


def _load_demo(*, password: str) -> list[tuple[str, str, str]]:
    from .demo import load

    return load(password=password)


demo_loaders.register("booking", _load_demo)


# A reservation has its booking's id (services.reservations.reservation_create).
booking_links.register("booking", lambda booking: f"/api/v1/booking/reservations/{booking.pk}/")
from . import segments  # noqa: E402, F401  (registers the broadcast segments)
