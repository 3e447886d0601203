"""SmartQueue's arrivals forecast on held-out weeks of generated history, against the
naive "same hour last week".

    python -m benchmarks.smartqueue_forecast [--weeks 12] [--holdout 4] [--end 2026-06-07] [--check]

Runs on a throwaway database (see ``benchmarks``): a temporary SQLite file, or a
dedicated database on the PostgreSQL server of ``DATABASE_URL``. It builds a bank with
two Dakar branches (opening hours Monday–Friday 8–17 h with a 13–14 h break, Saturday
9–13 h) and four branch × service series of different sizes (about 120, 60, 25 and 10
tickets a day), and writes ``--weeks`` weeks of tickets ending on ``--end`` with the
demo's generator (``teranga.products.smartqueue.history``: weekly pattern, daily peaks,
Senegal's public holidays closed with a catch-up the next open day, month ends, a 1 %
weekly growth, day-level and Poisson noise). The default end puts Ascension, Whit
Monday and Tabaski 2026 in the held-out weeks.

Then, for each of the last ``--holdout`` weeks, it runs the real service
(``services.forecast.forecasts_compute``, which reads the history through the grouped
query of ``selectors.forecast``) as on the Monday 00:30 of that week, reads the stored
forecast of that week, and compares it with what came (read back from the database the
same way). The baseline predicts each hour by the same hour a week before. Both are
scored by MAPE over the open hours that had tickets (the standard definition: hours
with no ticket have no percentage error), and by WAPE (Σ|error| / Σ tickets) over all
forecast hours. It prints both per series and overall, the 90 % interval's coverage, and
the time of one recompute. ``--check`` exits 1 if the model's overall MAPE is not below
the baseline's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from . import throwaway_environment

SERIES = (
    # (branch, service, tickets on an ordinary Tuesday)
    ("Agence Plateau", "Opérations courantes", 120),
    ("Agence Plateau", "Ouverture de compte", 25),
    ("Agence Almadies", "Opérations courantes", 60),
    ("Agence Almadies", "Transferts", 10),
)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.smartqueue_forecast", description=__doc__
    )
    parser.add_argument("--weeks", type=int, default=12, help="weeks of history in all")
    parser.add_argument("--holdout", type=int, default=4, help="last weeks held out")
    parser.add_argument(
        "--end", type=date.fromisoformat, default=date(2026, 6, 7), help="last day (a Sunday)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 unless the model wins")
    args = parser.parse_args(argv)
    if not 2 <= args.holdout <= 4 or args.weeks < args.holdout + 3 or args.weeks > 30:
        parser.error("2 <= holdout <= 4, holdout + 3 <= weeks <= 30")
    if args.end.weekday() != 6:
        parser.error("--end must be a Sunday (held-out weeks run Monday to Sunday)")
    return args


def build(args):
    from teranga.platform.organizations.models import (
        Branch,
        OpeningHours,
        Organization,
        VerificationStatus,
    )
    from teranga.platform.scheduling.availability import public_holidays
    from teranga.products.smartqueue.history import (
        Demand,
        history_tickets,
        hourly_arrivals,
        write_history,
    )
    from teranga.products.smartqueue.models import Queue, QueueService
    from teranga.products.smartqueue.services.tickets import new_code

    organization = Organization.objects.create(
        kind="bank",
        name="Banque Benchmark",
        slug="banque-benchmark",
        time_zone="Africa/Dakar",
        country="SN",
        verification_status=VerificationStatus.VERIFIED,
        verified_at=datetime.now(UTC),
    )
    first = args.end - timedelta(weeks=args.weeks) + timedelta(days=1)
    holidays = set(public_holidays("SN", first, args.end))
    branches, services, series = {}, {}, []
    for index, (branch_name, service_name, per_day) in enumerate(SERIES):
        if branch_name not in branches:
            branch = branches[branch_name] = Branch.objects.create(
                organization=organization, name=branch_name
            )
            hours = [
                OpeningHours(
                    branch=branch,
                    weekday=day,
                    opens_at=clock(8),
                    closes_at=clock(17),
                    break_start=clock(13),
                    break_end=clock(14),
                )
                for day in range(5)
            ]
            hours.append(
                OpeningHours(branch=branch, weekday=5, opens_at=clock(9), closes_at=clock(13))
            )
            OpeningHours.objects.bulk_create(hours)
        if service_name not in services:
            services[service_name] = QueueService.objects.create(
                organization=organization, name=service_name, average_service_minutes=6
            )
        branch, service = branches[branch_name], services[service_name]
        queue = Queue.objects.create(
            organization=organization,
            branch=branch,
            service=service,
            name=service_name,
            prefix="ABCD"[index],
            is_open=True,
        )
        counts = hourly_arrivals(
            Demand(per_day=per_day, start=first),
            first,
            args.end,
            closed=holidays.__contains__,
            seed=1000 + index,
        )
        tickets, numbers = history_tickets(
            queue=queue,
            counts={day: hours for day, hours in counts.items() if hours},
            zone=organization_zone(organization),
            service_seconds=360,
            seed=index,
            code=new_code,
        )
        write_history(tickets, numbers, queue)
        series.append((branch, service, f"{branch_name} · {service_name} (~{per_day}/day)"))
    return organization, series, holidays


def organization_zone(organization):
    from zoneinfo import ZoneInfo

    return ZoneInfo(organization.time_zone)


def evaluate(args, organization, series):
    from teranga.products.smartqueue.forecasting import mape
    from teranga.products.smartqueue.models import ArrivalForecast
    from teranga.products.smartqueue.selectors.forecast import branch_counts
    from teranga.products.smartqueue.services.forecast import forecasts_compute

    zone = organization_zone(organization)
    first = args.end - timedelta(weeks=args.weeks) + timedelta(days=1)
    actual = {}
    for branch in {b for b, _s, _n in series}:
        for (service_id, day, hour), n in branch_counts(
            organization, branch, first, args.end
        ).items():
            actual[(branch.pk, service_id, day, hour)] = n
    pairs = {label: {"model": [], "naive": []} for _b, _s, label in series}
    covered = hours = 0
    durations = []
    for k in range(args.holdout, 0, -1):
        monday = args.end - timedelta(weeks=k) + timedelta(days=1)
        now = datetime.combine(monday, clock(0, 30), tzinfo=zone)
        started = time.perf_counter()
        forecasts_compute(organization=organization, now=now)
        durations.append((time.perf_counter() - started) * 1000)
        rows = ArrivalForecast.objects.filter(
            organization=organization,
            hour_start__gte=now,
            hour_start__lt=now + timedelta(days=7),
        ).values_list("branch_id", "service_id", "hour_start", "expected", "low", "high")
        for branch_id, service_id, start, expected, low, high in rows:
            local = start.astimezone(zone)
            key = (branch_id, service_id, local.date(), local.hour)
            came = actual.get(key, 0)
            before = actual.get(
                (branch_id, service_id, local.date() - timedelta(days=7), local.hour), 0
            )
            label = next(lb for b, s, lb in series if b.pk == branch_id and s.pk == service_id)
            pairs[label]["model"].append((came, expected))
            pairs[label]["naive"].append((came, before))
            covered += low <= came <= high
            hours += 1
    return pairs, covered, hours, durations, mape


def wape(pairs) -> float:
    total = sum(actual for actual, _p in pairs)
    return 100 * sum(abs(actual - p) for actual, p in pairs) / total if total else float("nan")


def run(args, environment) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    print(f"SmartQueue arrivals forecast benchmark — {environment.description}")
    print(f"  machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter()
    organization, series, holidays = build(args)
    from teranga.products.smartqueue.models import Ticket

    tickets = Ticket.objects.count()
    print(
        f"  setup: migrate {migrated - started:.1f} s, {tickets} tickets of {args.weeks} weeks "
        f"written in {time.perf_counter() - migrated:.1f} s"
    )
    held = args.end - timedelta(weeks=args.holdout) + timedelta(days=1)
    in_holdout = sorted(day for day in holidays if day >= held)
    print(
        f"  held out: {held} – {args.end} ({args.holdout} weeks, one week ahead each); "
        f"public holidays in them: {', '.join(map(str, in_holdout)) or 'none'}"
    )
    pairs, covered, hours, durations, mape = evaluate(args, organization, series)
    print()
    print(
        f"  {'series':<52} {'MAPE model':>10} {'naive':>8} {'ratio':>6} "
        f"{'WAPE model':>11} {'naive':>7}"
    )
    everything = {"model": [], "naive": []}
    for label, both in pairs.items():
        m, n = mape(both["model"]), mape(both["naive"])
        everything["model"] += both["model"]
        everything["naive"] += both["naive"]
        print(
            f"  {label:<52} {m:>9.1f}% {n:>7.1f}% {m / n:>6.2f} "
            f"{wape(both['model']):>10.1f}% {wape(both['naive']):>6.1f}%"
        )
    model_mape, naive_mape = mape(everything["model"]), mape(everything["naive"])
    print(
        f"  {'all series':<52} {model_mape:>9.1f}% {naive_mape:>7.1f}% "
        f"{model_mape / naive_mape:>6.2f} {wape(everything['model']):>10.1f}% "
        f"{wape(everything['naive']):>6.1f}%"
    )
    print()
    print(f"  90 % interval coverage: {100 * covered / hours:.1f} % of {hours} forecast hours")
    print(
        f"  one recompute (4 series, 2 branches, {args.weeks} weeks read, 14 days written): "
        f"median {statistics.median(durations):.0f} ms, max {max(durations):.0f} ms"
    )
    wins = model_mape < naive_mape
    print(f"  model beats the naive baseline: {'yes' if wins else 'NO'}")
    return 0 if wins or not args.check else 1


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with throwaway_environment("smartqueue_forecast") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
