from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "teranga.platform.invoicing"
    label = "invoicing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Access rules, the notification type and the payments hooks.
        from . import hooks  # noqa: F401
