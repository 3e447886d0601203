from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "teranga.platform.calendars"
    label = "calendars"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Two-way calendar sync plugs into the scheduling engine through its hooks (a
        booking changed: push it; a staff member's busy times: block their slots),
        registers its providers, its error codes and its notification type."""
        from django.utils.translation import gettext_lazy

        from teranga.core.links import LinkKind, link_kind_register
        from teranga.platform.notifications.extensions import notification_type_register
        from teranga.platform.scheduling.extensions import booking_observers, busy_sources

        from . import errors  # noqa: F401  (registers the error catalogue)
        from .notices import CONNECTION_REVOKED_TYPE
        from .providers.registry import register_builtin_providers
        from .selectors import busy_of_resource
        from .services import booking_changed
        from .services.sync import LINK_KIND

        register_builtin_providers()
        # The callback page hands over to the app's screen of the connection.
        link_kind_register(
            LinkKind(
                LINK_KIND,
                gettext_lazy("Calendar connection"),
                "calendar/connections/{id}",
            ),
            origin=self.label,
        )
        notification_type_register(CONNECTION_REVOKED_TYPE)
        booking_observers.register("calendars.push", booking_changed, origin=self.label)
        busy_sources.register("calendars.busy", busy_of_resource, origin=self.label)
