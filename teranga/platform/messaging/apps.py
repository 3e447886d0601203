from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "teranga.platform.messaging"
    label = "messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """What messaging registers: organisation actions, the ``chat.message``
        notification type (``notices``), the ``messaging.message`` moderation kind
        (``moderation_kind``), the chat socket and the demo data."""
        from django.urls import path

        from teranga.platform.organizations.extensions import Role, demo_loaders, register_action
        from teranga.platform.realtime.extensions import register_websocket_routes

        from . import link_kinds, moderation_kind, notices  # noqa: F401  (the type)
        from .access import SUPPORT_ANSWER, SUPPORT_SETTINGS_MANAGE, SUPPORT_SETTINGS_VIEW
        from .consumers import ChatConsumer
        from .demo import load as load_demo

        # Agents and above answer the support conversations of their organisation and
        # read its support settings; admins and above change them.
        register_action(SUPPORT_ANSWER, Role.AGENT, origin=self.label)
        register_action(SUPPORT_SETTINGS_VIEW, Role.AGENT, staff=True, origin=self.label)
        register_action(SUPPORT_SETTINGS_MANAGE, Role.ADMIN, origin=self.label)
        register_websocket_routes(
            [path("ws/chat/<uuid:conversation_id>/", ChatConsumer.as_asgi())], origin=self.label
        )
        demo_loaders.register("messaging", load_demo, origin=self.label)
        link_kinds.register(self.label)
        moderation_kind.register(self.label)
