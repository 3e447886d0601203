from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "teranga.platform.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: Django imports apps.py before any model; ready() runs once they are.
        # The broadcast notification type, its access rules and segment registry; the
        # invitation email (``organizations.invitation``) and its sender.
        from . import broadcasts, discord, invitations  # noqa: F401
