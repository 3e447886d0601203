from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "teranga.products.booking"
    label = "booking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import hooks  # noqa: F401  (registers access rules)
