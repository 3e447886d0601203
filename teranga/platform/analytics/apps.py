import os

from django.apps import AppConfig
from django.conf import settings

#: DRF throttle scope of the collection endpoint (per client address);
#: ``THROTTLE_ANALYTICS_COLLECT`` overrides the rate.
THROTTLE_SCOPE = "analytics_collect"
DEFAULT_RATE = "600/min"
#: The CSV export's scope (per user); ``THROTTLE_ANALYTICS_EXPORT`` overrides it.
EXPORT_THROTTLE_SCOPE = "analytics_export"


class AnalyticsConfig(AppConfig):
    name = "teranga.platform.analytics"
    label = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """What analytics registers: the access rules ``analytics.view`` (managers and
        above, and staff: the reports and their export) and ``analytics.manage`` (admins
        and above: sites, goals, funnels), the GDPR eraser and exporter of a user's
        demographics, the demo traffic, the named OpenAPI enums and its throttle scope's
        rate."""
        from corsheaders.signals import check_request_enabled

        from teranga.core.pages import page_head_hooks
        from teranga.platform.accounts.extensions import user_erasers, user_exporters
        from teranga.platform.organizations.extensions import Role, demo_loaders, register_action

        from .cors import collect_origin_allowed
        from .demo import load as load_demo
        from .selectors import ANALYTICS_MANAGE, ANALYTICS_VIEW
        from .services import demographics_erase, demographics_export
        from .templatetags.analytics import script_for

        # Pages on a site's domains may send from the browser (django-cors-headers' hook).
        check_request_enabled.connect(collect_origin_allowed, dispatch_uid="analytics.collect")
        register_action(ANALYTICS_VIEW, Role.MANAGER, staff=True, origin=self.label)
        register_action(ANALYTICS_MANAGE, Role.ADMIN, origin=self.label)
        user_erasers.register("analytics.demographics", demographics_erase, origin=self.label)
        user_exporters.register("analytics.demographics", demographics_export, origin=self.label)
        demo_loaders.register("analytics", load_demo, origin=self.label)
        # An organisation's object pages (an event, a listing) count in its reports.
        page_head_hooks.register("analytics", script_for, origin=self.label)
        overrides = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
        overrides.setdefault("AnalyticsDeviceEnum", f"{self.name}.models.Device")
        overrides.setdefault("GenderEnum", f"{self.name}.models.Gender")
        overrides.setdefault("AgeRangeEnum", f"{self.name}.models.AgeRange")
        overrides.setdefault("GoalKindEnum", f"{self.name}.models.GoalKind")
        overrides.setdefault("AnalyticsPeriodEnum", ["today", "7d", "30d", "90d", "12mo"])
        rates = settings.REST_FRAMEWORK.setdefault("DEFAULT_THROTTLE_RATES", {})
        rates.setdefault(
            EXPORT_THROTTLE_SCOPE, os.environ.get("THROTTLE_ANALYTICS_EXPORT") or "30/hour"
        )
        rates.setdefault(
            THROTTLE_SCOPE, os.environ.get("THROTTLE_ANALYTICS_COLLECT") or DEFAULT_RATE
        )
