from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "teranga.platform.payments"
    label = "payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """What payments registers: its access rules, its providers, the platform's own
        plan limit, and (by importing them) its notification types and the subscriptions'
        payable. Its extension points are in ``extensions``."""
        # Imported here: Django imports apps.py before any model; ready() runs once they are.
        from django.utils.translation import gettext_lazy

        from teranga.platform.organizations.access import register_action
        from teranga.platform.organizations.models import Role

        from . import link_kinds, notices  # noqa: F401  (notification types)
        from .extensions import PlanLimit, plan_limits
        from .providers.registry import register_builtin_providers
        from .services import subscriptions  # noqa: F401  (the subscriptions' payable)
        from .services.subscriptions import BRANCHES

        # An organisation's payments: agents and above read them (and staff); managers
        # and above refund and review manual payments; admins manage coupons, provider
        # accounts and the subscription.
        for action, role, staff in (
            ("payments.view", Role.AGENT, True),
            ("payments.refund", Role.MANAGER, False),
            ("payments.review", Role.MANAGER, True),
            ("payments.accounts.manage", Role.ADMIN, False),
            ("coupons.view", Role.MANAGER, True),
            ("coupons.manage", Role.MANAGER, False),
            ("subscription.view", Role.ADMIN, True),
            ("subscription.manage", Role.ADMIN, False),
        ):
            register_action(action, role, staff=staff, origin=self.label)
        register_builtin_providers()
        link_kinds.register(self.label)
        plan_limits.register(
            BRANCHES, PlanLimit(label=gettext_lazy("branches"), free_tier=1), origin=self.label
        )
