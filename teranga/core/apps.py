from importlib import import_module

from django.apps import AppConfig, apps
from django.utils.module_loading import module_has_submodule


class CoreConfig(AppConfig):
    name = "teranga.core"
    label = "core"
    verbose_name = "Teranga core"

    def ready(self) -> None:
        from teranga.core.i18n import register_wolof

        register_wolof()
        # The schema's serializer-field extension registers itself when imported.
        import_module("teranga.core.schema")
        # The error catalogues: each Teranga app's ``errors`` module, imported now (before
        # the registries freeze), so a platform app's catalogue registers itself however
        # lazily its services are imported. Products register theirs through the contract.
        for app_config in apps.get_app_configs():
            if app_config.name.startswith("teranga.") and module_has_submodule(
                app_config.module, "errors"
            ):
                import_module(f"{app_config.name}.errors")
