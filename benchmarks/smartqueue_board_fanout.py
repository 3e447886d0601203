"""SmartQueue board fan-out: ``--clients`` display WebSockets on one branch's board
(``/ws/smartqueue/branches/{id}/display/``, anonymous) connected to the real server with
the channel layer on Redis; ``--rounds`` call-next requests over HTTP by an agent. The
figure: the time from sending the call-next request to the LAST client receiving the
``call`` event (p50, p99, max), beside a baseline measured in the same run on the same
sockets: a bare broadcast of the same group from this process (the channel layer fan-out
with no HTTP and no database work).

    python -m benchmarks.smartqueue_board_fanout [--clients 500] [--rounds 30]
                                                 [--workers 1]
                                                 [--redis-url redis://127.0.0.1:6379]
                                                 [--redis-db 13]

Use ``--clients 1000`` if memory allows. The server (``manage.py serve``, one worker
unless ``--workers``: the sockets then spread over the processes) runs against a
throwaway database (see ``benchmarks``); Redis database ``--redis-db`` must be empty
(checked) and is emptied at the end. Target: p99 < 1 s. Exits 1 when a client misses a
call or the target is not met.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from . import percentile, throwaway_environment
from .booking_concurrency import Server

PASSWORD = "Teranga-Bench-2026!"
CONNECT_CONCURRENCY = 50
CONNECT_TIMEOUT = 30.0
ROUND_TIMEOUT = 15.0
TARGET_P99_MS = 1000.0


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.smartqueue_board_fanout", description=__doc__
    )
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--redis-db", type=int, default=13)
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 2000 or not 1 <= args.rounds <= 1000:
        parser.error("1 <= clients <= 2000, 1 <= rounds <= 1000")
    if not 1 <= args.workers <= 8:
        parser.error("1 <= workers <= 8")
    if not args.redis_url:
        parser.error("a Redis URL is needed (--redis-url or REDIS_URL)")
    parsed = urlparse(args.redis_url)
    if parsed.scheme != "redis" or parsed.hostname not in ("127.0.0.1", "localhost"):
        parser.error("--redis-url must be redis://127.0.0.1:<port>[/db]")
    if not 1 <= args.redis_db <= 15:
        parser.error("1 <= redis-db <= 15 (never 0)")
    args.redis_url = urlunparse(parsed._replace(path=f"/{args.redis_db}"))
    return args


def setup(tickets: int):
    """A verified bank, a branch, a queue with ``tickets`` waiting, a counter and its
    agent (session open, logged in): returns (branch id, counter id, access token)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from teranga.platform.organizations.models import (
        Branch,
        Membership,
        Organization,
        OrganizationKind,
        Role,
        VerificationStatus,
    )
    from teranga.products.smartqueue.models import AgentSession, Counter, Queue, QueueService
    from teranga.products.smartqueue.services.tickets import ticket_issue

    org = Organization.objects.create(
        kind=OrganizationKind.BANK,
        name="Banque Bench",
        slug=f"banque-bench-{uuid.uuid4().hex[:6]}",
        verification_status=VerificationStatus.VERIFIED,
        verified_at=timezone.now(),
    )
    branch = Branch.objects.create(organization=org, name="Agence Bench")
    service = QueueService.objects.create(organization=org, name="Caisse")
    queue = Queue.objects.create(
        organization=org,
        branch=branch,
        service=service,
        name="Caisse",
        prefix="A",
        is_open=True,
        follows_hours=False,
    )
    counter = Counter.objects.create(organization=org, branch=branch, name="Guichet 1")
    counter.queues.set([queue])
    agent = get_user_model().objects.create_user(email="agent@bench.example", password=PASSWORD)
    EmailAddress.objects.create(user=agent, email=agent.email, primary=True, verified=True)
    Membership.objects.create(organization=org, user=agent, role=Role.AGENT)
    AgentSession.objects.create(
        organization=org, counter=counter, agent=agent, started_at=timezone.now()
    )
    for _ in range(tickets):
        ticket_issue(queue=queue, channel="kiosk")
    response = Client().post(
        "/_allauth/app/v1/auth/login",
        {"email": agent.email, "password": PASSWORD},
        content_type="application/json",
    )
    if response.status_code != 200:
        raise SystemExit(f"Login failed ({response.status_code}): {response.content!r}")
    return branch.pk, counter.pk, response.json()["meta"]["access_token"]


class Board:
    """One display socket; records when each call (or baseline ping) arrives."""

    def __init__(self, url: str, arrivals: dict):
        self.url = url
        self.arrivals = arrivals  # key -> [arrival times]
        self.ws = None
        self.reader = None
        self.errors = 0

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(self.url, open_timeout=CONNECT_TIMEOUT, ping_interval=None)
        snapshot = json.loads(await asyncio.wait_for(self.ws.recv(), CONNECT_TIMEOUT))
        if snapshot.get("type") != "snapshot":
            raise RuntimeError(f"expected a snapshot, got {snapshot!r}")
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                if frame.get("type") != "event":
                    continue
                event = frame["event"]
                if event.get("type") in ("call", "clear"):
                    key = f"{event['type']}:{event['number']}"
                    self.arrivals.setdefault(key, []).append(now)
                elif event.get("type") == "bench.ping":
                    self.arrivals.setdefault(f"ping:{event['n']}", []).append(now)
        except ConnectionClosed:
            pass

    async def close(self) -> None:
        await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()


async def wait_all(arrivals: dict, key: str, count: int) -> list[float] | None:
    deadline = time.perf_counter() + ROUND_TIMEOUT
    while time.perf_counter() < deadline:
        got = arrivals.get(key, [])
        if len(got) >= count:
            return got
        await asyncio.sleep(0.002)
    return None


async def measure(server: Server, branch_id, counter_id, token: str, args) -> dict:
    import httpx
    from asgiref.sync import sync_to_async

    from teranga.platform.realtime.broadcast import broadcast
    from teranga.products.smartqueue.live import display_group

    arrivals: dict = {}
    url = f"ws://127.0.0.1:{server.port}/ws/smartqueue/branches/{branch_id}/display/"
    boards = [Board(url, arrivals) for _ in range(args.clients)]
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(board):
        async with gate:
            await board.open()

    started = time.perf_counter()
    await asyncio.gather(*(open_one(board) for board in boards))
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(1.0)
    group = display_group(branch_id)
    send = sync_to_async(broadcast, thread_sensitive=False)
    baseline, calls, requests, missed = [], [], [], 0
    for n in range(args.rounds):  # the baseline: a bare broadcast, no HTTP, no database
        t0 = time.perf_counter()
        await send(group, {"type": "bench.ping", "n": n})
        got = await wait_all(arrivals, f"ping:{n}", args.clients)
        if got is None:
            missed += 1
        else:
            baseline.append((max(got) - t0) * 1000)
        await asyncio.sleep(0.05)
    async with httpx.AsyncClient(
        base_url=f"{server.base}/api/v1/smartqueue/counters/{counter_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ) as api:
        for _n in range(args.rounds):
            t0 = time.perf_counter()
            response = await api.post("/call-next/", json={})
            answered = time.perf_counter()
            if response.status_code != 200 or not response.json().get("called"):
                raise SystemExit(f"call-next failed: {response.status_code} {response.text[:300]}")
            number = response.json()["called"]["number"]
            requests.append((answered - t0) * 1000)
            got = await wait_all(arrivals, f"call:{number}", args.clients)
            if got is None:
                missed += 1
            else:
                calls.append((max(got) - t0) * 1000)
            for action in ("start", "finish"):  # not timed: free the counter
                finished = await api.post(f"/{action}/", json={})
                if finished.status_code != 200:
                    raise SystemExit(f"{action} failed: {finished.text[:300]}")
            # Each round starts from a quiet board: the "serving" and "clear" events of
            # this round reach every client first (back to back, a call would queue
            # behind them and the figure would be the backlog, not the call).
            if await wait_all(arrivals, f"clear:{number}", args.clients) is None:
                missed += 1
            await asyncio.sleep(0.1)
    for board in boards:
        await board.close()
    return {
        "connect_seconds": connect_seconds,
        "baseline": baseline,
        "calls": calls,
        "requests": requests,
        "missed": missed,
    }


def run(args, environment) -> int:
    import django
    import redis

    unique = f"sqbench{uuid.uuid4().hex[:8]}"
    connection = redis.Redis.from_url(args.redis_url, socket_timeout=5)
    if connection.dbsize():
        raise SystemExit(
            f"Redis database {args.redis_db} is not empty: choose an empty one with --redis-db."
        )
    # This process shares the server's Redis (cache and channel layer) for the baseline.
    os.environ.update(
        REDIS_URL=args.redis_url,
        CHANNELS_PREFIX=unique,
        HUEY_NAME=unique,
        JWT_ACCESS_TOKEN_LIFETIME="7200",
        THROTTLE_USER="1000000/min",
        LOG_LEVEL="WARNING",
    )
    django.setup()
    from django.core.management import call_command

    print(f"SmartQueue board fan-out — {environment.description}")
    print(
        f"  {args.clients} display sockets on one branch, {args.rounds} call-next rounds; "
        f"Redis {urlparse(args.redis_url).netloc} db {args.redis_db}; server: manage.py "
        f"serve, {args.workers} worker(s); machine: {os.cpu_count()} CPU(s)"
    )
    try:
        call_command("migrate", interactive=False, verbosity=0)
        branch_id, counter_id, token = setup(args.rounds)
        env = dict(os.environ)
        # One process runs the task worker inside; several leave the (untimed) tasks
        # queued on Redis, as at scale where run_huey takes them.
        env["EMBEDDED_WORKER"] = "1" if args.workers == 1 else "0"
        server = Server(env, args.workers, Path(environment.variables["DATA_DIR"]) / "server.log")
        try:
            server.wait_ready()
            result = asyncio.run(measure(server, branch_id, counter_id, token, args))
        finally:
            server.stop()
    finally:
        connection.flushdb()  # it was empty: everything in it is ours
        connection.close()
    calls, base, requests = result["calls"], result["baseline"], result["requests"]
    print(f"  {args.clients} sockets connected in {result['connect_seconds']:.1f} s")
    if calls:
        print(
            f"  call-next request → last client: p50 {percentile(calls, 0.5):.1f} ms, "
            f"p99 {percentile(calls, 0.99):.1f} ms, max {max(calls):.1f} ms "
            f"({len(calls)} rounds)"
        )
        print(
            f"  call-next HTTP answer: p50 {percentile(requests, 0.5):.1f} ms, "
            f"p99 {percentile(requests, 0.99):.1f} ms"
        )
    if base:
        print(
            f"  baseline, bare broadcast → last client: p50 {percentile(base, 0.5):.1f} ms, "
            f"p99 {percentile(base, 0.99):.1f} ms"
        )
    if calls and base:
        print(
            f"  ratio call-next / bare broadcast: p50 "
            f"{percentile(calls, 0.5) / percentile(base, 0.5):.2f}×"
        )
    problems = []
    if result["missed"]:
        problems.append(f"{result['missed']} rounds where a client missed the event")
    if not calls or percentile(calls, 0.99) >= TARGET_P99_MS:
        problems.append(f"p99 not under {TARGET_P99_MS:.0f} ms")
    if problems:
        print("  BROKEN: " + "; ".join(problems))
        return 1
    print(f"  target met: p99 under {TARGET_P99_MS:.0f} ms, every client got every call")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("sqfanout") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
