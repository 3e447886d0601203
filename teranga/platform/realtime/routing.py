"""WebSocket routes: a registry, so that realtime never imports the products.

Products declare their routes in their contract (``Product.websocket_routes``); platform
apps register theirs from their ``AppConfig.ready``::

    register_websocket_routes([path("ws/chat/<uuid:id>/", ChatConsumer.as_asgi())])

``websocket_application()`` (called by ``config.asgi`` once the apps are ready) returns
a ``URLRouter`` of every registered route. Routes live under ``/ws/``.
"""

from __future__ import annotations

from channels.routing import URLRouter
from django.core.exceptions import ImproperlyConfigured

from teranga.core.registry import Registry

websocket_routes: Registry = Registry("WebSocket route")


def register_websocket_routes(patterns, *, origin: str = "") -> None:
    """Add WebSocket URL patterns (``django.urls.path``/``re_path``) under their route;
    the same route twice stops the start."""
    for pattern in patterns:
        route = str(pattern.pattern)
        if not route.lstrip("^/").startswith("ws/"):
            raise ImproperlyConfigured(f"WebSocket routes live under /ws/: {route!r}")
        websocket_routes.register(route, pattern, origin=origin)


def websocket_application() -> URLRouter:
    """A router over every registered WebSocket route."""
    return URLRouter(websocket_routes.values())
