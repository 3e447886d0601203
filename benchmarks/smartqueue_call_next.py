"""Call-next: 10 agents at 10 counters call concurrently over HTTP until 2,000 tickets
on shared queues are served.

    python -m benchmarks.smartqueue_call_next [--tickets 2000] [--agents 10] [--workers 4]

Starts the real server (``manage.py serve --workers N``) on a throwaway database with
``benchmarks.smartqueue_settings``. A branch has two queues (normal ``A`` and priority
``P``, a third of the tickets) and ``--agents`` counters serving both — strategies FIFO,
strict priority and weighted 2:1 in turn — each with an agent's session open. Each agent
thread loops ``POST …/call-next/``, ``…/start/``, ``…/finish/`` until nobody waits.

The rule: every ticket served, each called exactly once (one ``call`` event per
ticket), none skipped, no 5xx. Prints calls per second and p50/p99 of call-next; the
baseline is the same agents' ``GET …/state/`` (an authenticated read of the counter),
measured in the same run. Exits 1 if the rule is broken.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections import Counter as Tally
from pathlib import Path

from . import booking_concurrency, percentile, throwaway_environment
from .booking_concurrency import Server
from .smartqueue_people import bank_with_service, run_threads, users_with_tokens

#: Several workers importing the whole project on a loaded machine can take a while.
booking_concurrency.READY_TIMEOUT = 300.0

#: What call-next must reach against the state read (issue 16).
TARGET_P50 = 1.5
#: A call answering ``called: null`` while tickets are still waiting (all heads being
#: called elsewhere) is retried; this many in a row end the agent's loop.
EMPTY_RETRIES = 50


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.smartqueue_call_next", description=__doc__
    )
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4, help="server processes")
    args = parser.parse_args(argv)
    if not 10 <= args.tickets <= 50000 or not 1 <= args.agents <= 100:
        parser.error("10 <= tickets <= 50000, 1 <= agents <= 100")
    return args


def run(args, environment) -> int:
    import django

    os.environ.update(
        {
            "JWT_ACCESS_TOKEN_LIFETIME": "7200",
            "EMBEDDED_WORKER": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from teranga.platform.organizations.models import Membership, Role
    from teranga.products.smartqueue.models import (
        AgentSession,
        Counter,
        Queue,
        QueueKind,
        Strategy,
        Ticket,
        TicketEvent,
        TicketStatus,
    )
    from teranga.products.smartqueue.services.tickets import ticket_issue

    print(f"SmartQueue call-next benchmark — {environment.description}")
    print(
        f"  {args.tickets} tickets, {args.agents} agents at {args.agents} counters serving "
        f"both queues; server: manage.py serve --workers {args.workers}; machine: "
        f"{os.cpu_count()} CPU(s)"
    )
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    organization, branch, service = bank_with_service()
    common = {"organization": organization, "branch": branch, "service": service}
    normal = Queue.objects.create(name="Guichet", prefix="A", is_open=True, **common)
    priority = Queue.objects.create(
        name="Prioritaire", prefix="P", kind=QueueKind.PRIORITY, is_open=True, **common
    )
    agents = users_with_tokens(args.agents, "agent")
    strategies = [Strategy.FIFO, Strategy.PRIORITY, Strategy.WEIGHTED]
    desks = []
    for index, (agent, token) in enumerate(agents):
        Membership.objects.create(organization=organization, user=agent, role=Role.AGENT)
        counter = Counter.objects.create(
            organization=organization,
            branch=branch,
            name=f"Guichet {index + 1}",
            strategy=strategies[index % 3],
            weights={"priority": 2, "normal": 1},
        )
        counter.queues.set([normal, priority])
        AgentSession.objects.create(
            organization=organization, counter=counter, agent=agent, started_at=timezone.now()
        )
        desks.append((counter, token))
    for n in range(args.tickets):
        ticket_issue(queue=priority if n % 3 == 0 else normal, channel="kiosk")
    print(
        f"  setup (migrate, {args.tickets} tickets issued): {time.perf_counter() - started:.1f} s"
    )

    server_env = dict(os.environ)
    server_env["DJANGO_SETTINGS_MODULE"] = "benchmarks.smartqueue_settings"
    server_env["SQ_BENCH_BASELINE_TICKET"] = ""
    server = Server(
        server_env, args.workers, Path(environment.variables["DATA_DIR"]) / "server.log"
    )
    lock = threading.Lock()
    call_ms: list[float] = []
    state_ms: list[float] = []
    called_ids: list[str] = []
    statuses: Tally = Tally()
    served = [0]

    def agent_loop(index: int, http) -> None:
        counter, token = desks[index]
        headers = {"Authorization": f"Bearer {token}"}
        base = f"/api/v1/smartqueue/counters/{counter.pk}"
        empty = 0
        while empty < EMPTY_RETRIES:
            began = time.perf_counter()
            response = http.post(f"{base}/call-next/", json={}, headers=headers)
            ms = (time.perf_counter() - began) * 1000
            with lock:
                statuses[("call-next", response.status_code)] += 1
            if response.status_code != 200:
                empty += 1
                continue
            called = response.json()["called"]
            if called is None:
                with lock:
                    done = served[0] >= args.tickets
                if done:
                    return
                empty += 1
                time.sleep(0.01)
                continue
            empty = 0
            with lock:
                call_ms.append(ms)
                called_ids.append(called["id"])
            for step in ("start", "finish"):
                answer = http.post(f"{base}/{step}/", json={}, headers=headers)
                with lock:
                    statuses[(step, answer.status_code)] += 1
            with lock:
                served[0] += 1

    def state_loop(index: int, http) -> None:
        counter, token = desks[index]
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(max(1, args.tickets // args.agents // 4)):
            began = time.perf_counter()
            response = http.get(f"/api/v1/smartqueue/counters/{counter.pk}/state/", headers=headers)
            if response.status_code == 200:
                with lock:
                    state_ms.append((time.perf_counter() - began) * 1000)

    try:
        server.wait_ready()
        run_threads(server.base, args.agents, state_loop)  # warm-up
        state_ms.clear()
        state_seconds = run_threads(server.base, args.agents, state_loop)
        seconds = run_threads(server.base, args.agents, agent_loop)
    finally:
        server.stop()

    events = Tally(TicketEvent.objects.filter(action="call").values_list("ticket_id", flat=True))
    served_count = Ticket.objects.filter(status=TicketStatus.SERVED).count()
    waiting = Ticket.objects.filter(status=TicketStatus.WAITING).count()
    problems = []
    if len(called_ids) != len(set(called_ids)):
        problems.append(f"{len(called_ids) - len(set(called_ids))} tickets called twice (HTTP)")
    if any(n != 1 for n in events.values()):
        problems.append(f"{sum(1 for n in events.values() if n != 1)} tickets with several calls")
    if served_count != args.tickets or len(events) != args.tickets or waiting:
        problems.append(f"served {served_count}, called {len(events)}, still waiting {waiting}")
    errors = {k: v for k, v in statuses.items() if k[1] != 200}
    if errors:
        problems.append(f"non-200 answers: {errors}")

    print(f"  {'':<24} {'count':>6} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    print(
        f"  {'call-next (2xx, called)':<24} {len(call_ms):>6} {len(call_ms) / seconds:>8.1f} "
        f"{percentile(call_ms, 0.5):>8.1f} {percentile(call_ms, 0.99):>8.1f}"
    )
    print(
        f"  {'baseline: GET state':<24} {len(state_ms):>6} {len(state_ms) / state_seconds:>8.1f} "
        f"{percentile(state_ms, 0.5):>8.1f} {percentile(state_ms, 0.99):>8.1f}"
    )
    ratio = percentile(call_ms, 0.5) / percentile(state_ms, 0.5)
    print(
        f"  whole cycle (call, start, finish): {args.tickets / seconds:.1f} tickets/s over "
        f"{seconds:.1f} s; call-next p50 {ratio:.2f}× the state read"
    )
    print(
        f"  target (issue 16): call-next p50 <= {TARGET_P50:.1f}x the state read: "
        f"{'met' if ratio <= TARGET_P50 else 'NOT met'}"
    )
    if problems:
        print("  BROKEN: " + "; ".join(problems))
        return 1
    print(f"  OK: {args.tickets} tickets served, each called exactly once, none skipped")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("sq_call") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
