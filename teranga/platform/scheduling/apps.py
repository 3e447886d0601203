from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "teranga.platform.scheduling"
    label = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import hooks  # noqa: F401  (registers access rules, notification types, hooks)
