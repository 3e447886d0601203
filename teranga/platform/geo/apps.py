from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "teranga.platform.geo"
    label = "geo"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .public_cache import register

        register()  # the HTTP cache of the reference lists
