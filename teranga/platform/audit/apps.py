from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "teranga.platform.audit"
    label = "audit"
    verbose_name = "Audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from teranga.core import media_views

        from . import access  # noqa: F401  (registers the "audit.view" action)
        from .services import audit_private_file_served

        # A private file served through its signed link (teranga.core.media_views sits
        # below the platform: it calls what is registered here).
        media_views.private_file_observers.register(
            "audit", audit_private_file_served, origin="audit"
        )
