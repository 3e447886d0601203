"""Chat fan-out: one group conversation, ``--clients`` WebSocket clients connected to the
real server, ``--messages`` messages; the delivery latency of every message to every
client, on the in-memory channel layer and on Redis (see README.md).

    python -m benchmarks.chat_fanout [--clients 200] [--messages 1000] [--rate 10]
                                     [--redis-url redis://127.0.0.1:6379] [--redis-db 11]
                                     [--layers memory,redis]

The real server (``manage.py serve``, one worker, on 127.0.0.1 and a free port) runs
against a throwaway database (see ``benchmarks``). This process creates the users, logs
them in through allauth's app API, makes the conversations with the services, then
opens one WebSocket per client on ``/ws/chat/{id}/`` (token in the query).

Messages are sent over the participants' own sockets (``{"type": "message"}``), in
turn (message n by client n mod clients: a group where everyone talks), at ``--rate``
messages per second; each body carries its send time (``time.time()``, this process's
clock, which the receivers share). Every receiver records send → receive for each
``message.created`` event. The figures: per delivery p50/p99/max, per message the time
until its last receiver got it, and the number of deliveries — it must be clients ×
messages. Then every client asks ``{"type": "catch_up", "since_seq": N}`` from the last
message number it holds without a gap: the answer (from the database) must be empty and
report the last number — nothing lost — and one client reads the whole conversation
back through catch-up pages (gapless 1..messages). Exits 1 on any loss or error.

Baselines in the same run, same server: a ping/pong round trip on one socket, and the
same message path with a fan-out of one (20 private conversations whose other
participant is muted and not connected: the sender waits for its own
``message.created``).

Redis: ``--redis-url`` (or ``REDIS_URL``) names the server; the run uses database
``--redis-db`` on it, which must be empty (checked), a unique ``CHANNELS_PREFIX`` and
huey name, and empties that database at the end. Nothing else is touched. Without a
Redis URL the Redis run is skipped. Every wait is bounded; traffic stays on 127.0.0.1.
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
AUTH_LOGIN = "/_allauth/app/v1/auth/login"
CONNECT_TIMEOUT = 30.0
FRAME_TIMEOUT = 10.0
DRAIN_TIMEOUT = 120.0
QUIET = 1.0  # seconds without a frame: the presence storm of the connections is over
CONNECT_CONCURRENCY = 20
BASELINE_PAIRS = 20
BASELINE_PER_PAIR = 10
PINGS = 200


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chat_fanout", description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10.0, help="messages per second")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--layers", default="memory,redis")
    parser.add_argument(
        "--recheck-seconds",
        type=float,
        default=None,
        help="the server's REALTIME_AUTH_RECHECK_SECONDS (default: the server's own)",
    )
    args = parser.parse_args(argv)
    if not 2 <= args.clients <= 1000 or not 1 <= args.messages <= 100_000:
        parser.error("2 <= clients <= 1000, 1 <= messages <= 100000")
    if not 0.1 <= args.rate <= 1000 or not 0 <= args.redis_db <= 15:
        parser.error("0.1 <= rate <= 1000, 0 <= redis-db <= 15")
    layers = [name.strip() for name in args.layers.split(",") if name.strip()]
    if not layers or set(layers) - {"memory", "redis"}:
        parser.error("--layers is memory, redis or both")
    args.layers = layers
    if args.redis_url:
        parsed = urlparse(args.redis_url)
        if parsed.scheme != "redis" or parsed.hostname not in ("127.0.0.1", "localhost"):
            parser.error("--redis-url must be redis://127.0.0.1:<port>[/db]")
        args.redis_url = urlunparse(parsed._replace(path=f"/{args.redis_db}"))
    return args


# --- setup (this process, against the throwaway database) --------------------------------


def setup(count: int):
    """``count`` logged-in users, two group conversations (one per layer) with all of
    them, and the baseline's private conversations; returns (people, groups, pairs)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import override_settings

    from teranga.platform.messaging.models import Participant
    from teranga.platform.messaging.services import conversation_create
    from teranga.platform.organizations.models import Membership, OrganizationKind, Role
    from teranga.platform.organizations.services import organization_create

    people = []
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        browser = Client()
        for n in range(count):
            user = get_user_model().objects.create_user(
                email=f"chat{n}@bench.example",
                password=PASSWORD,
                first_name="Bench",
                last_name=str(n),
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
    users = [user for user, _ in people]
    # Colleagues: people who share an organisation are added to a group directly; a
    # stranger would only be invited (issue 15, group consent) and hear nothing.
    club = organization_create(user=users[0], name="Fan-out club", kind=OrganizationKind.CLUB)
    Membership.objects.bulk_create(
        [Membership(organization=club, user=user, role=Role.MEMBER) for user in users[1:]]
    )
    groups = {}
    for layer in ("memory", "redis"):
        groups[layer], _ = conversation_create(
            creator=users[0],
            kind="group",
            title=f"Fan-out {layer}",
            participant_ids=[user.pk for user in users[1:]],
        )
    pairs = []
    for k in range(min(BASELINE_PAIRS, count // 2)):
        sender, peer = people[2 * k], people[2 * k + 1]
        conversation, _ = conversation_create(creator=sender[0], kind="private", user_id=peer[0].pk)
        Participant.objects.filter(conversation=conversation, user=peer[0]).update(muted=True)
        pairs.append((conversation, sender))
    return people, groups, pairs


# --- WebSocket clients -----------------------------------------------------------------


class ChatClient:
    """One socket: a reader task records every frame it cares about."""

    def __init__(self, index: int, url: str, stats: Stats):
        self.index = index
        self.url = url
        self.stats = stats
        self.ws = None
        self.seqs: set[int] = set()
        self.acks = 0
        self.errors: list[dict] = []
        self.resyncs = 0
        self.waiters: dict[str, asyncio.Future] = {}
        self.reader: asyncio.Task | None = None

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(
            self.url,
            open_timeout=CONNECT_TIMEOUT,
            ping_interval=None,
            max_size=2**24,
            max_queue=4096,
        )
        snapshot = json.loads(await asyncio.wait_for(self.ws.recv(), FRAME_TIMEOUT))
        if snapshot.get("type") != "snapshot":
            raise RuntimeError(f"client {self.index}: expected a snapshot, got {snapshot!r}")
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                now = time.time()
                self.stats.last_frame = now
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "event":
                    event = frame["event"]
                    if event.get("type") == "message.created":
                        self.on_message(event["message"], now)
                elif kind == "ack":
                    self.acks += 1
                    self.resolve("ack:" + str(frame.get("client_id")), frame)
                elif kind in ("catch_up", "pong"):
                    self.resolve(kind, frame)
                elif kind == "error":
                    self.errors.append(frame)
                    self.resolve("ack:" + str(frame.get("client_id")), frame)
                    self.resolve("message:" + str(frame.get("client_id")), None)
                elif kind == "resync":
                    self.resyncs += 1
        except ConnectionClosed:
            pass

    def on_message(self, message: dict, now: float) -> None:
        self.seqs.add(message["seq"])
        parts = message["body"].split()
        if len(parts) == 3 and parts[0] in ("bench", "base"):
            latency = (now - float(parts[2])) * 1000
            if parts[0] == "bench":
                self.stats.deliveries += 1
                self.stats.latencies.append(latency)
                n = int(parts[1])
                self.stats.last_receive[n] = max(self.stats.last_receive.get(n, 0.0), now)
            self.resolve("message:" + message["client_id"], latency)

    def expect(self, key: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.waiters[key] = future
        return future

    def resolve(self, key: str, value) -> None:
        future = self.waiters.pop(key, None)
        if future is not None and not future.done():
            future.set_result(value)

    async def send(self, frame: dict) -> None:
        await self.ws.send(json.dumps(frame))

    async def catch_up(self, since: int) -> dict:
        waiter = self.expect("catch_up")
        await self.send({"type": "catch_up", "since_seq": since})
        return await asyncio.wait_for(waiter, FRAME_TIMEOUT)

    def contiguous(self) -> int:
        n = 0
        while n + 1 in self.seqs:
            n += 1
        return n

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            try:
                await asyncio.wait_for(self.reader, FRAME_TIMEOUT)
            except (TimeoutError, asyncio.CancelledError):
                self.reader.cancel()


class Stats:
    def __init__(self):
        self.deliveries = 0
        self.latencies: list[float] = []
        self.last_receive: dict[int, float] = {}
        self.sent_at: dict[int, float] = {}
        self.last_frame = time.time()


async def open_all(clients: list[ChatClient]) -> float:
    started = time.perf_counter()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(client):
        async with gate:
            await client.open()

    await asyncio.gather(*(one(client) for client in clients))
    return time.perf_counter() - started


async def quiet(stats: Stats, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and time.time() - stats.last_frame < QUIET:
        await asyncio.sleep(0.2)


def ws_url(server: Server, conversation_id, token: str) -> str:
    return f"ws://127.0.0.1:{server.port}/ws/chat/{conversation_id}/?token={token}"


# --- the measurements ----------------------------------------------------------------------


async def baselines(server: Server, pairs, layer: str) -> dict:
    """Ping round trips on one socket, and messages with a fan-out of one."""
    stats = Stats()
    clients = [
        ChatClient(i, ws_url(server, conversation.pk, token), stats)
        for i, (conversation, (_user, token)) in enumerate(pairs)
    ]
    await open_all(clients)
    pings = []
    for _ in range(PINGS):
        waiter = clients[0].expect("pong")
        started = time.perf_counter()
        await clients[0].send({"type": "ping"})
        await asyncio.wait_for(waiter, FRAME_TIMEOUT)
        pings.append((time.perf_counter() - started) * 1000)
    single = []
    for round_ in range(BASELINE_PER_PAIR):
        for client in clients:
            client_id = f"base-{layer}-{round_}-{client.index}"
            waiter = client.expect("message:" + client_id)
            body = f"base {round_} {time.time():.6f}"
            await client.send({"type": "message", "body": body, "client_id": client_id})
            latency = await asyncio.wait_for(waiter, FRAME_TIMEOUT)
            if latency is not None:  # None: refused (counted in errors)
                single.append(latency)
    errors = sum(len(c.errors) for c in clients)
    for client in clients:
        await client.close()
    return {"pings": pings, "single": single, "errors": errors}


async def fanout(server: Server, group, people, messages: int, rate: float) -> dict:
    stats = Stats()
    clients = [
        ChatClient(i, ws_url(server, group.pk, token), stats)
        for i, (_u, token) in enumerate(people)
    ]
    connect_seconds = await open_all(clients)
    await quiet(stats)
    interval = 1.0 / rate
    started = time.perf_counter()
    for n in range(messages):
        delay = started + n * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sender = clients[n % len(clients)]
        now = time.time()
        stats.sent_at[n] = now
        frame = {
            "type": "message",
            "body": f"bench {n} {now:.6f}",
            "client_id": f"bench-{group.pk.hex[:8]}-{n}",
        }
        await sender.send(frame)
    send_seconds = time.perf_counter() - started
    expected = messages * len(clients)
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while stats.deliveries < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    drained_seconds = time.perf_counter() - started
    live = stats.deliveries
    # Catch-up from the database: from the last number each client holds without a gap.
    recovered = 0
    not_caught_up = 0
    for client in clients:
        since = client.contiguous()
        for _page in range(messages // 100 + 2):
            answer = await client.catch_up(since)
            for message in answer["messages"]:
                if message["seq"] not in client.seqs:
                    recovered += 1
                    client.seqs.add(message["seq"])
            since = client.contiguous()
            if not answer["has_more"]:
                break
        if client.contiguous() != messages or answer["last_seq"] != messages:
            not_caught_up += 1
    # The whole conversation read back, page by page: gapless 1..messages.
    reader, since, stored = clients[0], 0, []
    for _page in range(messages // 100 + 2):
        answer = await reader.catch_up(since)
        stored += [m["seq"] for m in answer["messages"]]
        since = stored[-1] if stored else since
        if not answer["has_more"]:
            break
    completion = [
        (stats.last_receive[n] - stats.sent_at[n]) * 1000
        for n in range(messages)
        if n in stats.last_receive
    ]
    # Per 10 s of sending: the worst time to the last receiver (where a backlog formed).
    timeline: dict[int, float] = {}
    first_sent = stats.sent_at.get(0, 0.0)
    for n, sent in stats.sent_at.items():
        if n in stats.last_receive:
            bucket = int((sent - first_sent) // 10) * 10
            late = (stats.last_receive[n] - sent) * 1000
            timeline[bucket] = max(timeline.get(bucket, 0.0), late)
    result = {
        "connect_seconds": connect_seconds,
        "send_seconds": send_seconds,
        "drained_seconds": drained_seconds,
        "expected": expected,
        "live": live,
        "recovered": recovered,
        "not_caught_up": not_caught_up,
        "stored_gapless": stored == list(range(1, messages + 1)),
        "acks": sum(c.acks for c in clients),
        "errors": [e for c in clients for e in c.errors],
        "resyncs": sum(c.resyncs for c in clients),
        "latencies": stats.latencies,
        "completion": completion,
        "timeline": timeline,
    }
    for client in clients:
        await client.close()
    return result


# --- servers per layer ---------------------------------------------------------------------


def redis_prepare(url: str):
    import redis

    connection = redis.Redis.from_url(url, socket_timeout=5)
    size = connection.dbsize()
    if size:
        raise SystemExit(
            f"Redis database {urlparse(url).path} holds {size} keys: choose an empty one "
            "with --redis-db (nothing was touched)."
        )
    return connection


def server_env(layer: str, redis_url: str, recheck: float | None) -> dict:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    if recheck is not None:
        env["REALTIME_AUTH_RECHECK_SECONDS"] = str(recheck)
        env["CHANNELS_GROUP_EXPIRY"] = str(max(3600, int(recheck * 2) + 1))
    if layer == "redis":
        unique = f"bench{uuid.uuid4().hex[:8]}"
        env.update(
            REDIS_URL=redis_url, CHANNELS_PREFIX=unique, HUEY_NAME=unique, EMBEDDED_WORKER="1"
        )
    return env


def report(layer: str, description: str, base: dict, result: dict, clients: int, messages: int):
    lat, comp = result["latencies"], result["completion"]
    ping50, single50 = percentile(base["pings"], 0.5), percentile(base["single"], 0.5)
    print(f"  {layer}: {description}")
    print(
        f"    {clients} clients connected in {result['connect_seconds']:.1f} s; {messages} "
        f"messages sent in {result['send_seconds']:.1f} s, all delivered after "
        f"{result['drained_seconds']:.1f} s; acks {result['acks']}, errors "
        f"{len(result['errors'])}, resyncs {result['resyncs']}"
    )
    print(
        f"    deliveries live {result['live']:,} / {result['expected']:,}; recovered by "
        f"catch-up {result['recovered']}; clients not caught up {result['not_caught_up']}; "
        f"conversation read back gapless 1..{messages}: {result['stored_gapless']}"
    )
    if lat:
        print(
            f"    send → receive, per delivery: p50 {percentile(lat, 0.5):.1f} ms, "
            f"p99 {percentile(lat, 0.99):.1f} ms, max {max(lat):.1f} ms"
        )
    if comp:
        print(
            f"    send → last receiver, per message: p50 {percentile(comp, 0.5):.1f} ms, "
            f"p99 {percentile(comp, 0.99):.1f} ms"
        )
    if result.get("timeline"):
        print(
            "    worst send → last receiver per 10 s of sending: "
            + ", ".join(f"{t}s {v:.0f}" for t, v in sorted(result["timeline"].items()))
            + " (ms)"
        )
    print(
        f"    baseline: ping round trip p50 {ping50:.2f} ms, p99 "
        f"{percentile(base['pings'], 0.99):.2f} ms; message with fan-out 1: p50 "
        f"{single50:.1f} ms, p99 {percentile(base['single'], 0.99):.1f} ms "
        f"({len(base['single'])} messages, errors {base['errors']})"
    )
    if lat:
        print(
            f"    ratio fan-out {clients} / fan-out 1: p50 {percentile(lat, 0.5) / single50:.2f}×, "
            f"p99 {percentile(lat, 0.99) / percentile(base['single'], 0.99):.2f}×"
        )


def broken(result: dict, base: dict) -> list[str]:
    problems = []
    if result["not_caught_up"]:
        problems.append(f"{result['not_caught_up']} clients could not catch up")
    if not result["stored_gapless"]:
        problems.append("the stored messages are not gapless")
    if result["live"] + result["recovered"] != result["expected"]:
        problems.append(
            f"{result['live'] + result['recovered']} deliveries, expected {result['expected']}"
        )
    if result["errors"] or base["errors"]:
        problems.append(f"errors: {result['errors'][:3]}")
    return problems


def run(args, environment) -> int:
    import django

    os.environ.update(
        JWT_ACCESS_TOKEN_LIFETIME="7200",
        THROTTLE_USER="1000000/min",
        THROTTLE_CHAT_MESSAGES="1000000/min",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    django.setup()
    from django.core.management import call_command

    print(f"Chat fan-out benchmark — {environment.description}")
    print(
        f"  {args.clients} WebSocket clients in one group, {args.messages} messages at "
        f"{args.rate:g}/s; server: manage.py serve, 1 worker; machine: {os.cpu_count()} CPU(s)"
        + (
            f"; socket re-check every {args.recheck_seconds:g} s"
            if args.recheck_seconds is not None
            else ""
        )
    )
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    people, groups, pairs = setup(args.clients)
    print(
        f"  setup (migrate, {args.clients} users logged in): {time.perf_counter() - started:.1f} s"
    )
    data_dir = Path(environment.variables["DATA_DIR"])
    problems: list[str] = []
    for layer in args.layers:
        redis_connection = None
        if layer == "redis":
            if not args.redis_url:
                print("  redis: skipped (no --redis-url and no REDIS_URL)")
                continue
            redis_connection = redis_prepare(args.redis_url)
            description = f"Redis {urlparse(args.redis_url).netloc} db {args.redis_db}"
        else:
            description = "in-memory channel layer, local-memory cache (embedded mode)"
        server = Server(
            server_env(layer, args.redis_url, args.recheck_seconds),
            1,
            data_dir / f"server-{layer}.log",
        )
        try:
            server.wait_ready()
            base = asyncio.run(baselines(server, pairs, layer))
            result = asyncio.run(fanout(server, groups[layer], people, args.messages, args.rate))
        finally:
            server.stop()
            if redis_connection is not None:
                redis_connection.flushdb()  # it was empty: everything in it is ours
                redis_connection.close()
        report(layer, description, base, result, args.clients, args.messages)
        found = broken(result, base)
        if found:
            problems += [f"{layer}: {p}" for p in found]
            print("  server log (tail):\n" + server.output())
    if problems:
        print("  BROKEN:\n    " + "\n    ".join(problems))
        return 1
    print("  no message lost: every client holds every message, numbers gapless")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("chat") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
