"""WebSocket routes: a small registry, so that realtime never imports the products.

An app registers its routes in its ``AppConfig.ready``::

    from django.urls import path
    from teranga.platform.realtime.routing import register_websocket_routes

    register_websocket_routes([path("ws/queues/<uuid:queue_id>/", QueueConsumer.as_asgi())])

``websocket_application()`` (called by ``config.asgi`` once the apps are ready) returns
a ``URLRouter`` of every registered route. Routes live under ``/ws/``.
"""

from __future__ import annotations

import threading

from channels.routing import URLRouter

_lock = threading.Lock()
_routes: dict[str, object] = {}


def register_websocket_routes(patterns) -> None:
    """Add WebSocket URL patterns (``django.urls.path``/``re_path``). Registering the same
    route again replaces it (``ready()`` may run more than once in tests)."""
    with _lock:
        for pattern in patterns:
            route = str(pattern.pattern)
            if not route.lstrip("^/").startswith("ws/"):
                raise ValueError(f"WebSocket routes live under /ws/: {route!r}")
            _routes[route] = pattern


def websocket_routes() -> list:
    with _lock:
        return list(_routes.values())


def websocket_application() -> URLRouter:
    """A router over every registered WebSocket route."""
    return URLRouter(websocket_routes())
