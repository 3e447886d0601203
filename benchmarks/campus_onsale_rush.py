"""Campus on-sale rush: 2,000 buyers for a 500-seat event from 50 concurrent clients,
over real HTTP, each paying with the sandbox provider.

    python -m benchmarks.campus_onsale_rush [--buyers 2000] [--seats 500] [--clients 50]
                                            [--workers 2] [--task-workers 4]
                                            [--abandon 0.15]

Starts the real server (``manage.py serve --workers N`` on 127.0.0.1) and one task
worker (``manage.py run_huey``: the sandbox's webhook, the payments' fulfilment and the
notifications run there, as at scale) on a throwaway database (see ``benchmarks``):
SQLite by default, PostgreSQL with ``DATABASE_URL``. Throttles are out of the way (their
environment variables); buyers get JWTs minted directly (with a real session row).

**Rush.** One university, one published event of ``--seats`` seats (its capacity and
its one paid ticket type's quota). ``--clients`` threads, each on its own keep-alive
connection, share the ``--buyers`` buyers. A buyer: ``POST /api/v1/campus/orders/``
(one seat); on 201 — unless they are one of the ``--abandon`` share who walk away —
``POST /api/v1/payments/`` (sandbox), then the sandbox's hosted page as a browser does
(``GET`` for its CSRF token, ``POST`` "succeeded"). A 409 ``sold_out`` ends a buyer.

**Holds lapse.** Once the fulfilment queue has drained, the abandoned carts' holds are
moved into the past (ten minutes passing) and the platform's expiry job
(``core.holds_expire``) runs: every abandoned seat must come back. **Second wave**: the
buyers who got ``sold_out`` try again, in order, until the event is sold out again.

The rules (exit 1 when broken): no 5xx; every answer 201, or 409 ``sold_out`` to an
order; exactly ``--seats`` valid tickets and paid seats at the end, the counters equal
(event ``taken`` = ``sold_count`` = tickets); the expiry job released exactly the
abandoned holds.

Figures: **tickets per minute** of the rush — tickets issued during the first wave over
the time from its first request until its last ticket was issued (fulfilment included)
— against a baseline measured in the same run with the same threads: ``GET
/health/live/`` requests per minute. Goal (issue 17): ≥ 3,000 tickets a minute (pretix
documents 300–400). A ticket here is four HTTP requests plus two background tasks.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

from . import TaskWorker, booking_concurrency, percentile, throwaway_environment
from .booking_concurrency import Server
from .smartqueue_people import run_threads, shared_jobs, users_with_tokens

booking_concurrency.READY_TIMEOUT = 300.0
TARGET_PER_MINUTE = 3000
UNLIMITED = "100000000/min"
DRAIN_TIMEOUT = 600.0
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.campus_onsale_rush", description=__doc__
    )
    parser.add_argument("--buyers", type=int, default=2000)
    parser.add_argument("--seats", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--task-workers", type=int, default=4, help="run_huey threads")
    parser.add_argument("--abandon", type=float, default=0.15, help="share of carts left")
    args = parser.parse_args(argv)
    if not 10 <= args.seats <= args.buyers <= 50_000 or not 1 <= args.clients <= 200:
        parser.error("10 <= seats <= buyers <= 50000, 1 <= clients <= 200")
    if not 0 <= args.abandon < 1:
        parser.error("0 <= abandon < 1")
    return args


def build_world(seats: int):
    from django.utils import timezone

    from teranga.platform.organizations.models import Organization, VerificationStatus
    from teranga.products.campus.models import Event, TicketType

    university = Organization.objects.create(
        kind="university",
        name="Université Benchmark",
        slug="universite-benchmark",
        time_zone="Africa/Dakar",
        country="SN",
        verification_status=VerificationStatus.VERIFIED,
        verified_at=timezone.now(),
    )
    starts = timezone.now() + timedelta(days=7)
    event = Event.objects.create(
        organization=university,
        university=university,
        title="Concert de rentrée",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        capacity=seats,
        status="published",
        published_at=timezone.now(),
    )
    ticket_type = TicketType.objects.create(
        event=event,
        organization=university,
        name="Étudiant",
        kind="paid",
        price=2000,
        currency="XOF",
        quota=seats,
    )
    return event, ticket_type


class Tally:
    """Answers by (step, status, code), latencies per step, thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers: dict = {}
        self.ms: dict = {}
        self.sold_out: list = []
        self.abandoned: list = []

    def record(self, step: str, response, started: float) -> dict:
        ms = (time.perf_counter() - started) * 1000
        body = {}
        if response.headers.get("content-type", "").startswith("application/json"):
            body = response.json()
        code = (body.get("error") or {}).get("code") if isinstance(body, dict) else None
        with self.lock:
            key = (step, response.status_code, code)
            self.answers[key] = self.answers.get(key, 0) + 1
            self.ms.setdefault(step, []).append(ms)
        return body


def buy(http, person, ticket_type, event, tally: Tally, abandon: bool) -> None:
    user, token = person
    auth = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    response = http.post(
        "/api/v1/campus/orders/",
        json={
            "event": str(event.pk),
            "lines": [{"ticket_type": str(ticket_type.pk), "quantity": 1}],
        },
        headers=auth,
    )
    body = tally.record("order", response, started)
    if response.status_code != 201:
        if response.status_code == 409:
            with tally.lock:
                tally.sold_out.append(person)
        return
    if abandon:
        with tally.lock:
            tally.abandoned.append(body["id"])
        return
    started = time.perf_counter()
    response = http.post(
        "/api/v1/payments/",
        json={"target_type": "campus.order", "target_id": body["id"], "provider": "sandbox"},
        headers={**auth, "Idempotency-Key": f"rush-{uuid.uuid4().hex}"},
    )
    payment = tally.record("payment", response, started)
    if response.status_code != 201:
        return
    page = f"/pay/sandbox/{payment['id']}/"
    started = time.perf_counter()
    response = http.get(page)
    tally.record("sandbox page", response, started)
    found = CSRF.search(response.text)
    if found is None:
        return
    started = time.perf_counter()
    response = http.post(
        page,
        data={"outcome": "succeeded", "csrfmiddlewaretoken": found.group(1)},
        headers={"Referer": f"{http.base_url}{page}"},
    )
    tally.record("sandbox pay", response, started)
    http.cookies.clear()


def wave(base, clients, people, ticket_type, event, tally, abandon_every: int) -> float:
    import httpx

    take = shared_jobs(list(enumerate(people)))

    def loop(_index, http) -> None:
        while (job := take()) is not None:
            number, person = job
            abandon = abandon_every > 0 and number % abandon_every == abandon_every - 1
            try:
                buy(http, person, ticket_type, event, tally, abandon)
            except httpx.HTTPError as error:  # no answer at all: counted, not fatal
                with tally.lock:
                    key = ("no answer", 0, type(error).__name__)
                    tally.answers[key] = tally.answers.get(key, 0) + 1

    return run_threads(base, clients, loop)


def health(base, clients, count) -> tuple[float, list]:
    take = shared_jobs(list(range(count)))
    latencies: list = []

    def loop(_index, http) -> None:
        while take() is not None:
            started = time.perf_counter()
            response = http.get("/health/live/")
            latencies.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code

    return run_threads(base, clients, loop), latencies


def drain(expected_paid: int, started: float) -> float:
    """Wait until ``expected_paid`` orders are paid (their fulfilment done); returns the
    moment the last one was (``perf_counter`` scale), measured from the database."""
    from django.db.models import Max

    from teranga.platform.payments.models import Fulfilment, Payment
    from teranga.products.campus.models import Order, Ticket

    deadline = time.monotonic() + DRAIN_TIMEOUT
    patience = time.monotonic() + 20
    while time.monotonic() < deadline:
        open_payments = Payment.objects.filter(
            target_type="campus.order", status__in=("pending", "processing", "created")
        ).count()
        paid = Order.objects.filter(status="paid").count()
        busy = Fulfilment.objects.filter(status="pending").exists()
        if (
            not open_payments
            and not busy
            and (paid >= expected_paid or time.monotonic() > patience)
        ):
            break
        time.sleep(0.5)
    last = Ticket.objects.aggregate(last=Max("created_at"))["last"]
    return last


def run(args, environment) -> int:
    import django

    os.environ.update(
        {
            "JWT_ACCESS_TOKEN_LIFETIME": "7200",
            "EMBEDDED_WORKER": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            "THROTTLE_USER": UNLIMITED,
            "THROTTLE_ANON": UNLIMITED,
            "THROTTLE_PAYMENTS": UNLIMITED,
            "THROTTLE_CAMPUS_ORDERS": UNLIMITED,
            "PAYMENTS_SANDBOX_ENABLED": "1",
        }
    )
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from teranga.core.holds import holds_expire
    from teranga.products.campus.models import Order, Ticket, TicketType

    print(f"Campus on-sale rush — {environment.description}")
    print(
        f"  {args.buyers} buyers, {args.seats} seats, {args.clients} clients, "
        f"{args.abandon:.0%} abandon; server: manage.py serve --workers {args.workers}, "
        f"task worker: run_huey -w {args.task_workers}; machine: {os.cpu_count()} CPU(s)"
    )
    setup = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    event, ticket_type = build_world(args.seats)
    people = users_with_tokens(args.buyers, "buyer")
    print(f"  setup (migrate, {args.buyers} users and tokens): {time.perf_counter() - setup:.1f} s")

    env = dict(os.environ)
    data_dir = Path(environment.variables["DATA_DIR"])
    server = Server(env, args.workers, data_dir / "server.log")
    worker = TaskWorker({**env, "TASK_WORKERS": str(args.task_workers)}, data_dir / "worker.log")
    abandon_every = round(1 / args.abandon) if args.abandon else 0
    tally = Tally()
    try:
        server.wait_ready()
        worker.check_alive()
        # Warm-up: every worker has imported everything before the clock starts.
        health(server.base, args.clients, args.clients * 4)
        base_seconds, base_ms = health(server.base, args.clients, args.buyers)
        base_per_minute = args.buyers / base_seconds * 60

        started_wall = timezone.now()
        started = time.perf_counter()
        rush_seconds = wave(
            server.base, args.clients, people, ticket_type, event, tally, abandon_every
        )
        paid_first = args.seats - len(tally.abandoned)
        last_ticket = drain(paid_first, started)
        worker.check_alive()
        first_tickets = Ticket.objects.count()
        sold_seconds = (last_ticket - started_wall).total_seconds() if last_ticket else rush_seconds
        per_minute = first_tickets / sold_seconds * 60 if sold_seconds > 0 else 0.0

        # Ten minutes pass: the abandoned carts' holds lapse; the platform's job expires them.
        Order.objects.filter(status="pending").update(
            hold_expires_at=timezone.now() - timedelta(seconds=1)
        )
        holds_expire(kinds=["campus.order"])
        # The worker's scheduler may run the same job at the same moment: count the rows.
        released = Order.objects.filter(status="expired").count()
        unpaid_first = Order.objects.exclude(status="paid").count()
        event.refresh_from_db()
        taken_after_expiry = event.taken

        # Second wave: those who found it sold out try again.
        retry = list(tally.sold_out)
        tally.sold_out.clear()
        second_abandoned_before = len(tally.abandoned)
        wave(server.base, args.clients, retry, ticket_type, event, tally, 0)
        drain(args.seats, started)
    finally:
        worker.stop()
        server.stop()

    event.refresh_from_db()
    ticket_type = TicketType.objects.get(pk=ticket_type.pk)
    tickets = Ticket.objects.filter(status="valid").count()
    print(f"  {'step':<14} {'status':>6} {'code':<14} {'count':>6}")
    for (step, status, code), count in sorted(tally.answers.items(), key=str):
        print(f"  {step:<14} {status:>6} {code or '':<14} {count:>6}")
    for step, values in tally.ms.items():
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        print(f"  {step:<14} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms")
    print(
        f"  baseline GET /health/live/: {base_per_minute:,.0f} requests/min "
        f"(p50 {percentile(base_ms, 0.5):.1f} ms, p99 {percentile(base_ms, 0.99):.1f} ms)"
    )
    print(
        f"  rush: {first_tickets} tickets in {sold_seconds:.1f} s "
        f"(answers in {rush_seconds:.1f} s) "
        f"= {per_minute:,.0f} tickets/min; ratio to the baseline's requests/min: "
        f"{per_minute / base_per_minute:.3f}; goal >= {TARGET_PER_MINUTE}/min: "
        f"{'met' if per_minute >= TARGET_PER_MINUTE else 'NOT met'}"
    )
    print(
        f"  holds: {second_abandoned_before} carts abandoned, {released} expired by the job "
        f"(of {unpaid_first} unpaid), "
        f"seats taken after expiry {taken_after_expiry}; final: {tickets} valid tickets, event "
        f"taken {event.taken}, sold {event.sold_count}, type taken {ticket_type.taken} "
        f"sold {ticket_type.sold}"
    )

    problems = []
    server_errors = sum(n for (_s, status, _c), n in tally.answers.items() if status >= 500)
    if server_errors:
        problems.append(f"{server_errors} answers 5xx")
    unexpected = {
        key: n
        for key, n in tally.answers.items()
        if not (key[1] in (200, 201) or key == ("order", 409, "sold_out"))
    }
    if unexpected:
        problems.append(f"unexpected answers {unexpected}")
    if tickets != args.seats:
        problems.append(f"{tickets} tickets sold, not {args.seats}")
    if not (event.taken == event.sold_count == ticket_type.sold == ticket_type.taken == tickets):
        problems.append("counters disagree with the tickets")
    if released != unpaid_first or released < second_abandoned_before:
        problems.append(
            f"{released} holds expired, {unpaid_first} unpaid, {second_abandoned_before} abandoned"
        )
    if taken_after_expiry != first_tickets:
        problems.append(f"after expiry {taken_after_expiry} seats taken, {first_tickets} sold")
    if problems:
        print("  BROKEN: " + "; ".join(problems))
        log = data_dir / "server.log"
        print(log.read_text(errors="replace")[-2000:] if log.exists() else "")
        return 1
    print(f"  OK: exactly {args.seats} sold, no 5xx, lapsed holds released and sold again")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("campus_rush") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
