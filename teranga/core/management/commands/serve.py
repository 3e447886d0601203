"""``manage.py serve``: the web server, WebSockets and (embedded) the task worker.

uvicorn serves HTTP and WebSockets (``config.asgi:application``). In the embedded
default the ASGI lifespan also starts huey's worker and scheduler threads in the same
process, and stops them on shutdown.

Stopping (SIGTERM or SIGINT, in every mode, issue 23): the server stops accepting
connections, finishes the requests in flight and closes every WebSocket with code 1012
(uvicorn's shutdown), for at most :func:`drain_seconds`; then the lifespan stops the
embedded task threads in what is left of ``SHUTDOWN_TIMEOUT``. The process exits 0. A
watchdog (:func:`start_stop_watchdog`, armed by the lifespan at the first signal) ends
it by force once ``SHUTDOWN_TIMEOUT`` has passed, whatever still runs; a second signal
skips the waiting. ``run_huey`` uses the same budget.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

ASGI_APP = "config.asgi:application"  # a string: teranga.core never imports config
#: Kept from SHUTDOWN_TIMEOUT for what follows the draining (stopping task threads,
#: re-queueing, exiting): this much, at most half of the budget.
STOP_RESERVE_SECONDS = 5.0
#: The exit status of a stop forced by the watchdog (something did not stop in time).
FORCED_EXIT_STATUS = 1

logger = logging.getLogger(__name__)
_watchdog_lock = threading.Lock()
_stop_deadline: float | None = None


def shutdown_timeout() -> float:
    """``SHUTDOWN_TIMEOUT``: seconds from the stop signal to the exit, at most."""
    return float(getattr(settings, "SHUTDOWN_TIMEOUT", 20.0))


def drain_seconds() -> float:
    """The part of the budget for finishing the work in hand (requests in flight, running
    tasks); the rest is kept for stopping and exiting."""
    total = shutdown_timeout()
    return total - min(STOP_RESERVE_SECONDS, total / 2)


def start_stop_watchdog() -> bool:
    """At the first call in a process: note the stop deadline (now + ``SHUTDOWN_TIMEOUT``)
    and start a daemon thread that ends the process (``os._exit``) if it still runs then.
    False when it was already started (a second stop signal)."""
    global _stop_deadline
    with _watchdog_lock:
        if _stop_deadline is not None:
            return False
        _stop_deadline = time.monotonic() + shutdown_timeout()
    threading.Thread(target=_watchdog, name="stop-watchdog", daemon=True).start()
    return True


def stop_seconds_left() -> float | None:
    """Seconds until the stop deadline (``None`` before any stop signal)."""
    if _stop_deadline is None:
        return None
    return max(0.0, _stop_deadline - time.monotonic())


def _watchdog() -> None:
    time.sleep(max(0.0, _stop_deadline - time.monotonic()))
    message = f"stop not finished within SHUTDOWN_TIMEOUT={shutdown_timeout():g}s: exiting"
    logger.error(message)
    with contextlib.suppress(Exception):
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    os._exit(FORCED_EXIT_STATUS)


class _Stopped(Exception):
    """uvicorn re-raises the SIGTERM it caught once it has stopped: the normal end."""


def _raise_stopped(signum, frame):
    raise _Stopped


class Command(BaseCommand):
    help = "Serve Teranga (HTTP, WebSockets, and the task worker in the embedded mode)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="ASGI worker processes; more than one only at scale (EMBEDDED_WORKER off).",
        )

    def handle(self, *args, host: str, port: int, workers: int, **options):
        import uvicorn

        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        embedded = bool(getattr(settings, "EMBEDDED_WORKER", False))
        if workers > 1 and embedded:
            raise CommandError(
                "--workers > 1 needs the at-scale mode: the embedded task worker and the "
                "in-memory channel layer live in one process. Set REDIS_URL (and "
                "EMBEDDED_WORKER=0, then run `manage.py run_huey` apart)."
            )
        if not os.environ.get("PUBLIC_URL"):
            # Links we send point at this server unless PUBLIC_URL says otherwise; the
            # environment carries it to uvicorn's worker processes.
            public = self.listen_url(host, port)
            os.environ["PUBLIC_URL"] = public
            settings.TERANGA["PUBLIC_URL"] = public
        self.stdout.write(self.banner(host, port, workers, embedded))
        self.stdout.flush()
        # uvicorn shuts down gracefully on SIGINT or SIGTERM, then re-raises the signal it
        # caught: a normal way to stop (exit status 0), not an error.
        signal.signal(signal.SIGTERM, _raise_stopped)
        with contextlib.suppress(KeyboardInterrupt, _Stopped):
            uvicorn.run(
                ASGI_APP,
                host=host,
                port=port,
                workers=workers if workers > 1 else None,
                lifespan="on",
                ws="websockets-sansio",
                proxy_headers=True,
                log_level="info",
                # django-structlog logs each HTTP request once, with its request id;
                # uvicorn's access line would repeat it, and for a WebSocket it would
                # write the access token of `?token=` into the log.
                access_log=False,
                # Requests in flight and WebSockets get this long, then are cancelled.
                timeout_graceful_shutdown=drain_seconds(),
            )
        self.stdout.write("Teranga stopped.")

    @staticmethod
    def listen_url(host: str, port: int) -> str:
        """The address to open this server at (an any-address is shown as loopback)."""
        any_address = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104
        host = any_address.get(host, host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def banner(self, host: str, port: int, workers: int, embedded: bool) -> str:
        base = self.listen_url(host, port)
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
        task_workers = settings.HUEY.get("consumer", {}).get("workers", 2)
        if embedded:
            mode = f"embedded: {database} + {layer} + {task_workers} task threads in-process"
        else:
            mode = (
                f"at scale: {database} + {layer} + {workers} ASGI worker(s); "
                "run task workers apart with `manage.py run_huey`"
            )
        lines = [
            "",
            "Teranga",
            f"  URL       {base}/",
            f"  API docs  {base}/api/docs/",
            f"  Admin     {base}/admin/",
            f"  Health    {base}/health/ready/",
            f"  Mode      {mode}",
            f"  Stop      Ctrl-C or SIGTERM (within {shutdown_timeout():g} s)",
            "",
        ]
        return "\n".join(lines)
