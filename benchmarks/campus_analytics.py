"""Campus organiser analytics: the dashboard's SQL aggregates against a per-event loop
(the N+1 way: a few queries per event), on the same data, with identical figures.

    python -m benchmarks.campus_analytics [--events 400] [--orders 10] [--views 20]
                                          [--reviews 3] [--repetitions 5] [--seed 23]
                                          [--check]

Runs on a throwaway database (see ``benchmarks``): a temporary SQLite file, or a
dedicated database on the PostgreSQL server of ``DATABASE_URL``. It bulk-inserts one
organiser with ``--events`` events, each with two ticket types, ``--orders`` paid orders
of one ticket (each with its succeeded payment, one in five partly refunded), a third
of the tickets scanned in, ``--views`` view rows and ``--reviews`` reviews (one in seven
hidden pending moderation). Then at a tenth of the events and
at all of them it times:

* **aggregates**: ``selectors.analytics.dashboard`` (totals, revenue by day over 60
  days, the organiser's rating, top 10 events with theirs), and ``event_analytics`` of
  one event (its reviews included): a fixed number of queries whatever the number of
  events;
* **per-event loop**: the same totals computed event by event (tickets, check-ins,
  revenue from its orders' payments and its shown reviews: five queries per event).

It asserts that both give the same totals and that the aggregates' query count does not
change with the number of events, and prints the medians and their ratio (``--check``
exits 1 when the aggregates are not faster than the loop at full size).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from . import summary, throwaway_environment

BATCH = 2000


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.campus_analytics", description=__doc__
    )
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--orders", type=int, default=10, help="paid orders per event")
    parser.add_argument("--views", type=int, default=20, help="view rows per event")
    parser.add_argument("--reviews", type=int, default=3, help="reviews per event")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args(argv)
    if min(args.events, args.orders, args.repetitions) < 1 or args.events < 10:
        parser.error("events >= 10; orders, repetitions >= 1")
    return args


def fill(args, now: datetime, rng: random.Random):
    """The organiser, its events and everything the figures read, bulk-inserted."""
    import uuid

    from django.contrib.auth import get_user_model

    from teranga.platform.organizations.models import Organization
    from teranga.platform.payments.models import Payment
    from teranga.products.campus.models import (
        CheckinList,
        Event,
        EventView,
        Order,
        OrderLine,
        OrderStatus,
        Review,
        Scan,
        Ticket,
        TicketType,
    )

    started = time.perf_counter()
    organization = Organization.objects.create(
        kind="university", name="Université Analytics", slug="universite-analytics"
    )
    buyer = get_user_model().objects.create_user(email="buyer@bench.example", password=None)
    reviewers = [
        get_user_model().objects.create_user(email=f"reviewer{n}@bench.example", password=None)
        for n in range(args.reviews)
    ]
    events, types, lists = [], [], []
    for n in range(args.events):
        starts_at = now + timedelta(days=rng.randint(-25, 25), hours=rng.randint(0, 23))
        event = Event(
            id=uuid.uuid4(),
            organization_id=organization.pk,
            university_id=organization.pk,
            title=f"Event {n}",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            status="published",
            views_count=args.views,
        )
        events.append(event)
        for position in range(2):
            types.append(
                TicketType(
                    id=uuid.uuid4(),
                    event_id=event.pk,
                    organization_id=organization.pk,
                    name=f"Type {position}",
                    kind="paid",
                    price=1000 * (position + 1),
                    quota=10_000,
                    position=position,
                )
            )
        lists.append(
            CheckinList(
                id=uuid.uuid4(), event_id=event.pk, organization_id=organization.pk, name="A"
            )
        )
    Event.objects.bulk_create(events, batch_size=BATCH)
    TicketType.objects.bulk_create(types, batch_size=BATCH)
    CheckinList.objects.bulk_create(lists, batch_size=BATCH)
    orders, lines, tickets, payments, scans, views, reviews = [], [], [], [], [], [], []
    for index, event in enumerate(events):
        for k in range(args.orders):
            ticket_type = types[2 * index + (k % 2)]
            paid_at = now - timedelta(days=rng.randint(0, 29), minutes=rng.randint(0, 1000))
            order = Order(
                id=uuid.uuid4(),
                organization_id=organization.pk,
                event_id=event.pk,
                buyer_id=buyer.pk,
                status=OrderStatus.PAID,
                total=ticket_type.price,
                currency="XOF",
                paid_at=paid_at,
            )
            orders.append(order)
            lines.append(
                OrderLine(
                    order_id=order.pk,
                    ticket_type_id=ticket_type.pk,
                    quantity=1,
                    unit_price=ticket_type.price,
                )
            )
            ticket = Ticket(
                id=uuid.uuid4(),
                organization_id=organization.pk,
                event_id=event.pk,
                order_id=order.pk,
                ticket_type_id=ticket_type.pk,
                holder_id=buyer.pk,
                code=uuid.uuid4().hex[:20],
                price=ticket_type.price,
            )
            tickets.append(ticket)
            refunded = ticket_type.price // 2 if k % 5 == 0 else 0
            payments.append(
                Payment(
                    organization_id=organization.pk,
                    payer_id=buyer.pk,
                    target_type="campus.order",
                    target_id=str(order.pk),
                    description="Billet",
                    subtotal_amount=ticket_type.price,
                    amount=ticket_type.price,
                    refunded_amount=refunded,
                    currency="XOF",
                    provider="sandbox",
                    status="partially_refunded" if refunded else "succeeded",
                    expires_at=paid_at + timedelta(minutes=10),
                    succeeded_at=paid_at,
                )
            )
            if k % 3 == 0:
                scans.append(
                    Scan(
                        checkin_list_id=lists[index].pk,
                        ticket_id=ticket.pk,
                        code=ticket.code,
                        direction="entry",
                        result="valid",
                        scanned_at=event.starts_at,
                    )
                )
        for v in range(args.views):
            views.append(EventView(event_id=event.pk, viewer=f"v{v}", day=now.date()))
        for n, reviewer in enumerate(reviewers):
            hidden = (index * len(reviewers) + n) % 7 == 0
            reviews.append(
                Review(
                    event_id=event.pk,
                    organization_id=organization.pk,
                    author_id=reviewer.pk,
                    rating=rng.randint(1, 5),
                    reports_count=3 if hidden else 0,
                    hidden_at=now if hidden else None,
                )
            )
    for model, rows in (
        (Order, orders),
        (OrderLine, lines),
        (Ticket, tickets),
        (Payment, payments),
        (Scan, scans),
        (EventView, views),
        (Review, reviews),
    ):
        model.objects.bulk_create(rows, batch_size=BATCH)
    print(
        f"  filled {len(events):,} events, {len(tickets):,} tickets and payments, "
        f"{len(views):,} views, {len(reviews):,} reviews in {time.perf_counter() - started:.1f} s "
        "(bulk inserts)"
    )
    return organization, events


def per_event_loop(events) -> dict:
    """The baseline: the same totals, event by event (five queries each)."""
    from django.db.models import Count, Sum

    from teranga.platform.payments.models import PAID_STATUSES, Payment
    from teranga.products.campus.models import Order, Review, Scan, Ticket

    sold = checked_in = revenue = views = reviewed = stars = 0
    for event in events:
        valid = Ticket.objects.filter(event_id=event.pk, status="valid")
        sold += valid.count()
        checked_in += (
            Scan.objects.filter(ticket__in=valid, direction="entry", result="valid")
            .values("ticket_id")
            .distinct()
            .count()
        )
        order_ids = [
            str(pk) for pk in Order.objects.filter(event_id=event.pk).values_list("pk", flat=True)
        ]
        paid = Payment.objects.filter(
            target_type="campus.order", target_id__in=order_ids, status__in=PAID_STATUSES
        ).aggregate(amount=Sum("amount"), refunded=Sum("refunded_amount"))
        revenue += (paid["amount"] or 0) - (paid["refunded"] or 0)
        views += event.views_count
        shown = Review.objects.filter(event_id=event.pk, hidden_at__isnull=True).aggregate(
            n=Count("pk"), total=Sum("rating")
        )
        reviewed += shown["n"]
        stars += shown["total"] or 0
    return {
        "tickets_sold": sold,
        "checked_in": checked_in,
        "revenue": revenue,
        "views": views,
        "reviews": reviewed,
        "rating": round(stars / reviewed, 2) if reviewed else None,
    }


def measure(args, organization, events, label: str):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from teranga.products.campus.models import Event
    from teranga.products.campus.selectors.analytics import (
        DashboardQuery,
        dashboard,
        event_analytics,
    )

    today = datetime.now(UTC).date()
    query = DashboardQuery(
        date_from=today - timedelta(days=29), date_to=today + timedelta(days=30), top=10
    )
    event_ids = [event.pk for event in events]
    scope = Event.objects.filter(pk__in=event_ids)
    aggregate_ms, loop_ms, event_ms = [], [], []
    figures = expected = None
    queries = event_queries = 0
    for _ in range(args.repetitions):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            figures = dashboard(organization=organization, query=query)
            aggregate_ms.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
        one = events[0]
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            event_analytics(event=one, date_from=today - timedelta(days=29), date_to=today)
            event_ms.append((time.perf_counter() - started) * 1000)
        event_queries = len(captured)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            expected = per_event_loop(list(scope.only("pk", "views_count")))
            loop_ms.append((time.perf_counter() - started) * 1000)
        loop_queries = len(captured)
    totals = figures["totals"]
    got = {
        "tickets_sold": totals["tickets_sold"],
        "checked_in": totals["checked_in"],
        "revenue": totals["revenue"]["amount"],
        "views": totals["views"],
        "reviews": figures["rating"]["count"],
        "rating": figures["rating"]["average"],
    }
    assert got == expected, (got, expected)
    aggregates, loop, single = summary(aggregate_ms), summary(loop_ms), summary(event_ms)
    ratio = loop["median"] / aggregates["median"]
    print(
        f"  {label:>12}: dashboard {aggregates['median']:8.1f} ms ({queries} queries), "
        f"one event {single['median']:7.1f} ms ({event_queries} queries), per-event loop "
        f"{loop['median']:8.1f} ms ({loop_queries} queries) — loop / aggregates {ratio:5.1f}×; "
        f"identical totals ({got['tickets_sold']:,} tickets, {got['revenue']:,} XOF)"
    )
    return queries, event_queries, ratio


def run(args, environment) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    print(f"Campus analytics benchmark — {environment.description}")
    print(f"  machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}")
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(args.seed)  # noqa: S311 - test data, not secrets
    now = datetime.now(UTC)
    organization, events = fill(args, now, rng)
    # The smaller organiser: a tenth of the events (the rest moved to another one).
    from teranga.platform.organizations.models import Organization
    from teranga.products.campus.models import Event, Order, Review, Ticket

    small = Organization.objects.create(kind="university", name="Petite", slug="petite")
    tenth = events[: max(1, len(events) // 10)]
    ids = [event.pk for event in tenth]
    Event.objects.filter(pk__in=ids).update(organization=small)
    Order.objects.filter(event_id__in=ids).update(organization=small)
    Ticket.objects.filter(event_id__in=ids).update(organization=small)
    Review.objects.filter(event_id__in=ids).update(organization=small)
    from teranga.platform.payments.models import Payment

    Payment.objects.filter(
        target_id__in=[
            str(pk) for pk in Order.objects.filter(event_id__in=ids).values_list("pk", flat=True)
        ]
    ).update(organization=small)
    small_queries, small_event, _ratio = measure(args, small, tenth, f"{len(tenth)} events")
    rest = events[len(tenth) :]
    big_queries, big_event, ratio = measure(args, organization, rest, f"{len(rest)} events")
    fixed = small_queries == big_queries and small_event == big_event
    print(
        f"  queries: {small_queries} → {big_queries} (dashboard), {small_event} → {big_event} "
        f"(one event): {'FIXED' if fixed else 'GROWING'}; at full size the aggregates are "
        f"{ratio:.1f}× faster than the loop ({'MET' if ratio > 1 else 'MISSED'})"
    )
    assert fixed, "the number of queries grows with the number of events"
    return 1 if args.check and ratio <= 1 else 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("campus_analytics") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
