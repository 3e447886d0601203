from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "teranga.platform.organizations"
    label = "organizations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .public_cache import register

        register()  # the HTTP cache of the directory and the public pages
