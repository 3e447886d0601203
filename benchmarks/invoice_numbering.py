"""Invoice numbering under concurrency: many threads issue invoices for one seller at once.

    python -m benchmarks.invoice_numbering [--invoices 500] [--threads 20]

Works on a throwaway database (see ``benchmarks``): SQLite by default (WAL, IMMEDIATE
transactions), PostgreSQL with ``DATABASE_URL``. It creates two sellers with the academy
profile of seed 004 (numbers ``CT-YYYYMMDD-XXXX``) and their managers, then issues
``--invoices`` manual invoices (two lines, at 20 % and 5.5 %) through the real service,
``invoicing.services.invoice_issue`` — totals, the sequence row lock, the document and
its lines, in one transaction each:

* **baseline**: one thread issues them one after the other for the first seller;
* **concurrent**: ``--threads`` threads, each with its own database connection, wait at
  a barrier and then issue ``--invoices / --threads`` each for the second seller.

The rule, checked from the database for both sellers: exactly ``--invoices`` invoices,
sequences 1..N with no gap and no duplicate, N distinct numbers matching
``CT-YYYYMMDD-XXXX``, the sequence row at N, numbers in the order of issue times, and no
error. It prints the throughput of both runs, their ratio, and the latency of one issue
(median, p95, p99); exits 1 if the rule is broken.

PDF rendering is not part of issuing (it runs after commit, or on first download), so it
is turned off here (``INVOICING_RENDER_ON_ISSUE = False``) to measure numbering alone.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time
from decimal import Decimal

from . import summary, throwaway_environment

BARRIER_TIMEOUT = 60.0
JOIN_TIMEOUT = 900.0
NUMBER = re.compile(r"CT-\d{8}-\d{4,}")
LINES = [
    {
        "description": "Formation trading",
        "quantity": Decimal(1),
        "unit_price": 49900,
        "vat_rate": Decimal(20),
    },
    {
        "description": "Manuel",
        "quantity": Decimal(2),
        "unit_price": 1990,
        "vat_rate": Decimal("5.5"),
    },
]


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.invoice_numbering", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--threads", type=int, default=20)
    args = parser.parse_args(argv)
    if not 2 <= args.threads <= 100 or not args.threads <= args.invoices <= 100_000:
        parser.error("2 <= threads <= 100, threads <= invoices <= 100000")
    return args


def seller(name: str, slug: str):
    """A French academy with a saved invoicing profile, and one of its managers."""
    from django.contrib.auth import get_user_model

    from teranga.platform.invoicing.models import InvoicingProfile
    from teranga.platform.organizations.models import Membership, Organization, Role

    organization = Organization.objects.create(
        kind="academy",
        name=name,
        slug=slug,
        country="FR",
        currency="EUR",
        city="Paris",
        time_zone="Europe/Paris",
        siret="73282932000074",
        tva_number="FR44732829320",
    )
    profile = InvoicingProfile.defaults_for(organization)
    profile.legal_name = f"{name} SAS"
    profile.full_clean()
    profile.save()
    manager = get_user_model().objects.create_user(email=f"manager@{slug}.example", password=None)
    Membership.objects.create(organization=organization, user=manager, role=Role.MANAGER)
    return organization, manager


def issue_one(organization, manager, index: int) -> float:
    """Issue one invoice; returns its latency in milliseconds."""
    from teranga.platform.invoicing.services import invoice_issue

    started = time.perf_counter()
    invoice_issue(
        actor=manager,
        organization=organization,
        buyer={"name": f"Client {index}", "country": "FR"},
        lines=LINES,
    )
    return (time.perf_counter() - started) * 1000


def sequential(organization, manager, count: int) -> tuple[list[float], list[str], float]:
    latencies, errors = [], []
    started = time.perf_counter()
    for index in range(count):
        try:
            latencies.append(issue_one(organization, manager, index))
        except Exception as error:  # noqa: BLE001 — reported
            errors.append(repr(error))
    return latencies, errors, time.perf_counter() - started


def concurrent(organization, manager, count: int, threads: int):
    from django.db import connection

    barrier = threading.Barrier(threads, timeout=BARRIER_TIMEOUT)
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    shares = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]

    def run(thread_index: int) -> None:
        mine: list[float] = []
        try:
            barrier.wait()
            for n in range(shares[thread_index]):
                try:
                    mine.append(issue_one(organization, manager, thread_index * 100_000 + n))
                except Exception as error:  # noqa: BLE001 — reported
                    with lock:
                        errors.append(repr(error))
        except threading.BrokenBarrierError:
            with lock:
                errors.append("barrier broken")
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    workers = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=JOIN_TIMEOUT)
    seconds = time.perf_counter() - started
    if any(worker.is_alive() for worker in workers):
        errors.append("a thread hung")
    return latencies, errors, seconds


def check(organization, count: int) -> list[str]:
    """What breaks the rule for ``organization``'s invoices (empty when none)."""
    from teranga.platform.invoicing.models import Invoice, InvoiceSequence

    rows = list(
        Invoice.objects.filter(organization=organization)
        .order_by("sequence")
        .values_list("sequence", "number", "issued_at")
    )
    problems = []
    sequences = [row[0] for row in rows]
    if len(rows) != count:
        problems.append(f"{len(rows)} invoices instead of {count}")
    if sequences != list(range(1, len(rows) + 1)):
        missing = sorted(set(range(1, count + 1)) - set(sequences))
        duplicates = len(sequences) - len(set(sequences))
        problems.append(f"gaps {missing[:10]}… duplicates {duplicates}")
    numbers = [row[1] for row in rows]
    if len(set(numbers)) != len(numbers):
        problems.append("duplicate numbers")
    if not all(NUMBER.fullmatch(number) for number in numbers):
        problems.append("numbers not CT-YYYYMMDD-XXXX")
    issued = [row[2] for row in rows]
    if issued != sorted(issued):
        problems.append("numbers out of the order of issue")
    last = InvoiceSequence.objects.filter(organization=organization, series="invoice").first()
    if last is None or last.last_number != count:
        problems.append(f"sequence row at {last.last_number if last else None}")
    return problems


def report(label: str, latencies: list[float], seconds: float, count: int) -> float:
    rate = count / seconds if seconds else float("nan")
    figures = summary(latencies) if latencies else {"median": 0, "p95": 0, "p99": 0, "max": 0}
    print(
        f"  {label:<34} {seconds:7.2f} s {rate:9.1f} /s   per issue: median "
        f"{figures['median']:6.1f} ms, p95 {figures['p95']:6.1f}, p99 {figures['p99']:6.1f}, "
        f"max {figures['max']:7.1f}"
    )
    return rate


def run(args, environment) -> int:
    import django

    os.environ["LOG_LEVEL"] = "WARNING"
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.INVOICING_RENDER_ON_ISSUE = False  # numbering only: see the module docstring

    print(f"Invoice numbering benchmark — {environment.description}")
    print(
        f"  {args.invoices} invoices per run; concurrent run: {args.threads} threads; "
        f"machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}"
    )
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    baseline_seller, baseline_manager = seller("Académie Séquentielle", "academie-sequentielle")
    raced_seller, raced_manager = seller("Académie Concurrente", "academie-concurrente")
    print(f"  setup (migrate, two sellers): {time.perf_counter() - started:.1f} s")

    base_latencies, base_errors, base_seconds = sequential(
        baseline_seller, baseline_manager, args.invoices
    )
    race_latencies, race_errors, race_seconds = concurrent(
        raced_seller, raced_manager, args.invoices, args.threads
    )
    base_rate = report(
        "baseline: 1 thread, sequential", base_latencies, base_seconds, args.invoices
    )
    race_rate = report(
        f"concurrent: {args.threads} threads", race_latencies, race_seconds, args.invoices
    )
    print(f"  throughput ratio concurrent / sequential: {race_rate / base_rate:.2f}")

    broken = []
    for label, organization, errors in (
        ("baseline", baseline_seller, base_errors),
        ("concurrent", raced_seller, race_errors),
    ):
        problems = check(organization, args.invoices)
        if errors:
            problems.append(f"{len(errors)} errors, e.g. {errors[0]}")
        print(
            f"  {label}: numbers 1..{args.invoices}, no gap, no duplicate: "
            + ("yes" if not problems else "NO — " + "; ".join(problems))
        )
        broken.extend(f"{label}: {problem}" for problem in problems)
    from teranga.platform.invoicing.models import Invoice

    numbers = list(
        Invoice.objects.filter(organization=raced_seller)
        .order_by("sequence")
        .values_list("number", flat=True)
    )
    if numbers:
        print(f"  concurrent numbers: {numbers[0]} … {numbers[-1]}")
    if broken:
        print("RULE BROKEN:\n  " + "\n  ".join(broken))
        return 1
    return 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("invoices") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
