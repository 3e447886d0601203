"""What a request costs: the API's everyday reads against a bare DRF hello-JSON view.

    python -m benchmarks.api_overhead [--duration 4] [--rounds 3] [--connections 8] [--check]

Starts the real server (``manage.py serve``, one process) on a throwaway database (see
``benchmarks``) with ``benchmarks.api_overhead_settings``: the real settings and
middleware, throttles out of the way, plus ``GET /bench/hello/`` (the baseline, a bare
DRF view: no authentication, no database). The demo data is loaded, then topped up so
that each list has more than 20 items for its usual user:

* ``/health/live/`` and ``GET /api/v1/me/`` (a client);
* booking reservations (a client's own), notifications (a client's inbox), SmartQueue
  tickets (an agent, the bank's list), invoices (the salon's manager) and
  conversations (a client's), each as a 20-item page.

wrk (Debian's package: ``apt-get install wrk``; ``make bench`` installs it) drives one
path at a time for ``--duration`` seconds over ``--connections`` keep-alive connections.
Each endpoint runs ``--rounds`` times, each run between two runs of hello, and its ratio
is to the mean of those two: a machine whose load drifts during the benchmark skews no
ratio. Prints, for the median run of each endpoint, req/s, p50 and p99 and the ratio to
hello, and the database queries of one request (counted in this process through
Django's test client) at page sizes 1 and 20, which must be equal.

With ``DATABASE_URL`` (PostgreSQL) the database is a dedicated throwaway one; with
``REDIS_URL`` the server uses Redis (database ``--redis-db``, which must be empty) for
its cache and channel layer, as at scale.

Targets (issue "Performance"): health >= 0.8x hello, /me/ >= 0.4x, every list >= 0.25x.
Exits 1 when an answer is not 200, when a list's query count grows with the page size,
or (with ``--check``) when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from . import throwaway_environment
from .booking_concurrency import Server

#: Ratio to hello each kind of endpoint must reach.
TARGETS = {"health": 0.8, "me": 0.4, "list": 0.25}
PAGE = 20


@dataclass
class Endpoint:
    name: str
    path: str  # without the page size
    kind: str  # a key of TARGETS
    token: str = ""
    paged: bool = False
    figures: dict = field(default_factory=dict)
    ratio: float = 0.0
    queries: dict = field(default_factory=dict)

    def url(self, page_size: int | None = None) -> str:
        if not self.paged or page_size is None:
            return self.path
        glue = "&" if "?" in self.path else "?"
        return f"{self.path}{glue}page_size={page_size}"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api_overhead", description=__doc__)
    parser.add_argument("--duration", type=int, default=4, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each endpoint")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if not 2 <= args.duration <= 120 or not 1 <= args.connections <= 64:
        parser.error("2 <= duration <= 120, 1 <= connections <= 64")
    if not 1 <= args.rounds <= 15:
        parser.error("1 <= rounds <= 15")
    if args.redis_url:
        parsed = urlparse(args.redis_url)
        if parsed.scheme != "redis" or parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            parser.error("--redis-url must be redis://127.0.0.1:<port>[/db]")
        if not 1 <= args.redis_db <= 15:
            parser.error("1 <= redis-db <= 15 (never 0)")
        args.redis_url = urlunparse(parsed._replace(path=f"/{args.redis_db}"))
    return args


# --- The data ----------------------------------------------------------------------------


def _member(organization, *roles):
    from teranga.platform.organizations.models import Membership

    membership = (
        Membership.objects.filter(organization=organization, role__in=roles)
        .select_related("user")
        .order_by("user__email")
        .first()
    )
    if membership is None:
        raise SystemExit(f"The demo has no {roles} in {organization}.")
    return membership.user


def _token(user) -> str:
    """An access token with a real session row behind it, as after a login."""
    from .smartqueue_people import token_for

    return token_for(user)


def build_world() -> list[Endpoint]:
    """Load the demo, top each list up to more than a page, and name the endpoints."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from teranga.platform.invoicing.services.invoices import invoice_issue
    from teranga.platform.messaging.models import ConversationKind
    from teranga.platform.messaging.services.conversations import conversation_create
    from teranga.platform.messaging.services.messages import message_send
    from teranga.platform.notifications.services import notification_send
    from teranga.platform.organizations.models import Organization, Role
    from teranga.platform.scheduling.availability import free_slots
    from teranga.products.booking.models import Service
    from teranga.products.booking.services.reservations import reservation_create

    call_command("seed_demo", verbosity=0)
    User = get_user_model()
    client = User.objects.get(email="client1@teranga.demo")
    service = (
        Service.objects.select_related("resource", "organization")
        .filter(is_active=True, payment_mode="on_site", requires_confirmation=False)
        .order_by("duration_minutes")
        .first()
    )
    salon = service.organization
    now = timezone.now()
    slots = free_slots(
        service.resource,
        service.slot_policy(),
        offering=service.offering_key,
        range_from=now + timedelta(days=1),
        range_to=now + timedelta(days=30),
    )
    booked = 0
    used: set = set()
    for slot in slots:
        day = slot.starts_at.date()
        if day in used:
            continue  # one a day: a client books one slot at a time
        reservation_create(client=client, service_id=service.pk, starts_at=slot.starts_at)
        used.add(day)
        booked += 1
        if booked > PAGE:
            break
    for n in range(PAGE + 5):
        notification_send(
            recipient=client,
            kind="invoice.issued",
            context={
                "invoice_id": f"bench-{n}",
                "kind": "invoice",
                "number": f"B-{n:04d}",
                "organization": salon.name,
                "total": "10 000 F CFA",
                "credit_of": "",
            },
            link="",
            idempotency_key=f"bench:notification:{n}",
        )
    manager = _member(salon, Role.OWNER, Role.ADMIN, Role.MANAGER)
    for n in range(PAGE + 1):
        invoice_issue(
            actor=manager,
            organization=salon,
            buyer={"name": f"Client {n}", "country": salon.country},
            lines=[{"description": "Coupe", "quantity": 1, "unit_price": 5000 + n}],
        )
    friends = User.objects.bulk_create(
        [User(email=f"friend{n}@bench.example") for n in range(PAGE + 1)]
    )
    for n, friend in enumerate(friends):
        conversation, _created = conversation_create(
            creator=client, kind=ConversationKind.PRIVATE, user_id=friend.pk
        )
        message_send(
            sender=client, conversation_id=conversation.pk, body=f"Salut {n}", client_id=f"b{n}"
        )
    bank = Organization.objects.get(slug="banque-teranga")
    agent = _member(bank, Role.AGENT)
    client_token, manager_token, agent_token = _token(client), _token(manager), _token(agent)
    return [
        Endpoint("health", "/health/live/", "health"),
        Endpoint("me", "/api/v1/me/", "me", client_token),
        Endpoint("reservations", "/api/v1/booking/reservations/", "list", client_token, True),
        Endpoint("notifications", "/api/v1/notifications/", "list", client_token, True),
        Endpoint(
            "smartqueue tickets",
            f"/api/v1/smartqueue/tickets/?organization={bank.pk}",
            "list",
            agent_token,
            True,
        ),
        Endpoint(
            "invoices", f"/api/v1/invoices/?organization={salon.pk}", "list", manager_token, True
        ),
        Endpoint("conversations", "/api/v1/conversations/", "list", client_token, True),
    ]


# --- Measuring ----------------------------------------------------------------------------


def count_queries(endpoint: Endpoint) -> None:
    """The queries of one request at page sizes 1 and 20 (and that each page is full)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    http = Client(headers={"accept-language": "fr"})
    headers = {"authorization": f"Bearer {endpoint.token}"} if endpoint.token else {}
    sizes = (1, PAGE) if endpoint.paged else (None,)
    for size in sizes:
        http.get(endpoint.url(size), headers=headers)  # warm: caches, first-use imports
        with CaptureQueriesContext(connection) as captured:
            response = http.get(endpoint.url(size), headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{endpoint.name}: {response.status_code} {response.content[:300]!r}")
        if size is not None:
            body = response.json()
            items = body.get("results", body) if isinstance(body, dict) else body
            if len(items) != size:
                raise SystemExit(f"{endpoint.name}: {len(items)} items at page size {size}")
        endpoint.queries[size or PAGE] = len(captured.captured_queries)


LATENCY = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(base: str, path: str, token: str, duration: int, connections: int) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency"]
    command += ["--timeout", "30s"]  # a slow answer is measured, not dropped
    command += ["-H", "Accept-Language: fr"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(  # noqa: S603 — a fixed command on 127.0.0.1
        [*command, base + path], capture_output=True, text=True, timeout=duration + 60, check=True
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if bad or (errors and any(int(count) for count in errors.groups())):
        raise SystemExit(f"{path}: answers that were not 2xx, or socket errors:\n{output}")
    latency = {int(p): float(v) * UNIT_MS[u] for p, v, u in LATENCY.findall(output)}
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency[50],
        "p99": latency[99],
    }


def run(args, environment) -> int:
    import django

    os.environ.update(
        {"JWT_ACCESS_TOKEN_LIFETIME": "7200", "EMBEDDED_WORKER": "0", "PYTHONUNBUFFERED": "1"}
    )
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
    django.setup()
    import logging

    from django.core.management import call_command

    logging.disable(logging.INFO)  # this process's own request logs; the server keeps its
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    endpoints = build_world()
    for endpoint in endpoints:
        count_queries(endpoint)
    print(f"API overhead benchmark — {environment.description}")
    cache_kind = f"Redis {args.redis_url}" if args.redis_url else "local-memory cache"
    print(
        f"  server: manage.py serve (1 process), {cache_kind}; "
        f"wrk, {args.connections} connections, {args.duration} s each; "
        f"machine: {os.cpu_count()} CPU(s); setup {time.perf_counter() - started:.1f} s"
    )
    server_env = dict(os.environ)
    server_env["DJANGO_SETTINGS_MODULE"] = "benchmarks.api_overhead_settings"
    log_path = Path(environment.variables["DATA_DIR"]) / "server.log"
    server = Server(server_env, 1, log_path)
    try:
        server.wait_ready()

        def measure(path: str, token: str = "") -> dict:
            return wrk(server.base, path, token, args.duration, args.connections)

        for endpoint in [None, *endpoints]:  # warm every path up (imports, caches)
            path, token = (
                ("/bench/hello/", "")
                if endpoint is None
                else (
                    endpoint.url(PAGE),
                    endpoint.token,
                )
            )
            wrk(server.base, path, token, 1, args.connections)
        # Rounds of (hello, endpoint) pairs, then a last hello: each run of an endpoint
        # is compared with the hellos measured just before and just after it, so that
        # a machine whose load changes during the run skews no ratio.
        hellos: list[dict] = [measure("/bench/hello/")]
        runs: dict[str, list[tuple[dict, float]]] = {e.name: [] for e in endpoints}
        for _round in range(args.rounds):
            for endpoint in endpoints:
                figures = measure(endpoint.url(PAGE), endpoint.token)
                hellos.append(measure("/bench/hello/"))
                around = (hellos[-2]["rps"] + hellos[-1]["rps"]) / 2
                runs[endpoint.name].append((figures, figures["rps"] / around))
    finally:
        server.stop()
    for endpoint in endpoints:
        ordered = sorted(runs[endpoint.name], key=lambda run: run[1])
        endpoint.figures, endpoint.ratio = ordered[len(ordered) // 2]  # the median run
    hello = {key: statistics.median(h[key] for h in hellos) for key in ("rps", "p50", "p99")}
    print(
        f"\n  {'endpoint':<20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'× hello':>8} "
        f"{'target':>7} {'queries@1':>10} {'@20':>5}"
    )
    print(
        f"  {'hello (baseline)':<20} {hello['rps']:>8.1f} {hello['p50']:>8.1f} {hello['p99']:>8.1f}"
        f"{'1.00':>9} {'':>7} {0:>10} {'':>5}   (median of {len(hellos)} runs, "
        f"{min(h['rps'] for h in hellos):.0f}–{max(h['rps'] for h in hellos):.0f} req/s)"
    )
    failed = []
    for endpoint in endpoints:
        figures, ratio = endpoint.figures, endpoint.ratio
        target = TARGETS[endpoint.kind]
        met = ratio >= target
        queries_1 = endpoint.queries.get(1, endpoint.queries.get(PAGE))
        queries_20 = endpoint.queries.get(PAGE)
        print(
            f"  {endpoint.name:<20} {figures['rps']:>8.1f} {figures['p50']:>8.1f} "
            f"{figures['p99']:>8.1f} {ratio:>8.2f} {'≥' + format(target, '.2f'):>7} "
            f"{queries_1:>10} {queries_20 if endpoint.paged else '':>5}  "
            f"{'met' if met else 'MISSED'}"
        )
        if queries_1 != queries_20:
            failed.append(f"{endpoint.name}: {queries_1} queries at 1, {queries_20} at {PAGE}")
        if not met and args.check:
            failed.append(f"{endpoint.name}: {ratio:.2f}× hello < {target}")
    for line in failed:
        print(f"  FAILED {line}")
    return 1 if failed else 0


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench installs it).")
    with throwaway_environment("api_overhead") as environment:
        if args.redis_url:
            import redis

            connection = redis.Redis.from_url(args.redis_url, socket_timeout=5)
            if connection.dbsize():
                raise SystemExit(f"Redis {args.redis_url} is not empty: choose --redis-db.")
            try:
                return run(args, environment)
            finally:
                connection.flushdb()
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
