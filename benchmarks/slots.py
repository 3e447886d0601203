"""Slot computation: 30 days of free slots for a service whose resource has 50 weekly
rules and 1,000 existing bookings, against a baseline that only reads the same rows.

    python -m benchmarks.slots [--repetitions 50] [--bookings 1000] [--days 30] [--check]

Runs on a throwaway database (see ``benchmarks``): a temporary SQLite file, or a
dedicated database on the PostgreSQL server of ``DATABASE_URL``. Prints the median and
p95 of ``availability.free_slots`` and of the baseline, their ratio, and whether the
median is under the 50 ms target (a SQLite target). ``--check`` exits 1 when missed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock

from . import summary, throwaway_environment

TARGET_MS = 50.0
WARM_UP = 3
RULES = 50


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.slots", description=__doc__)
    parser.add_argument("--repetitions", type=int, default=50)
    parser.add_argument("--bookings", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--duration", type=int, default=15, help="service minutes")
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args(argv)
    if args.repetitions < 1 or args.bookings < 0 or not 1 <= args.days <= 90:
        parser.error("repetitions >= 1, bookings >= 0, 1 <= days <= 90")
    return args


def build(args, now: datetime):
    """The organisation, its branch (with opening hours), the resource with 50 rules, a
    few overrides and a closure, the service, and the bookings (bulk-created)."""
    from django.contrib.auth import get_user_model

    from teranga.platform.organizations.models import (
        Branch,
        Closure,
        OpeningHours,
        Organization,
        VerificationStatus,
    )
    from teranga.platform.scheduling import services
    from teranga.platform.scheduling.availability import candidate_starts, load_availability
    from teranga.platform.scheduling.models import (
        AvailabilityOverride,
        Booking,
        BookingStatus,
        OverrideKind,
        Resource,
    )
    from teranga.products.booking.models import Service, ServiceCategory

    organization = Organization.objects.create(
        kind="business",
        name="Salon Benchmark",
        slug="salon-benchmark",
        time_zone="Africa/Dakar",
        country="SN",
        verification_status=VerificationStatus.VERIFIED,
        verified_at=now,
    )
    branch = Branch.objects.create(organization=organization, name="Plateau")
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(branch=branch, weekday=d, opens_at=clock(7), closes_at=clock(20))
            for d in range(6)
        ]
        + [OpeningHours(branch=branch, weekday=6, opens_at=clock(9), closes_at=clock(13))]
    )
    resource = Resource.objects.create(organization=organization, branch=branch, name="Awa")

    today = now.date()
    first_half = (today, today + timedelta(days=args.days // 2))
    second_half = (first_half[1] + timedelta(days=1), today + timedelta(days=args.days + 30))
    windows = [
        (clock(7), clock(10), None, None),
        (clock(10), clock(13), None, None),
        (clock(14), clock(17), clock(15, 30), clock(15, 45)),
        (clock(17), clock(20), None, None),
    ]
    rules = []
    for valid_from, valid_until in (first_half, second_half):
        for weekday in range(6):
            for starts_at, ends_at, break_start, break_end in windows:
                rules.append(
                    {
                        "weekday": weekday,
                        "starts_at": starts_at,
                        "ends_at": ends_at,
                        "break_start": break_start,
                        "break_end": break_end,
                        "valid_from": valid_from,
                        "valid_until": valid_until,
                    }
                )
        rules.append(
            {"weekday": 6, "starts_at": clock(9), "ends_at": clock(12)}
            | {"valid_from": valid_from, "valid_until": valid_until}
        )
    assert len(rules) == RULES
    services.rules_create(organization=organization, resource_id=resource.pk, rules=rules)

    overrides = [
        (3, OverrideKind.UNAVAILABLE, clock(10), clock(12)),
        (9, OverrideKind.UNAVAILABLE, None, None),
        (12, OverrideKind.UNAVAILABLE, clock(17), clock(20)),
        (17, OverrideKind.AVAILABLE, clock(13), clock(14)),
        (23, OverrideKind.AVAILABLE, clock(12), clock(13)),
        (26, OverrideKind.UNAVAILABLE, clock(7), clock(8)),
    ]
    AvailabilityOverride.objects.bulk_create(
        [
            AvailabilityOverride(
                organization=organization,
                resource=resource,
                date=today + timedelta(days=offset % args.days),
                kind=kind,
                starts_at=starts_at,
                ends_at=ends_at,
            )
            for offset, kind, starts_at, ends_at in overrides
        ]
    )
    closed = today + timedelta(days=20 % args.days)
    Closure.objects.create(organization=organization, starts_on=closed, ends_on=closed)

    service = Service.objects.create(
        organization=organization,
        resource=resource,
        name="Coupe rapide",
        category=ServiceCategory.objects.order_by("position").first(),
        price_amount=3000,
        currency="XOF",
        duration_minutes=args.duration,
        min_notice_minutes=60,
        max_advance_days=90,
    )
    policy = service.slot_policy()
    range_from, range_to = now, now + timedelta(days=args.days)

    # The bookings sit on distinct free slots (capacity 1), spread over the range.
    data = load_availability(
        resource, range_from.date() - timedelta(days=1), range_to.date() + timedelta(days=1)
    )
    candidates = candidate_starts(data, policy, range_from + policy.min_notice, range_to)
    if len(candidates) < args.bookings:
        raise SystemExit(
            f"Only {len(candidates)} slots in {args.days} days: ask for fewer bookings."
        )
    chosen = sorted(random.Random(2026).sample(candidates, args.bookings))  # noqa: S311
    User = get_user_model()
    clients = User.objects.bulk_create(
        [User(email=f"client{n}@bench.example", password="!") for n in range(100)]
    )
    other_offering = "booking.service:another"
    rows = []
    for index, (starts_at, ends_at) in enumerate(chosen):
        pending = index % 20 == 0
        rows.append(
            Booking(
                organization=organization,
                resource=resource,
                client=clients[index % len(clients)],
                source="booking",
                offering=other_offering if index % 10 == 0 else service.offering_key,
                title=service.name,
                starts_at=starts_at,
                ends_at=ends_at,
                occupied_from=starts_at,
                occupied_until=ends_at,
                time_zone=organization.time_zone,
                status=BookingStatus.PENDING if pending else BookingStatus.CONFIRMED,
                confirmed_at=None if pending else now,
            )
        )
    Booking.objects.bulk_create(rows, batch_size=500)
    return {
        "service": service,
        "resource": resource,
        "policy": policy,
        "range_from": range_from,
        "range_to": range_to,
        "candidates": len(candidates),
        "overrides": len(overrides),
    }


def timed(functions: dict, repetitions: int) -> dict[str, list[float]]:
    """Milliseconds per call of each function. The functions take turns within each
    repetition, so that load from anything else on the machine hits them alike."""
    for _ in range(WARM_UP):
        for function in functions.values():
            function()
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repetitions):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def run(args, environment) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext

    from teranga.platform.organizations.models import Closure, OpeningHours
    from teranga.platform.scheduling.availability import (
        _local_dates,
        free_slots,
        occupying_q,
        public_holidays,
        zone,
    )
    from teranga.platform.scheduling.models import (
        AvailabilityOverride,
        AvailabilityRule,
        Booking,
        Resource,
    )

    print(f"Slot computation benchmark — {environment.description}")
    print(f"  machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    scenario = build(args, now)
    print(f"  setup (migrate + data): {time.perf_counter() - started:.1f} s")

    # The resource as a view has it: loaded with its organisation.
    resource = Resource.objects.select_related("organization").get(pk=scenario["resource"].pk)
    service, policy = scenario["service"], scenario["policy"]
    range_from, range_to = scenario["range_from"], scenario["range_to"]
    organization = resource.organization

    def compute():
        return free_slots(
            resource,
            policy,
            offering=service.offering_key,
            range_from=range_from,
            range_to=range_to,
            now=now,
        )

    # The rows free_slots reads, read the same way, with nothing computed.
    earliest = max(range_from, now + policy.min_notice)
    latest = min(range_to, now + policy.max_advance)
    first, last = _local_dates(zone(organization.time_zone), earliest, latest)
    margin = policy.buffer_before + policy.buffer_after

    def bookings_in_range():
        return Booking.objects.filter(
            occupying_q(now),
            resource=resource,
            occupied_from__lt=latest + policy.duration + margin,
            occupied_until__gt=earliest - margin,
        ).order_by("occupied_from")

    def baseline_rows():
        rules = list(AvailabilityRule.objects.filter(resource=resource).order_by("starts_at"))
        overrides = list(
            AvailabilityOverride.objects.filter(resource=resource, date__gte=first, date__lte=last)
        )
        closures = list(
            Closure.objects.filter(
                Q(branch__isnull=True) | Q(branch_id=resource.branch_id),
                organization_id=organization.pk,
                starts_on__lte=last,
                ends_on__gte=first,
            ).values_list("starts_on", "ends_on")
        )
        hours = list(OpeningHours.objects.filter(branch_id=resource.branch_id))
        bookings = list(
            bookings_in_range().values_list(
                "occupied_from", "occupied_until", "offering", "starts_at", "pk"
            )
        )
        return rules, overrides, closures, hours, bookings

    def baseline_models():
        rules, overrides, closures, hours, _ = baseline_rows()
        return rules, overrides, closures, hours, list(bookings_in_range())

    with CaptureQueriesContext(connection) as queries:
        slots = compute()
    rules, overrides, closures, hours, bookings = baseline_rows()
    with CaptureQueriesContext(connection) as baseline_queries:
        baseline_rows()
    holidays = public_holidays(organization.country, first, last)

    print(
        f"  data: {len(rules)} rules, {len(overrides)} overrides, {len(closures)} closure(s), "
        f"{len(hours)} opening periods, {len(holidays)} public holiday(s) in range, "
        f"{len(bookings)} occupying bookings read"
    )
    print(
        f"  service: {args.duration} min, capacity {policy.capacity}; "
        f"{scenario['candidates']} slots in {args.days} days before bookings; "
        f"free_slots returns {len(slots)} free slots with {len(queries)} queries "
        f"(baseline: {len(baseline_queries)} queries)"
    )

    repetitions = args.repetitions
    measured = timed(
        {
            "free_slots (30 days)": compute,
            "baseline: same rows, same columns": baseline_rows,
            "baseline: same rows, booking models": baseline_models,
        },
        repetitions,
    )
    print(f"  {repetitions} repetitions each (interleaved), after {WARM_UP} warm-up runs (ms):")
    print(f"    {'':38} {'median':>8} {'p95':>8} {'min':>8} {'max':>8}")
    figures = {}
    for name, values in measured.items():
        figures[name] = summary(values)
        f = figures[name]
        print(f"    {name:38} {f['median']:8.2f} {f['p95']:8.2f} {f['min']:8.2f} {f['max']:8.2f}")
    median = figures["free_slots (30 days)"]["median"]
    base = figures["baseline: same rows, same columns"]["median"]
    base_models = figures["baseline: same rows, booking models"]["median"]
    print(f"  ratio free_slots / baseline (same columns), median: {median / base:.2f}×")
    print(f"  ratio free_slots / baseline (booking models), median: {median / base_models:.2f}×")
    met = median < TARGET_MS
    if environment.vendor == "sqlite":
        print(f"  target: median under {TARGET_MS:.0f} ms on SQLite: {'MET' if met else 'MISSED'}")
    else:
        print(
            f"  target (defined for SQLite): median under {TARGET_MS:.0f} ms: "
            f"{'met here too' if met else 'not met here'}"
        )
    return 1 if (args.check and environment.vendor == "sqlite" and not met) else 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("slots") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
