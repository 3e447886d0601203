"""The container's health check (Dockerfile HEALTHCHECK, compose), for every role.

It finds which role runs in the container from the process list:

* ``manage.py serve`` (web): ``GET http://127.0.0.1:8000/health/live/`` answers 200. The
  request carries the first host of ``ALLOWED_HOSTS`` (Django refuses other hosts), or
  ``localhost`` when the list has none that is a plain name.
* ``manage.py run_huey`` (worker, scheduler): the process runs and the task queue's Redis
  (``REDIS_URL``) answers a PING.
* anything else (``migrate``, a shell): healthy; one-off commands need no check.

Exit status 0 is healthy, 1 unhealthy. Standard library only (plus redis, a dependency).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

#: The web role's liveness URL (``HEALTHCHECK_URL`` overrides it, for the tests).
LIVE_URL = os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8000/health/live/")
TIMEOUT_SECONDS = 4


def running_commands() -> list[str]:
    commands = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            commands.append(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:  # the process ended meanwhile
            continue
    return commands


def role(commands: list[str]) -> str:
    for command in commands:
        if "manage.py" not in command:
            continue
        if " serve" in command:
            return "web"
        if " run_huey" in command:
            return "worker"
    return "other"


def request_host() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and "*" not in host:
            return host
    return "localhost"


def web_healthy() -> bool:
    if not LIVE_URL.startswith("http://"):
        print(f"unhealthy: {LIVE_URL} is not an http:// URL", file=sys.stderr)
        return False
    request = urllib.request.Request(LIVE_URL, headers={"Host": request_host()})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {LIVE_URL}: {exc}", file=sys.stderr)
        return False


def worker_healthy() -> bool:
    url = os.environ.get("REDIS_URL", "")
    if not url:  # the embedded queue (SQLite): the process running is all we can tell
        return True
    import redis

    try:
        return bool(
            redis.Redis.from_url(
                url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
            ).ping()
        )
    except redis.RedisError as exc:
        print(f"unhealthy: the task queue's Redis does not answer: {exc}", file=sys.stderr)
        return False


def main() -> int:
    current = role(running_commands())
    if current == "web":
        return 0 if web_healthy() else 1
    if current == "worker":
        return 0 if worker_healthy() else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
