"""Logout → socket closed: ``--clients`` users, each with one ``/ws/notifications/`` socket
on the real server, log out (``DELETE /_allauth/app/v1/auth/session``) all at once. The
figure: the time from sending the logout to the socket being closed with 4401 (p50, p99,
max), beside a baseline on the same sockets: a ping/pong round trip.

    python -m benchmarks.realtime_logout_close [--clients 50] [--recheck-seconds 1]

A live socket learns of the logout at its next periodic re-check: every wait is drawn
between half of ``REALTIME_AUTH_RECHECK_SECONDS`` and all of it, so the close should come
within one interval plus the time of a re-check. Target: max < interval + 1 s. The tests
(``realtime/tests/test_gaps_and_recheck.py``, ``tests/test_live_redis.py``) check that the
socket is closed with 4401, and wait for it with a bound; how soon is measured here.

The server (``manage.py serve``, one worker, in-memory channel layer) runs against a
throwaway database (see ``benchmarks``); the users log in inside this process (allauth
rate-limits logins per IP; sessions live in the shared database). Exits 1 when a socket is
not closed with 4401 or the target is missed. Every wait is bounded; traffic stays on
127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

from . import percentile, throwaway_environment
from .booking_concurrency import Server

PASSWORD = "Teranga-Bench-2026!"
CONNECT_TIMEOUT = 30.0
SLACK_SECONDS = 1.0  # beyond one interval: the re-check itself, on a loaded machine
AUTH = "/_allauth/app/v1"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.realtime_logout_close", description=__doc__
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--recheck-seconds", type=float, default=1.0)
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 500:
        parser.error("1 <= clients <= 500")
    if not 0.1 <= args.recheck_seconds <= 60:
        parser.error("0.1 <= recheck-seconds <= 60")
    return args


def setup_people(count: int) -> list[str]:
    """``count`` verified users, logged in through allauth's app API: their access tokens."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.test import Client

    tokens = []
    for n in range(count):
        email = f"logout-{n}@bench.example"
        user = get_user_model().objects.create_user(email=email, password=PASSWORD)
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        response = Client().post(
            f"{AUTH}/auth/login",
            {"email": email, "password": PASSWORD},
            content_type="application/json",
        )
        if response.status_code != 200:
            raise SystemExit(f"Login failed ({response.status_code}): {response.content!r}")
        tokens.append(response.json()["meta"]["access_token"])
    return tokens


async def one_client(server: Server, token: str, bound: float) -> dict:
    """Open the socket, time a ping, log out, time the close."""
    import httpx
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    ws_base = server.base.replace("http://", "ws://")
    result: dict = {"ping": None, "close": None, "code": None}
    async with connect(
        f"{ws_base}/ws/notifications/?token={token}",
        open_timeout=CONNECT_TIMEOUT,
        ping_interval=None,
    ) as ws:
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), CONNECT_TIMEOUT))
        if snapshot.get("type") != "snapshot":
            return result
        started = time.perf_counter()
        await ws.send(json.dumps({"type": "ping"}))
        if json.loads(await asyncio.wait_for(ws.recv(), CONNECT_TIMEOUT)) == {"type": "pong"}:
            result["ping"] = (time.perf_counter() - started) * 1000
        async with httpx.AsyncClient(timeout=CONNECT_TIMEOUT) as http:
            started = time.perf_counter()
            response = await http.delete(
                f"{server.base}{AUTH}/auth/session",
                headers={"Authorization": f"Bearer {token}"},
            )
        if response.status_code != 401:  # allauth answers 401 once logged out
            return result
        try:
            while True:  # nothing else is expected; anything else is read past
                await asyncio.wait_for(ws.recv(), bound)
        except ConnectionClosed as closed:
            result["close"] = (time.perf_counter() - started) * 1000
            result["code"] = closed.rcvd.code if closed.rcvd is not None else None
        except TimeoutError:
            pass
    return result


async def measure(server: Server, tokens: list[str], args) -> list[dict]:
    bound = args.recheck_seconds * 3 + 10  # far past the target: a miss, not a hang
    return await asyncio.gather(*(one_client(server, token, bound) for token in tokens))


def run(args, environment) -> int:
    import django

    os.environ.update(
        REALTIME_AUTH_RECHECK_SECONDS=str(args.recheck_seconds),
        JWT_ACCESS_TOKEN_LIFETIME="7200",
        LOG_LEVEL="WARNING",
    )
    django.setup()
    from django.core.management import call_command

    print(f"Realtime logout → close — {environment.description}")
    print(
        f"  {args.clients} sockets, one per user, all logging out at once; re-check every "
        f"{args.recheck_seconds:g} s; server: manage.py serve, 1 worker, in-memory layer; "
        f"machine: {os.cpu_count()} CPU(s)"
    )
    call_command("migrate", interactive=False, verbosity=0)
    tokens = setup_people(args.clients)
    server = Server(dict(os.environ), 1, Path(environment.variables["DATA_DIR"]) / "server.log")
    try:
        server.wait_ready()
        results = asyncio.run(measure(server, tokens, args))
    finally:
        server.stop()
    closes = [r["close"] for r in results if r["code"] == 4401]
    pings = [r["ping"] for r in results if r["ping"] is not None]
    if closes:
        print(
            f"  logout sent → closed 4401: p50 {percentile(closes, 0.5):.0f} ms, "
            f"p99 {percentile(closes, 0.99):.0f} ms, max {max(closes):.0f} ms"
        )
    if pings:
        print(
            f"  baseline, ping → pong: p50 {percentile(pings, 0.5):.1f} ms, "
            f"p99 {percentile(pings, 0.99):.1f} ms"
        )
    target_ms = (args.recheck_seconds + SLACK_SECONDS) * 1000
    problems = []
    if len(closes) != len(results):
        problems.append(f"{len(results) - len(closes)} sockets not closed with 4401")
    if not closes or max(closes) >= target_ms:
        problems.append(f"max not under {target_ms:.0f} ms (one interval + {SLACK_SECONDS:g} s)")
    print("  " + ("; ".join(problems) if problems else f"target met: max < {target_ms:.0f} ms"))
    return 1 if problems else 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("logoutclose") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
