"""Everything the Booking product contributes to the platform (the product contract:
``teranga.platform.contract``)."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from teranga.core.links import LinkKind, local_time_text, object_link, summary_of
from teranga.platform.contract import Action, PeriodicJob, Product, RootPages, ThrottleScope
from teranga.platform.organizations.extensions import Role
from teranga.platform.scheduling.extensions import notice_types
from teranga.products.booking.errors import BookingError

from .imports import IMPORTERS
from .payables import TARGET_TYPE, ReservationPayable
from .personal_data import booking_user_erase, booking_user_export
from .public_cache import register as public_cache_register
from .segments import SEGMENTS

LABEL = "booking"


RESERVATION_LINK = f"{LABEL}.reservation"


def reservation_link(booking) -> str:
    """A reservation has its booking's id (``services.reservations.reservation_create``):
    its page, which hands over to the app (``booking/reservations/<id>``)."""
    return object_link(RESERVATION_LINK, booking.pk)


def _reservation_rows(reservation) -> list[tuple]:
    booking = reservation.booking
    time_zone = reservation.organization.time_zone
    return [
        (gettext("Service"), reservation.service.name),
        (gettext("Business"), reservation.organization.name),
        (gettext("Date"), local_time_text(booking.starts_at, time_zone)),
        (gettext("Status"), booking.get_status_display()),
    ]


def _reservation(user, reservation_id):
    from .selectors.reservations import reservation_detail

    return reservation_detail(user=user, reservation_id=reservation_id)


def load_demo(*, password: str) -> list[tuple[str, str, str]]:
    from .demo import load

    return load(password=password)


def _host_page_path(host: str) -> str | None:
    from .public_pages import host_page_path

    return host_page_path(host)


def _landing_links() -> list:
    from .demo import SALON_SLUG
    from .public_pages import page_path

    return [(gettext_lazy("Salon Ndèye's booking page"), page_path(SALON_SLUG))]


def _guest_checks_purge() -> None:
    from .services.public_page import guest_checks_purge

    guest_checks_purge()


def product() -> Product:
    from .public_pages import PREFIX, register_cache_invalidation

    # The HTTP cache of the public catalogue: what invalidates it.
    public_cache_register()
    # The cache of the public pages' host names: what invalidates it.
    register_cache_invalidation()
    return Product(
        label=LABEL,
        name=gettext_lazy("Booking"),
        api_urls="teranga.products.booking.api.urls",
        enum_names={
            "GroupByEnum": "teranga.products.booking.selectors.reservations.GROUP_BY_CHOICES",
            "ActorSideEnum": ["client", "business", "system"],
            "ViewerSideEnum": ["client", "business"],
            "PaymentModeEnum": "teranga.products.booking.models.PaymentMode",
        },
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
        link_kinds=[
            LinkKind(
                RESERVATION_LINK,
                gettext_lazy("Reservation"),
                "booking/reservations/{id}",
                summary=summary_of(_reservation, _reservation_rows),
            )
        ],
        broadcast_segments=SEGMENTS,
        throttle_scopes=[
            ThrottleScope("booking_export", "30/hour"),
            # Guest codes of the public page: tight per phone, wide per address (a
            # carrier NAT puts many clients behind one address).
            ThrottleScope("booking_guest_phone", "5/hour"),
            ThrottleScope("booking_guest_address", "200/hour"),
        ],
        # The public booking pages: /b/<slug>/, and the host names businesses register.
        root_pages=[
            RootPages(
                prefix=PREFIX,
                urls="teranga.products.booking.public_urls",
                host_resolver=_host_page_path,
            )
        ],
        landing_links=_landing_links,
        periodic_jobs=[
            PeriodicJob("booking.guest_checks_purge", _guest_checks_purge, {"minute": "17"})
        ],
        error_codes=BookingError,
        importers=IMPORTERS,
        demo_loader=load_demo,
        user_exporters={"booking.reservations": booking_user_export},
        user_erasers={"booking.reservations": booking_user_erase},
    )
