"""What collecting a page view costs: ``POST /api/v1/analytics/collect/`` against the bare
hello-JSON view of ``benchmarks.api_overhead`` and against a naive version that writes
each event at once, in the same run.

    python -m benchmarks.analytics_collect [--duration 4] [--rounds 3] [--connections 8] [--check]

Starts the real server (``manage.py serve``, one process) on a throwaway database (see
``benchmarks``) with ``benchmarks.analytics_collect_settings``: the real settings and
middleware with the throttles out of the way, ``GET /bench/hello/`` (the baseline) and
``POST /bench/analytics-naive/`` (the endpoint's own work, then one transaction per
request: find the open visit, insert or update it, insert the event). Two sites are
created, one for each endpoint; every request is a page view of another page.

wrk drives one endpoint at a time for ``--duration`` seconds over ``--connections``
keep-alive connections (a Lua script makes the POSTs). Each run of collect and naive sits
between two runs of hello, and its ratio is to the mean of those two. After the runs the
benchmark waits for the server's flusher and checks that every 202 of the collect
endpoint became exactly one stored event (nothing lost, nothing doubled).

With ``DATABASE_URL`` (PostgreSQL) the database is a dedicated throwaway one; with
``REDIS_URL`` the server's buffer, cache and channel layer are in Redis (database
``--redis-db``, which must be empty), as at scale.

Target (issue 19): collect >= 0.8x hello. Exits 1 when an answer is not 2xx, when an
event is lost or doubled, or (with ``--check``) when the target is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from . import throwaway_environment
from .api_overhead import LATENCY, UNIT_MS
from .api_overhead import wrk as wrk_get
from .booking_concurrency import Server

TARGET = 0.8
FLUSH_WAIT = 30.0
AGENT = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)

LUA = """
local n = 0
request = function()
  n = n + 1
  local body = '{"site":"%(site)s","url":"https://bench.example/p' .. (n %% 50) ..
               '/","referrer":"https://www.google.com/"}'
  return wrk.format("POST", "%(path)s", {
    ["Content-Type"] = "application/json",
    ["User-Agent"] = "%(agent)s",
    ["Accept-Language"] = "fr"
  }, body)
end
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.analytics_collect", description=__doc__
    )
    parser.add_argument("--duration", type=int, default=4, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each endpoint")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
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


def wrk_post(base: str, path: str, site: str, duration: int, connections: int) -> dict:
    """wrk with a Lua script POSTing page views; the figures and the requests made."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"site": site, "path": path, "agent": AGENT})
    try:
        command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency"]
        command += ["--timeout", "30s", "-s", script.name, base + path]
        output = subprocess.run(  # noqa: S603 — a fixed command on 127.0.0.1
            command, capture_output=True, text=True, timeout=duration + 60, check=True
        ).stdout
    finally:
        os.unlink(script.name)
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
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
    }


def build_world() -> tuple:
    from teranga.platform.analytics.services import site_create
    from teranga.platform.organizations.models import Organization

    organization = Organization.objects.create(
        name="Bench Analytics", slug="bench-analytics", kind="business"
    )
    collect = site_create(organization=organization, name="collect", domains=["bench.example"])
    naive = site_create(organization=organization, name="naive", domains=["bench.example"])
    return collect, naive


def stored_events(site) -> int:
    from teranga.platform.analytics.models import Event

    return Event.objects.filter(site=site).count()


def run(args, environment) -> int:
    import django

    os.environ.update(
        {
            "EMBEDDED_WORKER": "0",
            "PYTHONUNBUFFERED": "1",
            "THROTTLE_ANALYTICS_COLLECT": "1000000000/min",
        }
    )
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
    django.setup()
    import logging

    from django.core.management import call_command

    logging.disable(logging.INFO)
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    collect_site, naive_site = build_world()
    print(f"Analytics collection benchmark — {environment.description}")
    buffer_kind = f"Redis {args.redis_url}" if args.redis_url else "this process's memory"
    print(
        f"  server: manage.py serve (1 process), buffer in {buffer_kind}, flush every 5 s; "
        f"wrk, {args.connections} connections, {args.duration} s each; "
        f"machine: {os.cpu_count()} CPU(s); setup {time.perf_counter() - started:.1f} s"
    )
    server_env = dict(os.environ)
    server_env["DJANGO_SETTINGS_MODULE"] = "benchmarks.analytics_collect_settings"
    log_path = Path(environment.variables["DATA_DIR"]) / "server.log"
    server = Server(server_env, 1, log_path)
    collect_path, naive_path = "/api/v1/analytics/collect/", "/bench/analytics-naive/"
    accepted = 0
    try:
        server.wait_ready()

        def hello() -> dict:
            return wrk_get(server.base, "/bench/hello/", "", args.duration, args.connections)

        wrk_get(server.base, "/bench/hello/", "", 1, args.connections)  # warm up
        accepted += wrk_post(server.base, collect_path, collect_site.public_id, 1, 2)["requests"]
        wrk_post(server.base, naive_path, naive_site.public_id, 1, 2)
        hellos = [hello()]
        runs: dict[str, list[tuple[dict, float]]] = {"collect": [], "naive": []}
        for _round in range(args.rounds):
            for name, path, site in (
                ("collect", collect_path, collect_site),
                ("naive", naive_path, naive_site),
            ):
                figures = wrk_post(
                    server.base, path, site.public_id, args.duration, args.connections
                )
                if name == "collect":
                    accepted += figures["requests"]
                hellos.append(hello())
                around = (hellos[-2]["rps"] + hellos[-1]["rps"]) / 2
                runs[name].append((figures, figures["rps"] / around))
        deadline = time.monotonic() + FLUSH_WAIT
        stored = stored_events(collect_site)
        while stored < accepted and time.monotonic() < deadline:
            time.sleep(0.5)
            stored = stored_events(collect_site)
    finally:
        server.stop()
    hello_figures = {
        key: statistics.median(h[key] for h in hellos) for key in ("rps", "p50", "p99")
    }
    print(
        f"\n  {'endpoint':<22} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'× hello':>8} {'target':>7}"
    )
    print(
        f"  {'hello (baseline)':<22} {hello_figures['rps']:>9.1f} {hello_figures['p50']:>8.1f} "
        f"{hello_figures['p99']:>8.1f} {'1.00':>8}          (median of {len(hellos)} runs)"
    )
    failed = []
    for name, label in (("collect", "collect (buffered)"), ("naive", "naive (1 write/request)")):
        ordered = sorted(runs[name], key=lambda run: run[1])
        figures, ratio = ordered[len(ordered) // 2]
        target = f"≥{TARGET:.2f}" if name == "collect" else ""
        met = "" if name != "collect" else ("met" if ratio >= TARGET else "MISSED")
        print(
            f"  {label:<22} {figures['rps']:>9.1f} {figures['p50']:>8.1f} {figures['p99']:>8.1f} "
            f"{ratio:>8.2f} {target:>7}  {met}"
        )
        if name == "collect" and ratio < TARGET and args.check:
            failed.append(f"collect: {ratio:.2f}× hello < {TARGET}")
    print(
        f"\n  collect: {accepted} answers 202 read by wrk, {stored} events stored by the flush "
        "(requests still in flight when a run ends are stored too)"
    )
    # wrk counts the answers it read; requests still in flight when a run ends are
    # answered (and stored) too: at most one per connection and run.
    in_flight = args.connections * (args.rounds + 1)
    if not accepted <= stored <= accepted + in_flight:
        failed.append(f"{accepted} accepted but {stored} stored")
    for line in failed:
        print(f"  FAILED {line}")
    return 1 if failed else 0


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench installs it).")
    with throwaway_environment("analytics_collect") as environment:
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
