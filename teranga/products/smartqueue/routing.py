"""SmartQueue's WebSocket routes (registered from ``hooks``)."""

websocket_urlpatterns: list = []
