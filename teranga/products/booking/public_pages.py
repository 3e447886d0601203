"""Reads of the public booking pages (``/b/<slug>/``): the page of a slug or a host, what
it shows (services with prices, free slots of the next days, hours, address, map link,
policies), and the manage links of reservations (signed tokens).

A page exists only while it is enabled and its organisation is verified; otherwise 404.
Host names (``PublicPageHost``) are looked up through the cache (``host_page_path``),
invalidated whenever a host or a page changes (``register_cache_invalidation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core import signing
from django.core.cache import cache
from django.db.models import Prefetch
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from teranga.core.errors import NotFound
from teranga.core.links import public_link
from teranga.platform.organizations.models import Branch, OpeningHours, VerificationStatus
from teranga.platform.scheduling.availability import Slot, free_slots, zone

from .errors import BookingError
from .models import PublicPage, PublicPageHost, Reservation, Service

#: The URL prefix of the pages (``RootPages`` in ``product.py``).
PREFIX = "b"
#: How many days of free slots the page shows.
PAGE_DAYS = 7
#: At most this many slots per service and day on the page (the rest: "more" link).
SLOTS_PER_DAY = 12

_HOST_CACHE = "booking.public_host:{}"
_HOST_TTL = 3600
_HOST_MISS_TTL = 60
_MANAGE_SALT = "booking.public_page.manage"


def page_path(slug: str) -> str:
    return f"/{PREFIX}/{slug}/"


# --- The page of a slug, of a host ---------------------------------------------------------


def public_page_get(*, slug: str) -> PublicPage:
    """The enabled page of a verified organisation; 404 ``page_not_found`` otherwise."""
    page = (
        PublicPage.objects.select_related("organization")
        .filter(
            slug=slug,
            is_enabled=True,
            organization__verification_status=VerificationStatus.VERIFIED,
        )
        .first()
    )
    if page is None:
        raise NotFound(code=BookingError.PAGE_NOT_FOUND)
    return page


def host_page_path(host: str) -> str | None:
    """The path of the enabled page that ``host`` serves (the host resolver of the
    product contract's ``RootPages``), through the cache."""
    host = host.lower().rstrip(".")
    if not host or len(host) > 253:
        return None
    key = _HOST_CACHE.format(host)
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    slug = (
        PublicPageHost.objects.filter(host=host, page__is_enabled=True)
        .values_list("page__slug", flat=True)
        .first()
    )
    path = page_path(slug) if slug else ""
    cache.set(key, path, _HOST_TTL if path else _HOST_MISS_TTL)
    return path or None


def _forget_host(host: str) -> None:
    cache.delete(_HOST_CACHE.format(host))


def _host_changed(sender, instance: PublicPageHost, **kwargs) -> None:
    _forget_host(instance.host)


def _page_changed(sender, instance: PublicPage, **kwargs) -> None:
    for host in PublicPageHost.objects.filter(page_id=instance.pk).values_list("host", flat=True):
        _forget_host(host)


def register_cache_invalidation() -> None:
    """A host added or removed, a page renamed or turned off: its hosts are looked up
    afresh (signals only drop cache entries)."""
    post_save.connect(_host_changed, sender=PublicPageHost, dispatch_uid="booking.host.save")
    post_delete.connect(_host_changed, sender=PublicPageHost, dispatch_uid="booking.host.del")
    post_save.connect(_page_changed, sender=PublicPage, dispatch_uid="booking.page.save")
    post_delete.connect(_page_changed, sender=PublicPage, dispatch_uid="booking.page.del")


# --- What the page shows -----------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceOffer:
    service: Service
    #: (local date, slots of that day), for the days that have any.
    days: list[tuple[date, list[Slot]]]


@dataclass(frozen=True)
class Place:
    name: str
    address: str
    map_url: str
    #: (weekday 0-6, [(opens, closes, break_start, break_end)]).
    hours: list[tuple[int, list[OpeningHours]]]


def map_url(latitude: Decimal | None, longitude: Decimal | None) -> str:
    """OpenStreetMap's page centred on the coordinates (with a marker), or ""."""
    if latitude is None or longitude is None:
        return ""
    lat, lon = f"{latitude:.6f}", f"{longitude:.6f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def page_services(page: PublicPage) -> list[Service]:
    return list(
        Service.objects.filter(organization_id=page.organization_id, is_active=True)
        .select_related("resource", "resource__organization")
        .order_by("name")
    )


def service_days(
    service: Service, *, time_zone: str, days: int = PAGE_DAYS, now: datetime | None = None
) -> list[tuple[date, list[Slot]]]:
    """The free slots of the next ``days`` days, by local day: one call of the engine's
    slot computation (a fixed number of queries, whatever the number of slots)."""
    if not service.resource.is_active:
        return []
    now = now or timezone.now()
    slots = free_slots(
        service.resource,
        service.slot_policy(),
        offering=service.offering_key,
        range_from=now,
        range_to=now + timedelta(days=days),
        now=now,
    )
    tz = zone(time_zone)
    by_day: dict[date, list[Slot]] = {}
    for slot in slots:
        by_day.setdefault(slot.starts_at.astimezone(tz).date(), []).append(slot)
    return sorted(by_day.items())


def page_offers(page: PublicPage, *, now: datetime | None = None) -> list[ServiceOffer]:
    time_zone = page.organization.time_zone
    return [
        ServiceOffer(service, service_days(service, time_zone=time_zone, now=now))
        for service in page_services(page)
    ]


def page_places(page: PublicPage) -> list[Place]:
    """The organisation's active branches: address, map link and opening hours."""
    branches = (
        Branch.objects.filter(organization_id=page.organization_id, is_active=True)
        .order_by("name")
        .prefetch_related(
            Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens_at"))
        )
    )
    places = []
    for branch in branches:
        by_day: dict[int, list[OpeningHours]] = {}
        for hours in branch.opening_hours.all():
            by_day.setdefault(hours.weekday, []).append(hours)
        places.append(
            Place(
                name=branch.name,
                address=", ".join(filter(None, [branch.address, branch.commune])),
                map_url=map_url(branch.latitude, branch.longitude),
                hours=sorted(by_day.items()),
            )
        )
    return places


def page_service(page: PublicPage, service_id) -> Service:
    """An active service of the page's organisation; 404 otherwise."""
    service = (
        Service.objects.filter(pk=service_id, organization_id=page.organization_id, is_active=True)
        .select_related("resource", "resource__organization")
        .first()
    )
    if service is None:
        raise NotFound(code=BookingError.SERVICE_NOT_FOUND)
    return service


# --- Manage links ----------------------------------------------------------------------------


def manage_token(reservation_id) -> str:
    """The signed, unguessable token of a reservation's manage page: the id signed with
    ``SECRET_KEY`` (HMAC), the same every time, so every link of a reservation is one
    address; no expiry (the reservation's own state ends what it allows)."""
    return signing.Signer(salt=_MANAGE_SALT).sign_object(str(reservation_id), compress=True)


def manage_token_reservation_id(token: str) -> str | None:
    try:
        value = signing.Signer(salt=_MANAGE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None


def manage_token_valid(token: str, *, reservation_id) -> bool:
    return manage_token_reservation_id(token) == str(reservation_id)


def manage_path(slug: str, token: str) -> str:
    return f"{page_path(slug)}manage/{token}/"


def manage_link(slug: str, reservation_id, *, language: str | None = None) -> str:
    """The manage page's address, built by the one link function from ``PUBLIC_URL``."""
    return public_link(manage_path(slug, manage_token(reservation_id)), language=language)


def reservation_for_token(*, page: PublicPage, token: str) -> Reservation:
    """The reservation of a manage token, on its own page; 404 for a bad token or a
    reservation of another organisation."""
    reservation_id = manage_token_reservation_id(token)
    reservation = (
        Reservation.objects.select_related("booking", "service", "organization")
        .filter(pk=reservation_id, organization_id=page.organization_id)
        .first()
        if reservation_id
        else None
    )
    if reservation is None:
        raise NotFound(code=BookingError.MANAGE_LINK_INVALID)
    return reservation
