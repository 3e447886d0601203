from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "teranga.platform.payments"
    label = "payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Access rules, notification types, the providers and the platform's own payables.
        from . import hooks  # noqa: F401
