"""Campus nearby search: the indexed bounding box of ``events/nearby/`` against a
full-scan haversine over every event, with identical results.

    python -m benchmarks.campus_nearby [--events 200000] [--centres 10] [--radius 10]
                                       [--repetitions 3] [--seed 17] [--check]

Runs on a throwaway database (see ``benchmarks``): a temporary SQLite file, or a
dedicated database on the PostgreSQL server of ``DATABASE_URL``. It bulk-inserts
``--events`` events (1,000,000 is the issue's figure; the default keeps a run to a few
minutes on a shared machine) spread over Senegal, a fifth of them packed around Dakar,
with a mix of statuses (published, draft, over). For each of ``--centres`` random centres
(half in Dakar) it times:

* **indexed**: ``selectors.nearby.nearby_hits`` as an anonymous visitor: the bounding box
  on the ``(latitude, longitude)`` index, then the exact distance;
* **full scan**: every event's row read, the same rules and the exact distance in
  Python for each one.

It asserts that both return the same events in the same order, and prints the medians and
their ratio (target ≥ 20×; ``--check`` exits 1 when missed). No database statistics are
gathered (no ``ANALYZE``): the plan must be right on a fresh database.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from . import summary, throwaway_environment

TARGET_RATIO = 20.0
BATCH = 5000
#: Senegal, roughly, and Dakar.
SENEGAL = ((12.3, 16.7), (-17.5, -11.4))
DAKAR = ((14.65, 14.80), (-17.52, -17.25))


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.campus_nearby", description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--centres", type=int, default=10)
    parser.add_argument("--radius", type=float, default=10.0, help="km, at most 50")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args(argv)
    if args.events < 1 or args.centres < 1 or args.repetitions < 1 or not 0 < args.radius <= 50:
        parser.error("events, centres, repetitions >= 1; 0 < radius <= 50")
    return args


def point(rng: random.Random, area) -> tuple[float, float]:
    (lat_min, lat_max), (lng_min, lng_max) = area
    return rng.uniform(lat_min, lat_max), rng.uniform(lng_min, lng_max)


def fill(args, now: datetime, rng: random.Random) -> None:
    """The organiser and ``args.events`` events, bulk-inserted."""
    from teranga.platform.organizations.models import Organization
    from teranga.products.campus.models import Event, EventStatus, EventVisibility

    organization = Organization.objects.create(
        kind="university", name="Université Benchmark", slug="universite-benchmark"
    )
    statuses = [EventStatus.PUBLISHED] * 18 + [EventStatus.DRAFT, EventStatus.CANCELLED]
    visibilities = [EventVisibility.PUBLIC] * 8 + [
        EventVisibility.UNIVERSITY,
        EventVisibility.INVITE,
    ]
    started = time.perf_counter()
    made = 0
    while made < args.events:
        batch = []
        for _ in range(min(BATCH, args.events - made)):
            latitude, longitude = point(rng, DAKAR if rng.random() < 0.2 else SENEGAL)
            # One in ten is over already.
            starts_at = now + timedelta(hours=rng.randint(-24 * 60, 24 * 60))
            if rng.random() < 0.1:
                starts_at = now - timedelta(days=rng.randint(2, 400))
            batch.append(
                Event(
                    organization_id=organization.pk,
                    university_id=organization.pk,
                    title=f"Event {made + len(batch)}",
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=2),
                    latitude=latitude,
                    longitude=longitude,
                    status=rng.choice(statuses),
                    visibility=rng.choice(visibilities),
                )
            )
        Event.objects.bulk_create(batch, batch_size=BATCH)
        made += len(batch)
    print(f"  filled {made:,} events in {time.perf_counter() - started:.1f} s (bulk inserts)")


def full_scan(latitude: float, longitude: float, radius_km: float, now: datetime):
    """The baseline: every row read, the same rules and the exact distance for each."""
    from teranga.platform.geo.distance import haversine_km
    from teranga.products.campus.models import Event, EventStatus, EventVisibility
    from teranga.products.campus.selectors.nearby import Hit

    hits = []
    rows = (
        Event.objects.order_by()
        .values_list("id", "latitude", "longitude", "status", "visibility", "ends_at")
        .iterator(chunk_size=10_000)
    )
    for event_id, lat, lng, status, visibility, ends_at in rows:
        if (
            status != EventStatus.PUBLISHED
            or ends_at <= now
            or visibility != EventVisibility.PUBLIC
        ):
            continue
        if lat is None or lng is None:
            continue
        distance = haversine_km(latitude, longitude, lat, lng)
        if distance <= radius_km:
            hits.append(Hit(distance, event_id))
    hits.sort(key=lambda hit: (hit.distance_km, str(hit.id)))
    return hits


def run(args, environment) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from teranga.products.campus.selectors.nearby import box_rows, nearby_hits

    print(f"Campus nearby benchmark — {environment.description}")
    print(f"  machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}")
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(args.seed)  # noqa: S311 - test data, not secrets
    now = datetime.now(UTC)
    fill(args, now, rng)

    # The plan of the indexed query, as the database chooses it.
    sample = box_rows(latitude=14.69, longitude=-17.45, radius_km=args.radius)
    sql, params = sample.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " / ".join(str(row[-1]) for row in cursor.fetchall())
        else:
            cursor.execute("EXPLAIN " + sql, params)
            plan = " / ".join(row[0].strip() for row in cursor.fetchall())
    print(f"  plan of the bounding box: {plan}")

    indexed_ms, scan_ms, found = [], [], []
    for index in range(args.centres):
        latitude, longitude = point(rng, DAKAR if index % 2 == 0 else SENEGAL)
        expected = None
        for _ in range(args.repetitions):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                hits = nearby_hits(
                    user=None,
                    latitude=latitude,
                    longitude=longitude,
                    radius_km=args.radius,
                    now=now,
                )
                indexed_ms.append((time.perf_counter() - started) * 1000)
            assert len(queries) == 1, len(queries)
            expected = hits
        started = time.perf_counter()
        baseline = full_scan(latitude, longitude, args.radius, now)
        scan_ms.append((time.perf_counter() - started) * 1000)
        same = [h.id for h in expected] == [h.id for h in baseline]
        assert same, f"centre {latitude:.4f},{longitude:.4f}: results differ"
        found.append(len(expected))
        print(
            f"  centre {index + 1:2}: ({latitude:8.4f}, {longitude:8.4f}) "
            f"{len(expected):5} events within {args.radius:g} km — identical results"
        )

    indexed, scan = summary(indexed_ms), summary(scan_ms)
    print(f"  {'':28} {'median':>10} {'p95':>10} {'min':>10} {'max':>10}  (ms)")
    for name, figures in (("indexed bounding box", indexed), ("full-scan haversine", scan)):
        print(
            f"  {name:28} {figures['median']:10.2f} {figures['p95']:10.2f} "
            f"{figures['min']:10.2f} {figures['max']:10.2f}"
        )
    ratio = scan["median"] / indexed["median"]
    met = ratio >= TARGET_RATIO
    print(
        f"  {args.events:,} events, {args.centres} centres, {sum(found):,} hits in all; "
        f"full scan / indexed, median: {ratio:.1f}× (target ≥ {TARGET_RATIO:.0f}×: "
        f"{'MET' if met else 'MISSED'})"
    )
    return 1 if args.check and not met else 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("campus_nearby") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
