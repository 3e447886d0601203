import os

from django.apps import AppConfig
from django.conf import settings

#: DRF throttle scope of the uploads (per user); ``THROTTLE_IMPORTS`` overrides the rate.
THROTTLE_SCOPE = "imports"
DEFAULT_RATE = "30/hour"


class ImportsConfig(AppConfig):
    name = "teranga.platform.imports"
    label = "imports"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Imports"

    def ready(self) -> None:
        """What imports registers: the access rules ``imports.run`` (managers and above;
        each importer also names the product's own action) and ``imports.view`` (managers
        and above, and staff), and the rate of its throttle scope (settings first, then
        the environment, then the default, as a product's ``ThrottleScope``)."""
        from teranga.platform.organizations.access import register_action
        from teranga.platform.organizations.models import Role

        from .selectors import IMPORTS_RUN, IMPORTS_VIEW

        register_action(IMPORTS_RUN, Role.MANAGER, origin=self.label)
        register_action(IMPORTS_VIEW, Role.MANAGER, staff=True, origin=self.label)
        # Named OpenAPI enums (a derived name changes when another serializer grows a
        # field of the same name, and generated clients break).
        from .extensions import ColumnType

        overrides = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
        overrides.setdefault("ImportStatusEnum", f"{self.name}.models.ImportStatus")
        overrides.setdefault("ImportFormatEnum", f"{self.name}.models.ImportFormat")
        overrides.setdefault("ImportColumnTypeEnum", list(ColumnType.ALL))
        overrides.setdefault("ImportTemplateDelimiterEnum", ["comma", "semicolon"])
        rates = settings.REST_FRAMEWORK.setdefault("DEFAULT_THROTTLE_RATES", {})
        rates.setdefault(THROTTLE_SCOPE, os.environ.get("THROTTLE_IMPORTS") or DEFAULT_RATE)
