"""ASGI entry point: Django for HTTP, Channels for WebSockets, one lifespan.

uvicorn serves both protocols. The lifespan starts the embedded task consumer (see
``config.tasks_engine``) and records the server's event loop, so that a task running on
a worker thread can hand a broadcast to the in-memory channel layer safely.

Stopping (issue 23): uvicorn closes the listening socket, finishes the requests in flight
and sends every WebSocket a close with code 1012, waiting at most ``timeout_graceful_shutdown``
(``manage.py serve`` sets it from ``SHUTDOWN_TIMEOUT``); then the lifespan stops the
embedded task consumer. The lifespan also wraps uvicorn's SIGINT and SIGTERM handlers, in
every server process (``--workers N`` included): the first signal arms the stop watchdog
(the process ends by force once ``SHUTDOWN_TIMEOUT`` has passed), a second one of either
kind makes uvicorn stop waiting.
"""

import asyncio
import os
import signal
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup(set_prefix=False)

from teranga.core.asgi_handler import CappedASGIHandler  # noqa: E402

django_asgi_app = CappedASGIHandler()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from config import tasks_engine  # noqa: E402
from teranga.core.management.commands.serve import start_stop_watchdog  # noqa: E402
from teranga.platform.realtime import broadcast  # noqa: E402
from teranga.platform.realtime.auth import JWTAuthMiddleware, TokenOriginValidator  # noqa: E402
from teranga.platform.realtime.routing import websocket_application  # noqa: E402

router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Browsers must come from an allowed origin; apps (no Origin header) only need
        # their token. See teranga.platform.realtime.auth.
        "websocket": TokenOriginValidator(JWTAuthMiddleware(websocket_application())),
    }
)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def watch_stop_signals() -> None:
    """Wrap the server's SIGINT and SIGTERM handlers (uvicorn's, installed before the
    lifespan starts): arm the stop watchdog at the first signal; at the next, tell the
    server to stop waiting (uvicorn forces its exit on a second SIGINT only)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in STOP_SIGNALS:
        previous = signal.getsignal(signum)
        if not callable(previous) or getattr(previous, "teranga_stop", False):
            continue  # no server handler to wrap (SIG_DFL), or wrapped already

        def handler(received, frame, previous=previous):
            if not start_stop_watchdog():
                server = getattr(previous, "__self__", None)  # uvicorn's Server
                if hasattr(server, "force_exit"):
                    server.force_exit = True
            previous(received, frame)

        handler.teranga_stop = True
        signal.signal(signum, handler)


async def application(scope, receive, send):
    if scope["type"] != "lifespan":
        return await router(scope, receive, send)
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                watch_stop_signals()
                broadcast.set_server_loop(asyncio.get_running_loop())
                if settings.EMBEDDED_WORKER:
                    await asyncio.to_thread(tasks_engine.start_embedded_consumer)
            except Exception as exc:  # report, and let uvicorn exit non-zero
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if settings.EMBEDDED_WORKER:
                await asyncio.to_thread(tasks_engine.stop_embedded_consumer)
            broadcast.set_server_loop(None)
            await send({"type": "lifespan.shutdown.complete"})
            return
