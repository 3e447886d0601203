from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "teranga.platform.realtime"
    label = "realtime"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.urls import path

        from teranga.platform.realtime.consumers import NotificationsConsumer
        from teranga.platform.realtime.routing import register_websocket_routes

        register_websocket_routes(
            [path("ws/notifications/", NotificationsConsumer.as_asgi())], origin=self.label
        )
