"""What can be paid for: each product registers a *payable* under a type name
(``"clinic.visit"``, ``"clinic.ticket_order"`` …). The platform never resolves a
product's object itself; it asks the payable.

* ``quote`` prices the object for the payer (the client never sends an amount) and
  says who is paid. It raises the product's 404/409 errors when the object cannot be
  paid for (not theirs, already paid, sold out …). The platform then refuses a second
  payment itself: 409 ``payment_in_progress`` while one for the same object is open,
  ``target_already_paid`` once one succeeded (unless ``Quote.paid_once`` is False).
* ``fulfil`` runs exactly once when the payment has succeeded, inside the fulfilment
  transaction (see ``services.fulfilment``). Raise ``FulfilmentRefused`` when the
  object can no longer be delivered (sold out, hold expired): the payment is then
  refunded automatically.
* ``released`` runs, in the transaction that records it, when a payment ends unpaid
  (failed, cancelled, expired); ``refunded`` when a refund succeeds. Both are optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from teranga.core.registry import Registry

if TYPE_CHECKING:
    from teranga.platform.organizations.models import Organization

    from .models import Payment, Refund


class FulfilmentRefused(Exception):
    """The product cannot deliver what was paid for; the payment is refunded."""


@dataclass(frozen=True)
class QuoteLine:
    description: str
    unit_amount: int  # minor units, taxes included (what the payer pays per unit)
    quantity: int = 1
    #: VAT rate in percent (``Decimal("18")``); ``None``: the seller's default rate.
    vat_rate: Decimal | None = None

    @property
    def total(self) -> int:
        return self.unit_amount * self.quantity


@dataclass(frozen=True)
class Quote:
    organization: Organization  # the payee
    currency: str
    description: str
    lines: tuple[QuoteLine, ...]
    #: Coupon scopes this object belongs to, e.g. (("clinic.service", "<id>"),).
    scopes: tuple[tuple[str, str], ...] = ()
    #: The payment cannot outlive this (a slot hold, a ticket reservation).
    expires_at: datetime | None = None
    #: Whether coupons may apply at all (subscriptions: no).
    coupons_allowed: bool = True
    #: Whether one successful payment settles the object for good (a reservation, an
    #: order): then no other payment for it may start. False for what is paid again and
    #: again (a subscription's periods). Either way, only one payment at a time is open.
    paid_once: bool = True
    metadata: dict = field(default_factory=dict)

    @property
    def amount(self) -> int:
        return sum(line.total for line in self.lines)


class Payable(Protocol):
    def quote(self, *, target_id: str, payer) -> Quote: ...

    def fulfil(self, *, payment: Payment) -> None: ...

    def released(self, *, payment: Payment) -> None: ...

    def refunded(self, *, payment: Payment, refund: Refund) -> None: ...


class PayableBase:
    """Optional hooks do nothing by default."""

    def released(self, *, payment: Payment) -> None:
        return None

    def refunded(self, *, payment: Payment, refund: Refund) -> None:
        return None


payables: Registry[Payable] = Registry("payable")
