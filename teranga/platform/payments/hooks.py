"""What the payments app registers when Django starts, and the hooks other platform apps
(invoicing) register into: called inside the transaction that records the event, so
what they write (an invoice, a credit note) is as durable as the event itself."""

from __future__ import annotations

from collections.abc import Callable

from teranga.platform.organizations.access import register_action
from teranga.platform.organizations.models import Role

from .providers.registry import register_builtin_providers

#: ``hook(payment)`` after a payment's fulfilment succeeded (same transaction).
payment_fulfilled_hooks: list[Callable] = []
#: ``hook(refund)`` when a refund has succeeded (same transaction).
refund_succeeded_hooks: list[Callable] = []

# An organisation's payments: agents and above read them (and staff); managers and above
# refund and review manual payments; admins manage coupons, provider accounts and the
# subscription.
register_action("payments.view", Role.AGENT, staff=True)
register_action("payments.refund", Role.MANAGER)
register_action("payments.review", Role.MANAGER, staff=True)
register_action("payments.accounts.manage", Role.ADMIN)
register_action("coupons.view", Role.MANAGER, staff=True)
register_action("coupons.manage", Role.MANAGER)
register_action("subscription.view", Role.ADMIN, staff=True)
register_action("subscription.manage", Role.ADMIN)

register_builtin_providers()

# Notification types of payments, and the subscriptions' payable and notification types
# (imported for their registration).
from . import notices  # noqa: E402, F401
from .services import subscriptions  # noqa: E402, F401
