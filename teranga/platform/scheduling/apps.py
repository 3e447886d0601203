from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "teranga.platform.scheduling"
    label = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """What the engine registers: its access rules, its own notification types
        (``scheduling.*``), and a re-check of the bookings whenever opening hours or
        closures change; its booking holds as a kind of held order. Its extension points are
        in ``extensions``."""
        # Imported here: Django imports apps.py before any model; ready() runs once they are.
        from teranga.core.holds import held_order_register
        from teranga.platform.notifications.extensions import notification_type_register
        from teranga.platform.organizations.extensions import (
            Role,
            availability_changed,
            register_action,
        )

        from .notices import NAMESPACE, notice_types
        from .services.bookings import BOOKING_HOLDS
        from .tasks import bookings_recheck_after_change

        # Agenda and bookings of an organisation: agents and above (and staff) read
        # them; managers and above change resources, rules and overrides.
        register_action("scheduling.view", Role.AGENT, staff=True, origin=self.label)
        register_action("scheduling.manage", Role.MANAGER, origin=self.label)
        for notification_type in notice_types(NAMESPACE):
            notification_type_register(notification_type)
        availability_changed.register(
            "scheduling.recheck", bookings_recheck_after_change, origin=self.label
        )
        # Booking holds are held orders: the one periodic job (core.holds_expire) expires
        # them once their hold has run out.
        held_order_register("scheduling.booking", BOOKING_HOLDS, origin=self.label)
