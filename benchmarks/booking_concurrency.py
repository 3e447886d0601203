"""Concurrency: many clients book the same last slot at once, through real HTTP.

    python -m benchmarks.booking_concurrency [--rounds 20] [--clients 50] [--workers 4]

Starts the real server (``manage.py serve``, uvicorn, on 127.0.0.1 and a free port)
against a throwaway database (see ``benchmarks``), creates ``--clients`` users and logs
them in through allauth's app API (in this process, against the same database: sessions
live in the database and JWTs are signed with the SECRET_KEY both processes share).

Each round creates a new service with exactly one free slot; ``--clients`` threads, each
with its own HTTP connection, wait at a barrier and then all POST
``/api/v1/booking/reservations/`` for that slot. The rule: exactly one 201, every other
answer a 409 with ``error.code == "slot_full"``, no 5xx, and no two occupying bookings
overlapping in the database (per resource, per client). Prints per-round and total
figures; exits 1 if any round breaks the rule.

``--workers`` > 1 runs several server processes (so requests really race in the
database); the embedded task worker is then off, which this benchmark does not need.
The server gets ``THROTTLE_RESERVATIONS`` and ``THROTTLE_USER`` high enough not to trip.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from . import ROOT, percentile, throwaway_environment

PASSWORD = "Teranga-Bench-2026!"
AUTH_LOGIN = "/_allauth/app/v1/auth/login"
RESERVATIONS = "/api/v1/booking/reservations/"
#: The baseline: an authenticated read of the caller's own profile, raced the same way.
BASELINE = "/api/v1/me/"
READY_TIMEOUT = 90.0
REQUEST_TIMEOUT = 60.0
BARRIER_TIMEOUT = 60.0
TIME_ZONE = "Africa/Dakar"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.booking_concurrency", description=__doc__
    )
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4, help="server processes")
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= 200 or not 2 <= args.clients <= 500 or not 1 <= args.workers <= 16:
        parser.error("1 <= rounds <= 200, 2 <= clients <= 500, 1 <= workers <= 16")
    return args


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``manage.py serve`` in a subprocess, on 127.0.0.1 only."""

    def __init__(self, env: dict, workers: int, log_path: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115 — closed in stop()
        command = [sys.executable, "manage.py", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(workers)]
        self.process = subprocess.Popen(  # noqa: S603 — our own fixed command
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def output(self, chars: int = 4000) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def wait_ready(self) -> None:
        import httpx

        deadline = time.monotonic() + READY_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"The server exited ({self.process.returncode}):\n{self.output()}")
            try:
                last = httpx.get(f"{self.base}/health/ready/", timeout=5)
                if last.status_code == 200:
                    return
            except httpx.HTTPError as error:
                last = error
            time.sleep(0.25)
        raise SystemExit(f"The server was not ready in {READY_TIMEOUT:.0f} s ({last!r}).")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def setup_people(count: int):
    """The business (verified, open on public holidays) and ``count`` logged-in clients:
    returns (organization, [(user, access_token)])."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from teranga.platform.organizations.models import Organization, VerificationStatus

    organization = Organization.objects.create(
        kind="business",
        name="Salon Concurrence",
        slug="salon-concurrence",
        time_zone=TIME_ZONE,
        country="SN",
        verification_status=VerificationStatus.VERIFIED,
        verified_at=timezone.now(),
        holidays_opt_out=True,
    )
    people = []
    # Fast hashing for throwaway users; the server only checks the tokens.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        browser = Client()
        for n in range(count):
            user = get_user_model().objects.create_user(
                email=f"client{n}@bench.example", password=PASSWORD
            )
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
            cache.clear()  # allauth's per-IP login rate limit counts in this process only
            response = browser.post(
                AUTH_LOGIN,
                {"email": user.email, "password": PASSWORD},
                content_type="application/json",
            )
            if response.status_code != 200:
                raise SystemExit(f"Login failed ({response.status_code}): {response.content!r}")
            people.append((user, response.json()["meta"]["access_token"]))
    return organization, people


def one_slot_service(organization, index: int, day):
    """A new service whose resource has exactly one slot: ``day`` 10:00–11:00 local."""
    from teranga.platform.scheduling.models import AvailabilityRule, Resource
    from teranga.products.booking.models import Service, ServiceCategory

    resource = Resource.objects.create(organization=organization, name=f"Poste {index}")
    AvailabilityRule.objects.create(
        organization=organization,
        resource=resource,
        weekday=day.weekday(),
        starts_at=clock(10),
        ends_at=clock(11),
        valid_from=day,
        valid_until=day,
    )
    return Service.objects.create(
        organization=organization,
        resource=resource,
        name=f"Dernier créneau {index}",
        category=ServiceCategory.objects.order_by("position").first(),
        price_amount=5000,
        currency="XOF",
        duration_minutes=60,
        min_notice_minutes=60,
        max_advance_days=90,
    )


def race(clients, payload: dict | None) -> list[dict]:
    """Every client POSTs ``payload`` at once (or, with None, GETs the baseline
    ``/api/v1/me/``); returns one result per client."""
    import httpx

    barrier = threading.Barrier(len(clients), timeout=BARRIER_TIMEOUT)
    results: list[dict] = [{} for _ in clients]

    def run(index: int, http: httpx.Client) -> None:
        result = results[index]
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            result.update(status=None, code="barrier_broken", ms=0.0)
            return
        started = time.perf_counter()
        try:
            if payload is None:
                response = http.get(BASELINE)
            else:
                response = http.post(RESERVATIONS, json=payload)
            result["ms"] = (time.perf_counter() - started) * 1000
            result["status"] = response.status_code
            try:
                body = response.json()
            except ValueError:
                body = {}
            result["code"] = (body.get("error") or {}).get("code") if response.is_error else None
        except httpx.HTTPError as error:
            result.update(
                status=None, code=type(error).__name__, ms=(time.perf_counter() - started) * 1000
            )

    threads = [
        threading.Thread(target=run, args=(i, http), daemon=True) for i, http in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BARRIER_TIMEOUT + REQUEST_TIMEOUT + 10)
    for index, thread in enumerate(threads):
        if thread.is_alive():
            results[index].update(status=None, code="thread_hung", ms=0.0)
    return results


def overlaps(rows, key: str) -> list[tuple]:
    """Pairs of rows with the same ``key`` whose [start, end) intersect."""
    found = []
    by_key: dict = {}
    for row in rows:
        if row[key] is not None:
            by_key.setdefault(row[key], []).append(row)
    for items in by_key.values():
        items.sort(key=lambda r: r["start"])
        for a, b in zip(items, items[1:], strict=False):
            if b["start"] < a["end"]:
                found.append((a["pk"], b["pk"]))
    return found


def database_check(now) -> tuple[int, list, list]:
    """(occupying bookings, overlaps per resource, overlaps per client)."""
    from teranga.platform.scheduling.availability import occupying_q
    from teranga.platform.scheduling.models import Booking

    occupying = Booking.objects.filter(occupying_q(now))
    by_resource = [
        {"pk": b.pk, "start": b.occupied_from, "end": b.occupied_until, "resource": b.resource_id}
        for b in occupying
    ]
    by_client = [
        {"pk": b.pk, "start": b.starts_at, "end": b.ends_at, "client": b.client_id}
        for b in occupying
    ]
    return len(by_resource), overlaps(by_resource, "resource"), overlaps(by_client, "client")


def run(args, environment) -> int:
    import django

    extra = {
        "JWT_ACCESS_TOKEN_LIFETIME": "7200",
        "THROTTLE_RESERVATIONS": "1000000/min",
        "THROTTLE_USER": "1000000/min",
        "EMBEDDED_WORKER": "0" if args.workers > 1 else "1",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(extra)
    django.setup()
    import httpx
    from django.core.management import call_command
    from django.utils import timezone

    from teranga.platform.scheduling.availability import free_slots
    from teranga.products.booking.models import Reservation

    print(f"Booking concurrency benchmark — {environment.description}")
    print(
        f"  {args.rounds} rounds × {args.clients} clients; server: manage.py serve "
        f"--workers {args.workers}; machine: {os.cpu_count()} CPU(s)"
    )
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    organization, people = setup_people(args.clients)
    print(
        f"  setup (migrate, {args.clients} users logged in): {time.perf_counter() - started:.1f} s"
    )

    data_dir = Path(environment.variables["DATA_DIR"])
    server = Server(dict(os.environ), args.workers, data_dir / "server.log")
    http_clients = []
    broken: list[str] = []
    statuses: Counter = Counter()
    codes: Counter = Counter()
    latencies: list[float] = []
    baseline_latencies: list[float] = []
    baseline_failures = 0
    successes = 0
    try:
        server.wait_ready()
        for _, token in people:
            http = httpx.Client(
                base_url=server.base,
                headers={"Authorization": f"Bearer {token}"},
                timeout=REQUEST_TIMEOUT,
            )
            http.get("/health/live/")  # open the connection before the race
            http_clients.append(http)

        tz = ZoneInfo(TIME_ZONE)
        first_day = timezone.localdate(timezone=tz) + timedelta(days=2)
        print(
            f"  {'round':>5} {'201':>4} {'409 slot_full':>14} {'other':>6} "
            f"{'p50 ms':>8} {'p99 ms':>8} {'round s':>8} {'base p50':>9}"
        )
        run_started = time.perf_counter()
        for index in range(args.rounds):
            day = first_day + timedelta(days=index)
            service = one_slot_service(organization, index, day)
            starts_at = datetime.combine(day, clock(10), tzinfo=tz)
            offered = free_slots(
                service.resource,
                service.slot_policy(),
                offering=service.offering_key,
                range_from=starts_at - timedelta(days=1),
                range_to=starts_at + timedelta(days=1),
            )
            if [s.starts_at for s in offered] != [starts_at]:
                raise SystemExit(f"Round {index + 1}: the service does not have one slot.")
            payload = {"service": str(service.pk), "starts_at": starts_at.isoformat()}
            round_started = time.perf_counter()
            results = race(http_clients, payload)
            round_seconds = time.perf_counter() - round_started
            baseline = race(http_clients, None)
            baseline_ms = [r["ms"] for r in baseline if r.get("status") == 200]
            baseline_latencies.extend(baseline_ms)
            baseline_failures += sum(1 for r in baseline if r.get("status") != 200)

            created = sum(1 for r in results if r["status"] == 201)
            full = sum(1 for r in results if r["status"] == 409 and r["code"] == "slot_full")
            other = len(results) - created - full
            round_ms = [r["ms"] for r in results if r.get("ms")]
            latencies.extend(round_ms)
            successes += created
            for r in results:
                statuses[r["status"]] += 1
                if r["status"] != 201:
                    codes[f"{r['status']} {r['code']}"] += 1
            booked = Reservation.objects.filter(service=service).count()
            problems = []
            if created != 1:
                problems.append(f"{created} successes")
            if other:
                problems.append(f"{other} answers other than 409 slot_full")
            if any((r["status"] or 0) >= 500 for r in results):
                problems.append("5xx")
            if booked != 1:
                problems.append(f"{booked} reservations in the database")
            print(
                f"  {index + 1:>5} {created:>4} {full:>14} {other:>6} "
                f"{percentile(round_ms, 0.5):8.1f} {percentile(round_ms, 0.99):8.1f} "
                f"{round_seconds:8.2f} {percentile(baseline_ms, 0.5):9.1f}"
                + (f"  BROKEN: {', '.join(problems)}" if problems else "")
            )
            if problems:
                broken.append(f"round {index + 1}: {', '.join(problems)}")
        total_seconds = time.perf_counter() - run_started
    finally:
        for http in http_clients:
            http.close()
        server.stop()

    occupying, resource_overlaps, client_overlaps = database_check(timezone.now())
    if resource_overlaps or client_overlaps:
        broken.append(
            f"overlaps in the database: {len(resource_overlaps)} per resource, "
            f"{len(client_overlaps)} per client"
        )
    requests = sum(statuses.values())
    server_errors = sum(n for s, n in statuses.items() if s is not None and s >= 500)
    print("  totals:")
    print(f"    requests {requests}, successes {successes} (expected {args.rounds})")
    print(
        "    failures by status and code: "
        + (", ".join(f"{k} × {v}" for k, v in sorted(codes.items())) or "none")
    )
    print(f"    5xx: {server_errors}")
    print(
        f"    latency over all requests: p50 {percentile(latencies, 0.5):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms"
    )
    base_p50, base_p99 = percentile(baseline_latencies, 0.5), percentile(baseline_latencies, 0.99)
    print(
        f"    baseline, {args.clients} clients racing GET {BASELINE} after each round: "
        f"p50 {base_p50:.1f} ms, p99 {base_p99:.1f} ms ({baseline_failures} not 200)"
    )
    print(
        f"    ratio booking / baseline: p50 {percentile(latencies, 0.5) / base_p50:.2f}×, "
        f"p99 {percentile(latencies, 0.99) / base_p99:.2f}×"
    )
    print(
        f"    {total_seconds:.1f} s for {args.rounds} rounds, baseline races included "
        f"({2 * requests / total_seconds:.0f} requests/s)"
    )
    print(
        f"    database: {occupying} occupying bookings, overlaps per resource "
        f"{len(resource_overlaps)}, per client {len(client_overlaps)}"
    )
    if broken:
        print("  RULE BROKEN:\n    " + "\n    ".join(broken))
        print("  server log (tail):\n" + server.output())
        return 1
    print("  rule held in every round: one 201, every other answer 409 slot_full, no 5xx")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("concurrency") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
