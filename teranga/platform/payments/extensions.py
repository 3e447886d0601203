"""The payments app's extension points: everything another app plugs into payments with.

* :data:`payables` — what can be paid for (``Payable``: quote, fulfil, released,
  refunded), under a type name of the registering app (``"clinic.visit"``);
* :data:`payment_fulfilled` / :data:`refund_succeeded` — ``handler(payment)`` /
  ``handler(refund)`` called inside the transaction that records the event, so what they
  write (an invoice, a credit note) is as durable as the event itself; the payment comes
  locked, read with its organisation and payer (``state.payment_lock``);
* :data:`plan_limits` / :data:`plan_features` — the limits and features a subscription
  plan speaks of, each with its label and free-tier value; the app that enforces a limit
  declares it (``subscription_limit_check(key=…)``);
* :data:`payment_providers` — the payment gateways (the platform's own adapters).

Products fill these through the product contract (``teranga.platform.contract``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from teranga.core.registry import Registry

from .payables import FulfilmentRefused, Payable, PayableBase, Quote, QuoteLine, payables
from .providers.registry import payment_providers

payment_fulfilled: Registry[Callable[..., None]] = Registry("payment-fulfilled handler")
refund_succeeded: Registry[Callable[..., None]] = Registry("refund-succeeded handler")


@dataclass(frozen=True)
class PlanLimit:
    """A countable limit of a plan. ``label`` names what is counted, for people (a lazy
    string, plural: "counters"); ``free_tier`` is the limit without a subscription in
    force (``None``: unlimited)."""

    label: Any
    free_tier: int | None


@dataclass(frozen=True)
class PlanFeature:
    """A feature a plan may include; ``free_tier``: included without a subscription."""

    label: Any
    free_tier: bool = False


plan_limits: Registry[PlanLimit] = Registry("plan limit")
plan_features: Registry[PlanFeature] = Registry("plan feature")

__all__ = [
    "FulfilmentRefused",
    "Payable",
    "PayableBase",
    "PlanFeature",
    "PlanLimit",
    "Quote",
    "QuoteLine",
    "payables",
    "payment_fulfilled",
    "payment_providers",
    "plan_features",
    "plan_limits",
    "refund_succeeded",
]
