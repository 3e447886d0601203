"""The real-time app's extension points: :data:`websocket_routes` (register with
:func:`register_websocket_routes`), and the consumer base classes a product's sockets
build on (``consumers``)."""

from .routing import register_websocket_routes, websocket_routes

__all__ = ["register_websocket_routes", "websocket_routes"]
