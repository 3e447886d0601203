"""ASGI entry point: Django for HTTP, Channels for WebSockets, one lifespan.

uvicorn serves both protocols. The lifespan starts the embedded task consumer (see
``config.tasks_engine``) and records the server's event loop, so that a task running on
a worker thread can hand a broadcast to the in-memory channel layer safely.
"""

import asyncio
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from config import tasks_engine  # noqa: E402
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


async def application(scope, receive, send):
    if scope["type"] != "lifespan":
        return await router(scope, receive, send)
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
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
