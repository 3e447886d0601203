from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "teranga.platform.messaging"
    label = "messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.urls import path

        from teranga.platform.realtime.routing import register_websocket_routes

        from . import hooks  # noqa: F401  (actions, notification type, moderation, demo)
        from .consumers import ChatConsumer

        register_websocket_routes([path("ws/chat/<uuid:conversation_id>/", ChatConsumer.as_asgi())])
