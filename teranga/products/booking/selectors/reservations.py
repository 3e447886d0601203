"""Reads of Booking reservations: the client's own, an organisation's (for its staff), one
reservation with its history, and the statistics of an organisation.

Dates given as filters (``date_from``, ``date_to``, inclusive) are calendar dates in the
organisation's time zone for an organisation's list, its exports and its statistics, and
in UTC for a client's own list (which spans organisations). They select reservations by
the start of the appointment, not by when it was made.

Every list is built so that its query count does not grow with its length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.db import related_only
from teranga.core.errors import Forbidden, NotFound
from teranga.core.money import Money
from teranga.platform.organizations import access
from teranga.platform.organizations.models import Organization
from teranga.platform.scheduling.availability import zone
from teranga.platform.scheduling.models import (
    CANCELLED_STATUSES,
    BookingEvent,
    BookingStatus,
)
from teranga.products.booking.errors import BookingError

from ..models import Reservation

#: Reading an organisation's reservations (agents and above, and staff).
RESERVATIONS_VIEW = "booking.reservations.view"
#: Acting on them as the business (agents and above).
RESERVATIONS_MANAGE = "booking.reservations.manage"
#: Reading an organisation's statistics (managers and above, and staff).
STATS_VIEW = "booking.stats.view"


class Side(StrEnum):
    """As whom someone sees or acts on a reservation."""

    CLIENT = "client"
    BUSINESS = "business"


#: ``ordering`` values of the lists (``starts_at`` is the default).
ORDERINGS = ("starts_at", "-starts_at", "created_at", "-created_at")
#: Ties are broken by id, so that pages never overlap.
_ORDER_BY = {
    "starts_at": ("booking__starts_at", "created_at", "id"),
    "-starts_at": ("-booking__starts_at", "-created_at", "-id"),
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
}


@dataclass(frozen=True, slots=True)
class ReservationFilters:
    statuses: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    service_id: Any = None
    needs_attention: bool | None = None
    ordering: str = "starts_at"


def _reservations() -> QuerySet[Reservation]:
    """Reservations with everything their list representation needs (one query)."""
    return Reservation.objects.select_related(
        "booking", "booking__client", "service", "organization"
    )


def local_day_start(day: date, tz: tzinfo) -> datetime:
    """Midnight of ``day`` in ``tz`` (never skipped by a DST change in our zones), in UTC."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def _filtered(
    queryset: QuerySet[Reservation], filters: ReservationFilters, tz: tzinfo
) -> QuerySet[Reservation]:
    if filters.statuses:
        queryset = queryset.filter(booking__status__in=filters.statuses)
    if filters.date_from is not None:
        queryset = queryset.filter(booking__starts_at__gte=local_day_start(filters.date_from, tz))
    if filters.date_to is not None:
        queryset = queryset.filter(
            booking__starts_at__lt=local_day_start(filters.date_to + timedelta(days=1), tz)
        )
    if filters.service_id is not None:
        queryset = queryset.filter(service_id=filters.service_id)
    if filters.needs_attention is not None:
        queryset = queryset.filter(booking__needs_attention=filters.needs_attention)
    return queryset.order_by(*_ORDER_BY[filters.ordering])


def listed(queryset: QuerySet[Reservation]) -> QuerySet[Reservation]:
    """``queryset`` with only what a list shows of the organisation, the service and the
    client (``ReservationSerializer``)."""
    return related_only(
        queryset,
        organization=["name", "slug", "time_zone"],
        service=["name", "duration_minutes"],
        booking__client=["email", "first_name", "last_name", "phone"],
    )


def reservations_of_client(
    *, user, filters: ReservationFilters = ReservationFilters()
) -> QuerySet[Reservation]:
    """The reservations ``user`` made, every organisation (dates in UTC)."""
    return _filtered(_reservations().filter(booking__client=user), filters, UTC)


def reservations_of_organization(
    *, organization: Organization, filters: ReservationFilters = ReservationFilters()
) -> QuerySet[Reservation]:
    """An organisation's reservations (dates in its time zone). Access is checked by the
    caller (``booking.reservations.view``)."""
    return _filtered(
        _reservations().filter(organization=organization), filters, zone(organization.time_zone)
    )


# --- One reservation -------------------------------------------------------------------------


def reservation_with_history(*, reservation_id) -> Reservation | None:
    """One reservation with its history (a fixed number of queries), no access check."""
    return (
        _reservations()
        .prefetch_related(
            Prefetch(
                "booking__events",
                queryset=BookingEvent.objects.select_related("actor").order_by("created_at"),
            )
        )
        .filter(pk=reservation_id)
        .first()
    )


def reservation_detail(*, user, reservation_id) -> Reservation:
    """One reservation with its history, if ``user`` is its client or may read the
    organisation's reservations (agents and above, staff). 404 for anyone else, 403 for a
    member below agent. Sets ``viewer_side`` ("client" or "business")."""
    reservation = reservation_with_history(reservation_id=reservation_id)
    if reservation is None:
        raise NotFound(_("No such reservation."), code=BookingError.RESERVATION_NOT_FOUND)
    if user.is_authenticated and reservation.booking.client_id == user.pk:
        reservation.viewer_side = Side.CLIENT
        return reservation
    verdict = access.decide(
        user,
        reservation.organization,
        RESERVATIONS_VIEW,
        access.membership_of(user, reservation.organization_id),
    )
    if verdict == "hide":
        raise NotFound(_("No such reservation."), code=BookingError.RESERVATION_NOT_FOUND)
    if verdict == "forbid":
        raise Forbidden()
    reservation.viewer_side = Side.BUSINESS
    return reservation


@dataclass(frozen=True, slots=True)
class Permissions:
    """What the viewer may still do with a reservation (mirrors the engine's rules)."""

    can_cancel: bool
    can_reschedule: bool
    cancellation_deadline: datetime | None
    reschedule_deadline: datetime | None


def reservation_permissions(
    reservation: Reservation, side: str, *, now: datetime | None = None
) -> Permissions:
    """For the client: cancelling a confirmed reservation, and moving any upcoming one,
    stop at the service's notice before the start (the deadlines). For the business: any
    pending or confirmed reservation may be cancelled or moved."""
    now = now or timezone.now()
    booking = reservation.booking
    upcoming = booking.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED)
    if side == Side.BUSINESS:
        return Permissions(upcoming, upcoming, None, None)
    cancel_deadline = booking.starts_at - reservation.service.cancellation_notice
    reschedule_deadline = booking.starts_at - reservation.service.reschedule_notice
    can_cancel = upcoming and (booking.status == BookingStatus.PENDING or now <= cancel_deadline)
    can_reschedule = upcoming and now <= reschedule_deadline
    return Permissions(can_cancel, can_reschedule, cancel_deadline, reschedule_deadline)


# --- Statistics ------------------------------------------------------------------------------

GROUP_BY_PERIOD = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
GROUP_BY_CHOICES = ("day", "week", "month", "service")
#: The longest period statistics cover, in days (``to - from``).
STATS_MAX_DAYS = 366

BOOKED = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)


@dataclass
class Figures:
    bookings: int = 0
    pending: int = 0
    confirmed: int = 0
    completed: int = 0
    cancelled: int = 0
    no_show: int = 0
    revenue: int = 0
    revenue_completed: int = 0

    COUNTS = ("bookings", "pending", "confirmed", "completed", "cancelled", "no_show")

    def add(self, row: dict) -> None:
        for name in (*self.COUNTS, "revenue", "revenue_completed"):
            setattr(self, name, getattr(self, name) + (row.get(name) or 0))

    def as_dict(self, currency: str) -> dict:
        closed = self.completed + self.no_show
        return {
            **{name: getattr(self, name) for name in self.COUNTS},
            "revenue": Money(self.revenue, currency).as_dict(),
            "revenue_completed": Money(self.revenue_completed, currency).as_dict(),
            "cancellation_rate": _rate(self.cancelled, self.bookings),
            "no_show_rate": _rate(self.no_show, closed),
        }


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _metrics(currency: str | None) -> dict:
    """The aggregate of each group. Revenue is summed in ``currency`` (None: any)."""

    def status(*statuses) -> Q:
        return Q(booking__status__in=statuses)

    money = Q(currency=currency) if currency else Q()
    return {
        "bookings": Count("pk"),
        "pending": Count("pk", filter=status(BookingStatus.PENDING)),
        "confirmed": Count("pk", filter=status(BookingStatus.CONFIRMED)),
        "completed": Count("pk", filter=status(BookingStatus.COMPLETED)),
        "cancelled": Count("pk", filter=status(*CANCELLED_STATUSES)),
        "no_show": Count("pk", filter=status(BookingStatus.NO_SHOW)),
        "revenue": Coalesce(Sum("price_amount", filter=status(*BOOKED) & money), 0),
        "revenue_completed": Coalesce(
            Sum("price_amount", filter=status(BookingStatus.COMPLETED) & money), 0
        ),
    }


def _period_keys(date_from: date, date_to: date, group_by: str) -> list[date]:
    """Every period start from ``date_from`` to ``date_to``, so empty periods show as 0."""
    if group_by == "day":
        first, step = date_from, None
    elif group_by == "week":
        first, step = date_from - timedelta(days=date_from.weekday()), None
    else:
        first, step = date_from.replace(day=1), "month"
    keys, current = [], first
    while current <= date_to:
        keys.append(current)
        if step == "month":
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=7 if group_by == "week" else 1)
    return keys


def _as_local_date(value, tz: tzinfo) -> date:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = value.astimezone(tz)
        return value.date()
    return value


def reservation_stats(
    *,
    organization: Organization,
    date_from: date,
    date_to: date,
    group_by: str,
    now: datetime | None = None,
) -> dict:
    """Figures of an organisation's reservations starting from ``date_from`` to
    ``date_to`` (inclusive, in its time zone), per day, ISO week (from Monday), month or
    service, with totals. Two aggregate queries whatever the number of reservations.

    * ``bookings``: every reservation except holds that ran out (expired, or pending
      with a lapsed hold); ``pending``/``confirmed``: not closed yet; ``cancelled``: by
      the client or the business;
    * ``revenue``: the price of confirmed and completed reservations (booked revenue);
      ``revenue_completed``: of completed ones only. Both in the organisation's
      currency; reservations priced in another one (made before the organisation
      changed its currency) are summed per currency in ``totals.other_currencies``;
    * ``cancellation_rate`` = cancelled / bookings; ``no_show_rate`` = no-shows /
      (completed + no-shows); 0 when there is nothing to divide.
    """
    now = now or timezone.now()
    tz = zone(organization.time_zone)
    currency = organization.currency
    base = Reservation.objects.filter(
        organization=organization,
        booking__starts_at__gte=local_day_start(date_from, tz),
        booking__starts_at__lt=local_day_start(date_to + timedelta(days=1), tz),
    ).exclude(booking__status=BookingStatus.EXPIRED)
    base = base.exclude(booking__status=BookingStatus.PENDING, booking__hold_expires_at__lte=now)

    groups: list[dict]
    if group_by == "service":
        rows = (
            base.values("service_id", "service__name")
            .annotate(**_metrics(currency))
            .order_by("service__name", "service_id")
        )
        groups = []
        for row in rows:
            figures = Figures()
            figures.add(row)
            groups.append(
                {
                    "key": str(row["service_id"]),
                    "label": row["service__name"],
                    **figures.as_dict(currency),
                }
            )
    else:
        trunc = GROUP_BY_PERIOD[group_by]
        rows = (
            base.annotate(period=trunc("booking__starts_at", tzinfo=tz))
            .values("period")
            .annotate(**_metrics(currency))
            .order_by("period")
        )
        by_period: dict[date, Figures] = {}
        for row in rows:
            by_period.setdefault(_as_local_date(row["period"], tz), Figures()).add(row)
        groups = [
            {
                "key": key.isoformat(),
                "label": key.isoformat(),
                **by_period.get(key, Figures()).as_dict(currency),
            }
            for key in _period_keys(date_from, date_to, group_by)
        ]

    totals = Figures()
    other: dict[str, dict] = {}
    for row in base.values("currency").annotate(**_metrics(None)).order_by("currency"):
        if row["currency"] == currency:
            totals.add(row)
            continue
        totals.add({name: row[name] for name in Figures.COUNTS})
        other[row["currency"]] = {
            "revenue": Money(row["revenue"], row["currency"]).as_dict(),
            "revenue_completed": Money(row["revenue_completed"], row["currency"]).as_dict(),
        }
    return {
        "organization": organization,
        "date_from": date_from,
        "date_to": date_to,
        "group_by": group_by,
        "time_zone": organization.time_zone,
        "currency": currency,
        "groups": groups,
        "totals": {
            **totals.as_dict(currency),
            "other_currencies": [
                {"currency": code, **values} for code, values in sorted(other.items())
            ],
        },
    }


def export_rows(
    *, organization: Organization, filters: ReservationFilters, limit: int
) -> list[Reservation]:
    """At most ``limit + 1`` reservations for an export (one more than allowed tells the
    caller the export is too large)."""
    return list(
        reservations_of_organization(organization=organization, filters=filters)[: limit + 1]
    )
