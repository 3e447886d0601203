from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "teranga.core"
    label = "core"
    verbose_name = "Teranga core"

    def ready(self) -> None:
        from teranga.core.i18n import register_wolof

        register_wolof()
