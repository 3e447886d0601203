"""What payment links point at (``teranga.core.links``): a payment, and an
organisation's subscription (by the organisation's id)."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from teranga.core.links import LinkKind, link_kind_register, local_time_text, summary_of

from .links import PAYMENT, SUBSCRIPTION


def _payment(user, payment_id):
    from .selectors import payment_detail

    return payment_detail(user=user, payment_id=payment_id)


def _payment_rows(payment) -> list[tuple]:
    return [
        (gettext("Amount"), payment.money.format()),
        (gettext("Description"), payment.description),
        (gettext("Business"), payment.organization.name),
        (gettext("Status"), payment.get_status_display()),
    ]


def _subscription(user, organization_id):
    from .services.subscriptions.choice import subscription_get

    return subscription_get(user=user, organization_id=organization_id)


def _subscription_rows(subscription) -> list[tuple]:
    organization = subscription.organization
    return [
        (gettext("Business"), organization.name),
        (gettext("Plan"), subscription.plan.name),
        (gettext("Status"), subscription.get_status_display()),
        (
            gettext("Current period ends"),
            local_time_text(subscription.current_period_end, organization.time_zone),
        ),
    ]


def register(origin: str) -> None:
    link_kind_register(
        LinkKind(PAYMENT, gettext_lazy("Payment"), "payments/{id}",
                 summary=summary_of(_payment, _payment_rows)),
        origin=origin,
    )
    link_kind_register(
        LinkKind(SUBSCRIPTION, gettext_lazy("Subscription"), "organizations/{id}/subscription",
                 summary=summary_of(_subscription, _subscription_rows)),
        origin=origin,
    )
