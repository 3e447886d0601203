"""What the payments module tells people, through the notifications module.

* the payer: payment succeeded, payment failed, refund made;
* the payee organisation's owners, admins and managers: a manual payment awaits review,
  a refund failed (it must be made by other means), a fulfilment was refused and
  refunded automatically.

Each notification carries an idempotency key naming the payment (or refund) and the
event, so a retried transition never tells anyone twice. Called inside the services'
transactions: recorded with the change, delivered after commit.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.core.links import object_link
from teranga.core.money import Money
from teranga.platform.notifications.models import Channel
from teranga.platform.notifications.services import notification_send
from teranga.platform.notifications.types import NotificationType, notification_type_register
from teranga.platform.organizations.models import Membership, Role

from .links import PAYMENT
from .models import Payment, Refund

PAYER_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.PUSH, Channel.WEBSOCKET)
STAFF_CHANNELS = (Channel.EMAIL, Channel.WEBSOCKET)
STAFF_ROLES = (Role.OWNER, Role.ADMIN, Role.MANAGER)


def _f(ctx: dict[str, Any]) -> dict[str, str]:
    money = Money(int(ctx.get("amount", 0)), ctx.get("currency", "XOF"))
    return {
        "description": ctx.get("description", ""),
        "organization": ctx.get("organization", ""),
        "amount": money.format(),
        "reason": ctx.get("reason", ""),
        "number": ctx.get("transaction_number", ""),
    }


TYPES = {
    "payment.succeeded": (
        PAYER_CHANNELS,
        lambda ctx: _("Payment received"),
        lambda ctx: (
            _(
                "Your payment of %(amount)s to %(organization)s for “%(description)s” "
                "has been received."
            )
            % _f(ctx)
        ),
    ),
    "payment.failed": (
        PAYER_CHANNELS,
        lambda ctx: _("Payment failed"),
        lambda ctx: (
            _(
                "Your payment of %(amount)s for “%(description)s” did not go through. "
                "Nothing was charged."
            )
            % _f(ctx)
        ),
    ),
    "payment.refunded": (
        PAYER_CHANNELS,
        lambda ctx: _("Refund made"),
        lambda ctx: _("%(organization)s refunded %(amount)s for “%(description)s”.") % _f(ctx),
    ),
    "payment.manual_declared": (
        STAFF_CHANNELS,
        lambda ctx: _("Payment to review"),
        lambda ctx: (
            _(
                "A payment of %(amount)s for “%(description)s” was declared with "
                "transaction number %(number)s. Please validate or reject it."
            )
            % _f(ctx)
        ),
    ),
    "payment.refund_failed": (
        STAFF_CHANNELS,
        lambda ctx: _("Refund failed"),
        lambda ctx: (
            _(
                "The refund of %(amount)s for “%(description)s” could not be made "
                "through the provider (%(reason)s). Please refund the client by other "
                "means."
            )
            % _f(ctx)
        ),
    ),
    "payment.fulfilment_refused": (
        STAFF_CHANNELS,
        lambda ctx: _("Paid order could not be delivered"),
        lambda ctx: (
            _(
                "“%(description)s” was paid (%(amount)s) but could not be delivered "
                "(%(reason)s); the payment is being refunded."
            )
            % _f(ctx)
        ),
    ),
}

#: Telling the payer that their money moved (a receipt, a failed payment, a refund) is a
#: transactional message: French and Senegalese law allow it without consent and the
#: payer needs it, so preferences and quiet hours do not hold it back. Staff notices are
#: left out of clients' preferences.
URGENT = frozenset({"payment.succeeded", "payment.failed", "payment.refunded"})
#: What the preferences screen calls them.
LABELS = {
    "payment.succeeded": gettext_lazy("Payment receipts"),
    "payment.failed": gettext_lazy("Failed payments"),
    "payment.refunded": gettext_lazy("Refunds"),
    "payment.manual_declared": gettext_lazy("Payments to review"),
    "payment.refund_failed": gettext_lazy("Failed refunds"),
    "payment.fulfilment_refused": gettext_lazy("Paid orders not delivered"),
}

for _name, (_channels, _title, _body) in TYPES.items():
    notification_type_register(
        NotificationType(
            name=_name,
            channels=_channels,
            title=_title,
            body=_body,
            urgent=_name in URGENT,
            staff_only=_channels == STAFF_CHANNELS,
            label=LABELS.get(_name),
        )
    )


def _context(payment: Payment, **extra) -> dict[str, Any]:
    return {
        "payment_id": str(payment.pk),
        "description": payment.description,
        "organization": payment.organization.name,
        "amount": int(payment.amount),
        "currency": payment.currency,
        "transaction_number": payment.transaction_number,
        **extra,
    }


def _link(payment: Payment) -> str:
    return object_link(PAYMENT, payment.pk)


def tell_payer(payment: Payment, event: str, *, refund: Refund | None = None) -> None:
    if payment.payer_id is None:
        return
    extra = {}
    key = f"payment:{payment.pk}:{event}"
    if refund is not None:
        extra = {"amount": int(refund.amount)}
        key = f"refund:{refund.pk}:{event}"
    notification_send(
        recipient=payment.payer,
        kind=f"payment.{event}",
        context=_context(payment, **extra),
        link=_link(payment),
        idempotency_key=key,
    )


def tell_staff(
    payment: Payment, event: str, *, refund: Refund | None = None, reason: str = ""
) -> None:
    extra: dict[str, Any] = {"reason": reason}
    key = f"payment:{payment.pk}:{event}"
    if refund is not None:
        extra["amount"] = int(refund.amount)
        key = f"refund:{refund.pk}:{event}"
    recipients = (
        Membership.objects.filter(organization_id=payment.organization_id, role__in=STAFF_ROLES)
        .select_related("user")
        .order_by("created_at")
    )
    for membership in recipients:
        notification_send(
            recipient=membership.user,
            kind=f"payment.{event}",
            context=_context(payment, **extra),
            link=_link(payment),
            idempotency_key=f"{key}:{membership.user_id}",
        )
