"""``manage.py serve``: the web server, WebSockets and (embedded) the task worker.

uvicorn serves HTTP and WebSockets (``config.asgi:application``). In the embedded
default the ASGI lifespan also starts huey's worker and scheduler threads in the same
process, and stops them on shutdown: Ctrl-C (SIGINT) or SIGTERM stop everything.
"""

from __future__ import annotations

import contextlib
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

ASGI_APP = "config.asgi:application"  # a string: teranga.core never imports config


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
        # uvicorn shuts down gracefully on Ctrl-C (the lifespan stops the task threads),
        # then re-raises the SIGINT it caught: a normal way to stop, not an error.
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn.run(
                ASGI_APP,
                host=host,
                port=port,
                workers=workers if workers > 1 else None,
                lifespan="on",
                ws="websockets-sansio",
                proxy_headers=True,
                log_level="info",
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
            "  Stop      Ctrl-C",
            "",
        ]
        return "\n".join(lines)
