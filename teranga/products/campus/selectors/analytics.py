"""Organiser analytics (seed 000 §4): one event's figures, and an organiser's dashboard.

Every figure is an SQL aggregate: the number of queries is fixed whatever the number of
events, ticket types, tickets, views or payments.

Definitions (the API documents the same):

* ``views``: the event's view counter (one per viewer per day); ``unique_viewers``:
  distinct viewers (:class:`~..models.EventView`); ``favourites``: its favourites.
* ``tickets_sold``: valid tickets (refunded or cancelled ones no longer count); by type,
  with ``revenue`` = the sum of their prices (list price at sale, before coupons).
* ``revenue``: what the platform's payments received for the event's orders (payable
  ``campus.order``), net of succeeded refunds, in the event's (or the organiser's)
  currency (``payments.selectors.paid_net_of_target``).
* ``checkin_rate``: valid tickets with an accepted entry scan on any of the event's
  check-in lists / valid tickets (0 when there is none).
* ``conversion_rate``: distinct buyers of paid orders / unique viewers (0 without
  viewers; it may pass 1 when people buy without viewing the event's page).
* ``reviews``: the event's shown reviews (count, average rating, distribution by star;
  hidden ones, pending moderation, are left out, as on the organiser's public rating),
  plus how many were reported and how many are hidden
  (``selectors.reviews.review_figures``). The dashboard's ``rating`` is the organiser's
  public rating (every event, not only the range's), and each top event carries its
  own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    CharField,
    Count,
    Exists,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate, TruncDay, TruncMonth, TruncWeek

from teranga.core.money import Money
from teranga.platform.organizations.models import Organization
from teranga.platform.payments.selectors import paid_net_of_target

from ..models import (
    Event,
    EventStatus,
    EventView,
    Order,
    OrderStatus,
    Review,
    Scan,
    ScanDirection,
    ScanResult,
    Ticket,
    TicketStatus,
    TicketType,
)
from .reviews import organizer_rating, review_figures

ANALYTICS_VIEW = "campus.analytics.view"
#: The payable of an order (``services.orders.PAYABLE``).
ORDER_PAYABLE = "campus.order"
#: Longest date range of a series.
MAX_DAYS = 366
PERIODS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
TOP_BY = ("tickets", "revenue")


class UUIDText(Func):
    """A UUID column as the text payments store for a target id (``str(uuid)``:
    8-4-4-4-12, lower case), on PostgreSQL (native ``uuid``) and SQLite (32 hex
    digits)."""

    output_field = CharField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s)::text", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        parts = [(1, 8), (9, 4), (13, 4), (17, 4), (21, 12)]
        pieces = " || '-' || ".join(f"substr({sql}, {start}, {size})" for start, size in parts)
        return f"lower({pieces})", list(params) * len(parts)


def _order_net(currency: str):
    """The net paid for the outer order (``OuterRef("key")``: its id as text)."""
    return paid_net_of_target(
        target_type=ORDER_PAYABLE, target_id=OuterRef("key"), currency=currency
    )


def revenue_of_orders(orders: QuerySet[Order], currency: str) -> int:
    """What payments received for ``orders``, net of succeeded refunds (one query)."""
    total = (
        orders.order_by()
        .annotate(key=UUIDText("pk"), net=Coalesce(_order_net(currency), 0))
        .aggregate(total=Sum("net"))["total"]
    )
    return int(total or 0)


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _checked_in_exists() -> Exists:
    return Exists(
        Scan.objects.filter(
            ticket=OuterRef("pk"), direction=ScanDirection.ENTRY, result=ScanResult.VALID
        )
    )


def _checkin_figures(tickets: QuerySet[Ticket]) -> tuple[int, int]:
    """(valid tickets, of them checked in at least once) — one query."""
    row = tickets.filter(status=TicketStatus.VALID).aggregate(
        valid=Count("pk"), checked_in=Count("pk", filter=Q(_checked_in_exists()))
    )
    return int(row["valid"] or 0), int(row["checked_in"] or 0)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def local_day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def _as_date(value, tz: ZoneInfo) -> date:
    if isinstance(value, datetime):
        return value.astimezone(tz).date() if value.tzinfo else value.date()
    return value


# --- One event -----------------------------------------------------------------------------


def event_analytics(*, event: Event, date_from: date, date_to: date) -> dict:
    """The figures of ``event`` (see the module's definitions), with a daily series of
    views and tickets sold from ``date_from`` to ``date_to`` (local days of the event's
    time zone, every day listed)."""
    tz = ZoneInfo(event.time_zone)
    currency = event.currency
    unique_viewers = EventView.objects.filter(event=event).aggregate(
        n=Count("viewer", distinct=True)
    )["n"]
    valid = Q(tickets__status=TicketStatus.VALID)
    types = list(
        TicketType.objects.filter(event=event)
        .annotate(
            sold_tickets=Count("tickets", filter=valid),
            ticket_revenue=Coalesce(Sum("tickets__price", filter=valid), 0),
        )
        .order_by("position", "price", "id")
    )
    revenue = revenue_of_orders(Order.objects.filter(event=event), currency)
    valid_count, checked_in = _checkin_figures(Ticket.objects.filter(event=event))
    buyers = Order.objects.filter(event=event, status=OrderStatus.PAID).aggregate(
        n=Count("buyer", distinct=True)
    )["n"]
    views_by_day = dict(
        EventView.objects.filter(event=event, day__gte=date_from, day__lte=date_to)
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    sales_by_day: dict[date, int] = {}
    for day, n in (
        Ticket.objects.filter(
            event=event,
            status=TicketStatus.VALID,
            created_at__gte=local_day_start(date_from, tz),
            created_at__lt=local_day_start(date_to + timedelta(days=1), tz),
        )
        .order_by()
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    ):
        sales_by_day[_as_date(day, tz)] = n
    return {
        "event": event,
        "currency": currency,
        "views": event.views_count,
        "unique_viewers": unique_viewers,
        "favourites": event.favourites_count,
        "tickets_sold": valid_count,
        "ticket_types": [
            {
                "id": t.pk,
                "name": t.name,
                "quota": t.quota,
                "sold": t.sold_tickets,
                "revenue": Money(int(t.ticket_revenue), t.currency).as_dict(),
            }
            for t in types
        ],
        "revenue": Money(revenue, currency).as_dict(),
        "checked_in": checked_in,
        "checkin_rate": _rate(checked_in, valid_count),
        "reviews": review_figures(Review.objects.filter(event=event), detail=True),
        "buyers": buyers,
        "conversion_rate": _rate(buyers, unique_viewers),
        "date_from": date_from,
        "date_to": date_to,
        "daily": [
            {"date": day, "views": views_by_day.get(day, 0), "tickets": sales_by_day.get(day, 0)}
            for day in _days(date_from, date_to)
        ],
    }


# --- An organiser's dashboard ------------------------------------------------------------


@dataclass(frozen=True)
class DashboardQuery:
    date_from: date
    date_to: date
    period: str = "day"
    top_by: str = "tickets"
    top: int = 5


def _period_keys(date_from: date, date_to: date, period: str) -> list[date]:
    """Every period start from ``date_from`` to ``date_to`` (empty ones show as 0)."""
    if period == "day":
        return _days(date_from, date_to)
    if period == "week":
        current = date_from - timedelta(days=date_from.weekday())
        keys = []
        while current <= date_to:
            keys.append(current)
            current += timedelta(days=7)
        return keys
    current, keys = date_from.replace(day=1), []
    while current <= date_to:
        keys.append(current)
        current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return keys


def dashboard(*, organization: Organization, query: DashboardQuery) -> dict:
    """An organiser's dashboard from ``date_from`` to ``date_to`` (local days of the
    organisation's time zone):

    * ``totals`` and ``top_events`` cover its events (drafts left out) that start in
      the range;
    * ``revenue_by_period`` is the money its orders received, by the local day their
      order was paid (net of succeeded refunds), and the tickets sold (valid tickets,
      by the day they were issued), per ``period``.

    Amounts are in the organisation's currency. Seven queries whatever the numbers."""
    tz = ZoneInfo(organization.time_zone)
    currency = organization.currency
    start = local_day_start(query.date_from, tz)
    end = local_day_start(query.date_to + timedelta(days=1), tz)
    events = Event.objects.filter(
        organization=organization, starts_at__gte=start, starts_at__lt=end
    ).exclude(status=EventStatus.DRAFT)

    counters = events.aggregate(
        events=Count("pk"),
        views=Coalesce(Sum("views_count"), 0),
        favourites=Coalesce(Sum("favourites_count"), 0),
    )
    valid_count, checked_in = _checkin_figures(Ticket.objects.filter(event__in=events))
    revenue = revenue_of_orders(Order.objects.filter(event__in=events), currency)

    trunc = PERIODS[query.period]
    money_rows = (
        Order.objects.filter(organization=organization, paid_at__gte=start, paid_at__lt=end)
        .order_by()
        .annotate(key=UUIDText("pk"), net=Coalesce(_order_net(currency), 0))
        .annotate(period=trunc("paid_at", tzinfo=tz))
        .values("period")
        .annotate(revenue=Sum("net"))
        .values_list("period", "revenue")
    )
    by_period: dict[date, dict] = {}
    for period, amount in money_rows:
        slot = by_period.setdefault(_as_date(period, tz), {"revenue": 0, "tickets": 0})
        slot["revenue"] += int(amount or 0)
    ticket_rows = (
        Ticket.objects.filter(
            organization=organization,
            status=TicketStatus.VALID,
            created_at__gte=start,
            created_at__lt=end,
        )
        .order_by()
        .annotate(period=trunc("created_at", tzinfo=tz))
        .values("period")
        .annotate(n=Count("pk"))
        .values_list("period", "n")
    )
    for period, n in ticket_rows:
        slot = by_period.setdefault(_as_date(period, tz), {"revenue": 0, "tickets": 0})
        slot["tickets"] += n

    event_tickets = (
        Ticket.objects.filter(event=OuterRef("pk"), status=TicketStatus.VALID)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    event_revenue = (
        Order.objects.filter(event=OuterRef("pk"))
        .order_by()
        .annotate(key=UUIDText("pk"), net=Coalesce(_order_net(currency), 0))
        .values("event")
        .annotate(total=Sum("net"))
        .values("total")
    )
    shown_reviews = (
        Review.objects.filter(event=OuterRef("pk"), hidden_at__isnull=True)
        .order_by()
        .values("event")
    )
    ranked = events.annotate(
        tickets_sold=Coalesce(Subquery(event_tickets, output_field=IntegerField()), 0),
        revenue=Coalesce(Subquery(event_revenue, output_field=IntegerField()), 0),
        rating_average=Subquery(
            shown_reviews.annotate(a=Avg("rating")).values("a"), output_field=FloatField()
        ),
        reviews_count=Coalesce(
            Subquery(
                shown_reviews.annotate(n=Count("pk")).values("n"), output_field=IntegerField()
            ),
            0,
        ),
    )
    first = "-tickets_sold" if query.top_by == "tickets" else "-revenue"
    second = "-revenue" if query.top_by == "tickets" else "-tickets_sold"
    top = list(ranked.order_by(first, second, "starts_at", "id")[: query.top])

    def money(amount: int) -> dict:
        return Money(int(amount), currency).as_dict()

    return {
        "organization": organization,
        "currency": currency,
        "time_zone": organization.time_zone,
        "date_from": query.date_from,
        "date_to": query.date_to,
        "period": query.period,
        "totals": {
            "events": counters["events"],
            "tickets_sold": valid_count,
            "revenue": money(revenue),
            "views": counters["views"],
            "favourites": counters["favourites"],
            "checked_in": checked_in,
            "checkin_rate": _rate(checked_in, valid_count),
        },
        "revenue_by_period": [
            {
                "period": key,
                "revenue": money(by_period.get(key, {}).get("revenue", 0)),
                "tickets": by_period.get(key, {}).get("tickets", 0),
            }
            for key in _period_keys(query.date_from, query.date_to, query.period)
        ],
        "rating": organizer_rating(organization_id=organization.pk),
        "top_by": query.top_by,
        "top_events": [
            {
                "id": event.pk,
                "title": event.title,
                "starts_at": event.starts_at,
                "status": event.status,
                "tickets_sold": event.tickets_sold,
                "revenue": money(event.revenue),
                "views": event.views_count,
                "rating_average": (
                    None if event.rating_average is None else round(event.rating_average, 2)
                ),
                "reviews_count": event.reviews_count,
            }
            for event in top
        ],
    }
