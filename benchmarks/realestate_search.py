"""Real-estate search: a filtered search with a radius through the whole HTTP stack
(``GET /api/v1/realestate/properties/``), against the bare list as a baseline.

    python -m benchmarks.realestate_search [--properties 200000] [--centres 10]
                                           [--radius 5] [--repetitions 5] [--seed 18]
                                           [--check]

Runs on a throwaway database (see ``benchmarks``): a temporary SQLite file, or a
dedicated database on the PostgreSQL server of ``DATABASE_URL``. It bulk-inserts
``--properties`` properties of one verified agency (the issue's figure is 200,000): a
fifth packed in Dakar, the rest over Senegal, seven in ten available, every type,
transaction, price and feature mix. Then, through Django's test client (URL routing,
middleware, authentication, throttles, serializers, JSON), it times:

* **search**: available apartments and villas for sale under 300 M F CFA with parking,
  within ``--radius`` km of a point in Dakar, nearest first, 20 a page;
* **baseline**: the bare list (``GET …/properties/``, newest first, 20 a page): the same
  stack and serializer, no filter.

It checks that the search answers with the same number of queries at page sizes 1 and 20,
that each centre's first page (ids, order, distances) is the one a Python reference gives
(every candidate of the box read, ``haversine_km``, sorted by distance and id),
prints the plan of the page's query, the medians, p95 and p99, and the ratio. Target:
search p50 < 50 ms (``--check`` exits 1 when missed). No ``ANALYZE``: the plan must be
right on a fresh database.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

from . import summary, throwaway_environment

TARGET_P50_MS = 50.0
BATCH = 5000
SENEGAL = ((12.3, 16.7), (-17.5, -11.4))
DAKAR = ((14.65, 14.80), (-17.52, -17.25))
URL = "/api/v1/realestate/properties/"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.realestate_search", description=__doc__
    )
    parser.add_argument("--properties", type=int, default=200_000)
    parser.add_argument("--centres", type=int, default=10)
    parser.add_argument("--radius", type=float, default=5.0, help="km, at most 100")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args(argv)
    if args.properties < 1 or args.centres < 1 or args.repetitions < 1:
        parser.error("properties, centres, repetitions >= 1")
    if not 0 < args.radius <= 100:
        parser.error("0 < radius <= 100")
    return args


def point(rng: random.Random, area) -> tuple[float, float]:
    (lat_min, lat_max), (lng_min, lng_max) = area
    return rng.uniform(lat_min, lat_max), rng.uniform(lng_min, lng_max)


def fill(args, rng: random.Random):
    from teranga.platform.organizations.models import Organization
    from teranga.products.realestate.models import (
        FEATURE_BITS,
        Property,
        PropertyStatus,
        PropertyType,
        TransactionType,
    )

    agency = Organization.objects.create(
        kind="agency",
        name="Agence Benchmark",
        slug="agence-benchmark",
        verification_status="verified",
    )
    statuses = [PropertyStatus.AVAILABLE] * 7 + [
        PropertyStatus.DRAFT,
        PropertyStatus.SOLD,
        PropertyStatus.RESERVED,
    ]
    types, transactions = list(PropertyType), list(TransactionType)
    bits = list(FEATURE_BITS.values())
    started = time.perf_counter()
    made = 0
    while made < args.properties:
        batch = []
        for _ in range(min(BATCH, args.properties - made)):
            latitude, longitude = point(rng, DAKAR if rng.random() < 0.2 else SENEGAL)
            features = 0
            for bit in bits:
                if rng.random() < 0.3:
                    features |= bit
            batch.append(
                Property(
                    organization_id=agency.pk,
                    property_type=rng.choice(types),
                    transaction=rng.choice(transactions),
                    status=rng.choice(statuses),
                    title=f"Bien {made + len(batch)}",
                    commune="Dakar",
                    latitude=latitude,
                    longitude=longitude,
                    price=rng.randrange(100_000, 900_000_000, 50_000),
                    surface=rng.randint(20, 800),
                    rooms=rng.randint(1, 9),
                    bedrooms=rng.randint(0, 6),
                    features=features,
                    search_text=f"bien {made + len(batch)} dakar",
                )
            )
        Property.objects.bulk_create(batch, batch_size=BATCH)
        made += len(batch)
    print(f"  filled {made:,} properties in {time.perf_counter() - started:.1f} s (bulk inserts)")


def search_params(latitude: float, longitude: float, radius: float, page_size: int) -> dict:
    return {
        "lat": f"{latitude:.5f}",
        "lng": f"{longitude:.5f}",
        "radius_km": radius,
        "transaction": "sale",
        "property_type": "apartment,villa",
        "price_max": 300_000_000,
        "features": "parking",
        "ordering": "distance",
        "page_size": page_size,
    }


def reference_page(latitude: float, longitude: float, radius: float, size: int) -> list:
    """The first page as the search computed it in Python before: every candidate of the
    bounding box read, the great-circle distance (``haversine_km``), those within the
    radius sorted by (distance, id)."""
    from teranga.platform.geo.distance import haversine_km
    from teranga.platform.geo.selectors import radius_box_q
    from teranga.products.realestate.selectors.search import SearchQuery, _base

    query = SearchQuery(
        transaction=["sale"],
        property_type=["apartment", "villa"],
        price_max=300_000_000,
        features=["parking"],
    )
    candidates = (
        _base(query, None)[0]
        .filter(radius_box_q(latitude, longitude, radius))
        .order_by()
        .values_list("id", "latitude", "longitude")
    )
    hits = []
    for pk, lat, lng in candidates:
        distance = haversine_km(latitude, longitude, lat, lng)
        if distance <= radius:
            hits.append((distance, str(pk)))
    hits.sort()
    return [(pk, round(distance, 3)) for distance, pk in hits[:size]]


def timed_get(client, params) -> tuple[float, object]:
    started = time.perf_counter()
    response = client.get(URL, params)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code}: {response.content[:300]!r}")
    return elapsed, response


def run(args, environment) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from teranga.products.realestate.selectors.search import SearchQuery, property_search

    # The client is one address: the public throttles would trip long before the end.
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].update(
        anon="100000000/min", directory="100000000/min"
    )
    print(f"Real-estate search benchmark — {environment.description}")
    print(f"  machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}")
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(args.seed)  # noqa: S311 - test data, not secrets
    fill(args, rng)
    client = Client()

    # The plan of the page's query (the circle, the filters, the sort and the limit in
    # SQL), as the database chooses it on this fresh database.
    query = SearchQuery(
        transaction=["sale"],
        property_type=["apartment", "villa"],
        price_max=300_000_000,
        features=["parking"],
        lat=14.69,
        lng=-17.45,
        radius_km=args.radius,
        ordering="distance",
    )
    executed = []

    def record(execute, sql, params, many, context):
        executed.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        property_search(user=AnonymousUser(), query=query, page_size=20)
    sql, params = executed[0]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " / ".join(str(row[-1]) for row in cursor.fetchall())
        else:
            cursor.execute("EXPLAIN " + sql, params)
            plan = " / ".join(row[0].strip() for row in cursor.fetchall())
    print(f"  plan of the page's query: {plan}")

    # Warm up (imports, first connections, caches of the serializers).
    timed_get(client, search_params(14.69, -17.45, args.radius, 20))
    timed_get(client, {"page_size": 20})

    search_ms, baseline_ms, found = [], [], []
    for index in range(args.centres):
        latitude, longitude = point(rng, DAKAR)
        counts = []
        for size in (1, 20):
            with CaptureQueriesContext(connection) as queries:
                timed_get(client, search_params(latitude, longitude, args.radius, size))
            counts.append(len(queries))
        if counts[0] != counts[1]:
            raise SystemExit(f"query count grows with the page size: {counts}")
        for _ in range(args.repetitions):
            elapsed, response = timed_get(
                client, search_params(latitude, longitude, args.radius, 20)
            )
            search_ms.append(elapsed)
            elapsed, _baseline = timed_get(client, {"page_size": 20})
            baseline_ms.append(elapsed)
        rows = response.json()["results"]
        found.append(len(rows))
        # The centre as the request sent it (5 decimals).
        expected = reference_page(
            float(f"{latitude:.5f}"), float(f"{longitude:.5f}"), args.radius, 20
        )
        got = [(row["id"], row["distance_km"]) for row in rows]
        if got != expected:
            raise SystemExit(f"the page differs from the Python reference: {got} != {expected}")
        print(
            f"  centre {index + 1:2}: ({latitude:8.4f}, {longitude:8.4f}) {len(rows):2} on the "
            f"first page, nearest at {rows[0]['distance_km'] if rows else '-'} km; "
            f"{counts[1]} queries at page sizes 1 and 20"
        )

    search, baseline = summary(search_ms), summary(baseline_ms)
    print(f"  {'':28} {'median':>10} {'p95':>10} {'p99':>10} {'min':>10} {'max':>10}  (ms)")
    for name, figures in (("filtered radius search", search), ("bare list (baseline)", baseline)):
        print(
            f"  {name:28} {figures['median']:10.2f} {figures['p95']:10.2f} "
            f"{figures['p99']:10.2f} {figures['min']:10.2f} {figures['max']:10.2f}"
        )
    ratio = search["median"] / baseline["median"]
    met = search["median"] < TARGET_P50_MS
    print(
        f"  {args.properties:,} properties, {args.centres} centres × {args.repetitions}; "
        f"search / baseline, median: {ratio:.2f}×; search p50 {search['median']:.1f} ms "
        f"(target < {TARGET_P50_MS:.0f} ms: {'MET' if met else 'MISSED'})"
    )
    return 1 if args.check and not met else 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("realestate_search") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
