from django.apps import AppConfig


class SmartQueueConfig(AppConfig):
    name = "teranga.products.smartqueue"
    label = "smartqueue"
    verbose_name = "SmartQueue"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import hooks  # noqa: F401  (registers access rules, payables, sockets …)
