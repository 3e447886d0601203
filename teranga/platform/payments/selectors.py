"""Reads of payments: the payer's own, an organisation's, one with its history."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound
from teranga.platform.organizations.access import can, get_organization_for
from teranga.platform.payments.errors import PaymentError

from .models import PAID_STATUSES, Payment, PaymentEvent, Refund

PAYMENTS_VIEW = "payments.view"


def _base() -> QuerySet[Payment]:
    return Payment.objects.select_related("organization", "payer", "fulfilment")


def _filtered(queryset: QuerySet[Payment], filters: dict) -> QuerySet[Payment]:
    if filters.get("status"):
        queryset = queryset.filter(status__in=filters["status"])
    if filters.get("provider"):
        queryset = queryset.filter(provider=filters["provider"])
    if filters.get("target_type"):
        queryset = queryset.filter(target_type=filters["target_type"])
    if filters.get("created_from"):
        queryset = queryset.filter(created_at__date__gte=filters["created_from"])
    if filters.get("created_to"):
        queryset = queryset.filter(created_at__date__lte=filters["created_to"])
    if filters.get("q"):
        q = filters["q"]
        queryset = queryset.filter(
            Q(description__icontains=q)
            | Q(payer_email__icontains=q)
            | Q(transaction_number__icontains=q)
            | Q(provider_reference=q)
        )
    return queryset.order_by(filters.get("ordering") or "-created_at")


def payments_of_payer(*, user, filters: dict) -> QuerySet[Payment]:
    return _filtered(_base().filter(payer=user), filters)


def payments_of_organization(*, organization, filters: dict) -> QuerySet[Payment]:
    return _filtered(_base().filter(organization=organization), filters)


def payment_detail(*, user, payment_id) -> Payment:
    """For its payer, or the payee's agents and above (and staff); anyone else 404."""
    payment = (
        _base()
        .prefetch_related(
            Prefetch("events", queryset=PaymentEvent.objects.order_by("created_at")),
            Prefetch("refunds", queryset=Refund.objects.order_by("created_at")),
        )
        .filter(pk=payment_id)
        .first()
    )
    if payment is None:
        raise NotFound(_("No such payment."), code=PaymentError.PAYMENT_NOT_FOUND)
    if payment.payer_id == user.pk:
        payment.viewer_is_payer = True
        return payment
    if not can(user, payment.organization, PAYMENTS_VIEW):
        raise NotFound(_("No such payment."), code=PaymentError.PAYMENT_NOT_FOUND)
    payment.viewer_is_payer = False
    return payment


def organization_for_listing(*, user, organization_id):
    return get_organization_for(user, organization_id, PAYMENTS_VIEW)


def target_paid(*, target_type: str, target_id) -> bool:
    """Whether something was already paid for (a product refusing a second payment)."""
    return Payment.objects.filter(
        target_type=target_type, target_id=str(target_id), status__in=PAID_STATUSES
    ).exists()


def paid_net_of_target(*, target_type: str, target_id, currency: str | None = None):
    """What was paid for one target, net of succeeded refunds, as a subquery expression
    for annotating (or summing over) the target's own rows: ``target_id`` is an
    expression of the target's id as stored on payments (text, e.g. ``OuterRef("key")``).
    Payments that succeeded count (refunded since or not: ``amount - refunded_amount``,
    a refund counting once it succeeded); ``currency`` keeps only that currency's. NULL
    when nothing was paid (``Coalesce`` it). Uses the ``(target_type, target_id)``
    index."""
    from django.db.models import BigIntegerField, F, Subquery, Sum

    payments = Payment.objects.filter(
        target_type=target_type, target_id=target_id, status__in=PAID_STATUSES
    )
    if currency:
        payments = payments.filter(currency=currency)
    net = (
        payments.order_by()
        .values("target_type")
        .annotate(net=Sum(F("amount") - F("refunded_amount")))
        .values("net")[:1]
    )
    return Subquery(net, output_field=BigIntegerField())
