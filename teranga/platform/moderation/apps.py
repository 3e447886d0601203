from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "teranga.platform.moderation"
    label = "moderation"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Moderation"

    def ready(self) -> None:
        # The built-in rules register themselves; the staff terms' cache is invalidated on
        # every save and delete (signals: caches only).
        from . import rules, terms  # noqa: F401
