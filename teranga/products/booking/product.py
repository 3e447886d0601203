"""Everything the Booking product contributes to the platform (the product contract:
``teranga.platform.contract``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from teranga.platform.contract import Action, Product, ThrottleScope
from teranga.platform.organizations.extensions import Role
from teranga.platform.scheduling.extensions import notice_types
from teranga.products.booking.errors import BookingError

from .payables import TARGET_TYPE, ReservationPayable
from .segments import SEGMENTS

LABEL = "booking"


def reservation_link(booking) -> str:
    """A reservation has its booking's id (``services.reservations.reservation_create``)."""
    return f"/api/v1/booking/reservations/{booking.pk}/"


def load_demo(*, password: str) -> list[tuple[str, str, str]]:
    from .demo import load

    return load(password=password)


def product() -> Product:
    return Product(
        label=LABEL,
        name=gettext_lazy("Booking"),
        api_urls="teranga.products.booking.api.urls",
        # Services, resources, availability: managers and above. Reservations of the
        # business: agents and above read them and act on them (confirm, complete,
        # no-show, cancel).
        actions=[
            Action("booking.catalog.manage", Role.MANAGER),
            Action("booking.reservations.view", Role.AGENT, staff=True),
            Action("booking.reservations.manage", Role.AGENT),
            Action("booking.stats.view", Role.MANAGER, staff=True),
        ],
        payables={TARGET_TYPE: ReservationPayable()},
        # The engine's notices of our bookings, under our name (``booking.confirmed`` …).
        notification_types=notice_types(LABEL),
        scheduling_notices={LABEL: LABEL},
        booking_links={LABEL: reservation_link},
        broadcast_segments=SEGMENTS,
        throttle_scopes=[ThrottleScope("booking_export", "30/hour")],
        error_codes=BookingError,
        demo_loader=load_demo,
    )
