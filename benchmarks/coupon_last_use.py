"""The last coupon use: many clients redeem a coupon with one use left, at the same time.

    python -m benchmarks.coupon_last_use [--clients 100] [--rounds 5]

Works on a throwaway database (see ``benchmarks``): SQLite by default, PostgreSQL with
``DATABASE_URL``. Each round creates a coupon with ``max_uses`` 10 and 9 uses already
counted; ``--clients`` threads, each with its own database connection, wait at a barrier
and then all redeem it the way ``payment_initiate`` does, in one transaction:
``coupons_hold`` (locks the coupon row), a ``Payment`` row with the discounted amount,
``coupons_record`` (held redemption, use counted).

The rule, checked from the database after every round: exactly one success, every other
client refused with ``coupon_exhausted``, nothing else; the coupon's ``uses_count`` is 10
(never 11: the constraint ``pay_coupon_uses_within_max`` would refuse it) and it has
exactly one redemption, whose payment exists.

The baseline, raced the same way right after: the same clients redeem an *unlimited*
coupon (every one succeeds, each taking the same row lock). The report gives both, and
their ratio. On PostgreSQL the number of simultaneous connections is kept under the
server's ``max_connections`` (the clients still race; the extra ones wait for a
connection, as behind a server's pool).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta

from . import percentile, throwaway_environment

BARRIER_TIMEOUT = 60.0
JOIN_TIMEOUT = 300.0
PRICE = 10000  # XOF
CONNECTION_MARGIN = 10  # left free for the benchmark itself and other clients


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.coupon_last_use", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if not 2 <= args.clients <= 500 or not 1 <= args.rounds <= 100:
        parser.error("2 <= clients <= 500, 1 <= rounds <= 100")
    return args


def connection_limit(clients: int) -> int:
    """How many threads may hold a database connection at once."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return clients
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        maximum = int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM pg_stat_activity")
        used = int(cursor.fetchone()[0])
    return max(2, min(clients, maximum - used - CONNECTION_MARGIN))


def setup(clients: int):
    """The organisation, a quote of one of its items, and ``clients`` payers."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from teranga.platform.organizations.models import Organization, VerificationStatus
    from teranga.platform.payments.payables import Quote, QuoteLine

    organization = Organization.objects.create(
        kind="business",
        name="Boutique Coupons",
        slug="boutique-coupons",
        country="SN",
        currency="XOF",
        verification_status=VerificationStatus.VERIFIED,
        verified_at=timezone.now(),
    )
    users = get_user_model().objects
    payers = [
        users.create_user(email=f"client{n}@bench.example", password=None)
        for n in range(clients)
    ]
    quote = Quote(
        organization=organization,
        currency="XOF",
        description="Article",
        lines=(QuoteLine(description="Article", unit_amount=PRICE),),
    )
    return organization, quote, payers


def redeem(quote, code: str, payer) -> str:
    """What ``payment_initiate`` does with coupon codes, in one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from teranga.platform.payments.models import Payment
    from teranga.platform.payments.services.coupons import coupons_hold, coupons_record

    with transaction.atomic():
        pricing = coupons_hold(quote=quote, codes=[code], payer=payer)
        payment = Payment.objects.create(
            organization=quote.organization,
            payer=payer,
            target_type="bench.article",
            target_id=str(uuid.uuid4()),
            description=quote.description,
            subtotal_amount=pricing.subtotal,
            discount_amount=pricing.discount,
            amount=pricing.total,
            currency=pricing.currency,
            provider="sandbox",
            expires_at=timezone.now() + timedelta(minutes=30),
        )
        coupons_record(payment=payment, pricing=pricing)
    return str(payment.pk)


def race(quote, code: str, payers, limit: int) -> tuple[list[dict], float]:
    """Every payer redeems ``code`` at once; returns one result per payer and the
    seconds from the barrier's release to the last commit."""
    from django.db import connection

    from teranga.core.errors import ApplicationError

    released: list[float] = []
    barrier = threading.Barrier(
        len(payers), timeout=BARRIER_TIMEOUT, action=lambda: released.append(time.perf_counter())
    )
    gate = threading.BoundedSemaphore(limit)
    results: list[dict] = [{} for _ in payers]
    finished: list[float] = [0.0 for _ in payers]

    def run(index: int, payer) -> None:
        result = results[index]
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            result.update(outcome="error", code="barrier_broken", ms=0.0)
            return
        try:
            with gate:
                try:
                    result["payment"] = redeem(quote, code, payer)
                    result.update(outcome="ok", code=None)
                except ApplicationError as error:
                    result.update(outcome="refused", code=error.code)
                except Exception as error:  # noqa: BLE001 — reported as a broken rule
                    result.update(outcome="error", code=repr(error)[:200])
                finally:
                    connection.close()
        finally:
            finished[index] = time.perf_counter()
            result["ms"] = (finished[index] - released[0]) * 1000 if released else 0.0

    threads = [
        threading.Thread(target=run, args=(i, payer), daemon=True)
        for i, payer in enumerate(payers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    for index, thread in enumerate(threads):
        if thread.is_alive():
            results[index].update(outcome="error", code="thread_hung", ms=0.0)
    seconds = (max(finished) - released[0]) if released else float("nan")
    return results, seconds


def check(coupon_id, expected_uses: int, expected_redemptions: int) -> list[str]:
    """What the database says about the coupon after a race."""
    from teranga.platform.payments.models import Coupon, CouponRedemption, Payment

    problems = []
    coupon = Coupon.objects.get(pk=coupon_id)
    redemptions = list(CouponRedemption.objects.filter(coupon=coupon))
    if coupon.uses_count != expected_uses:
        problems.append(f"uses_count {coupon.uses_count} (expected {expected_uses})")
    if len(redemptions) != expected_redemptions:
        problems.append(f"{len(redemptions)} redemptions (expected {expected_redemptions})")
    paid = Payment.objects.filter(pk__in=[r.payment_id for r in redemptions]).count()
    if paid != len(redemptions):
        problems.append(f"{len(redemptions) - paid} redemptions without their payment")
    if coupon.max_uses is not None and coupon.uses_count > coupon.max_uses:
        problems.append("uses_count above max_uses")
    return problems


def run(args, environment) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from teranga.platform.payments.models import Coupon

    print(f"Coupon last-use benchmark — {environment.description}")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    organization, quote, payers = setup(args.clients)
    limit = connection_limit(args.clients)
    print(
        f"  {args.rounds} rounds × {args.clients} clients (threads, one connection each, at "
        f"most {limit} at once); setup {time.perf_counter() - started:.1f} s"
    )
    print(
        f"  {'round':>5} {'ok':>4} {'exhausted':>10} {'other':>6} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'round s':>8} │ {'base ok':>7} {'base p50':>9} {'base s':>7}"
    )
    broken: list[str] = []
    codes: Counter = Counter()
    latencies: list[float] = []
    base_latencies: list[float] = []
    seconds_total = base_seconds_total = 0.0
    for index in range(args.rounds):
        scarce = Coupon.objects.create(
            organization=organization, code=f"LAST{index}", kind="percent", percent_off=10,
            max_uses=10, uses_count=9,
        )
        results, seconds = race(quote, scarce.code, payers, limit)
        unlimited = Coupon.objects.create(
            organization=organization, code=f"OPEN{index}", kind="percent", percent_off=10
        )
        base, base_seconds = race(quote, unlimited.code, payers, limit)

        ok = sum(1 for r in results if r["outcome"] == "ok")
        exhausted = sum(1 for r in results if r.get("code") == "coupon_exhausted")
        other = len(results) - ok - exhausted
        codes.update(r["code"] for r in results if r["outcome"] != "ok")
        base_ok = sum(1 for r in base if r["outcome"] == "ok")
        round_ms = [r["ms"] for r in results]
        base_ms = [r["ms"] for r in base]
        latencies += round_ms
        base_latencies += base_ms
        seconds_total += seconds
        base_seconds_total += base_seconds

        problems = []
        if ok != 1:
            problems.append(f"{ok} successes")
        if other:
            problems.append(f"{other} answers other than coupon_exhausted")
        problems += check(scarce.pk, expected_uses=10, expected_redemptions=1)
        if base_ok != len(payers):
            problems.append(f"baseline: {len(payers) - base_ok} failures")
        problems += [
            f"baseline: {p}"
            for p in check(unlimited.pk, expected_uses=len(payers),
                           expected_redemptions=len(payers))
        ]
        print(
            f"  {index + 1:>5} {ok:>4} {exhausted:>10} {other:>6} "
            f"{percentile(round_ms, 0.5):8.1f} {percentile(round_ms, 0.99):8.1f} "
            f"{seconds:8.2f} │ {base_ok:>7} {percentile(base_ms, 0.5):9.1f} {base_seconds:7.2f}"
            + (f"  BROKEN: {', '.join(problems)}" if problems else "")
        )
        if problems:
            broken.append(f"round {index + 1}: {', '.join(problems)}")

    requests = args.rounds * args.clients
    print("  totals:")
    print(f"    redemptions of the last use: {requests}; answers: "
          + ", ".join(f"{k} × {v}" for k, v in sorted(codes.items(), key=str)) + f", ok × "
          f"{args.rounds}")
    print(
        f"    last use: p50 {percentile(latencies, 0.5):.1f} ms, p99 "
        f"{percentile(latencies, 0.99):.1f} ms, {requests / seconds_total:.0f} redemptions/s"
    )
    print(
        f"    baseline (unlimited coupon, all succeed): p50 "
        f"{percentile(base_latencies, 0.5):.1f} ms, p99 {percentile(base_latencies, 0.99):.1f} "
        f"ms, {requests / base_seconds_total:.0f} redemptions/s"
    )
    print(
        f"    ratio last use / baseline: time {seconds_total / base_seconds_total:.2f}×, p50 "
        f"{percentile(latencies, 0.5) / percentile(base_latencies, 0.5):.2f}×"
    )
    if broken:
        print("  RULE BROKEN:\n    " + "\n    ".join(broken))
        return 1
    print("  rule held in every round: exactly one success, every other coupon_exhausted, "
          "uses_count never above max_uses")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("coupons") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
