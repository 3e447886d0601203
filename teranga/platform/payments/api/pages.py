"""The sandbox provider's hosted page (``/pay/sandbox/<payment id>/``) and the page a
payer lands on afterwards (``/pay/return/<payment id>/``). Plain Django views with
CSRF-protected forms: they are what a payer's browser shows, not API endpoints."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from teranga.core.money import Money

from ..models import Payment, SandboxCharge
from ..providers import sandbox

OUTCOMES = {
    "succeeded": (SandboxCharge.Outcome.SUCCEEDED, "payment.succeeded"),
    "failed": (SandboxCharge.Outcome.FAILED, "payment.failed"),
    "cancelled": (SandboxCharge.Outcome.CANCELLED, "payment.cancelled"),
}


@require_http_methods(["GET", "POST"])
def sandbox_checkout(request, payment_id):
    if not getattr(settings, "PAYMENTS_SANDBOX_ENABLED", False):
        raise Http404
    charge = SandboxCharge.objects.filter(payment_id=payment_id).first()
    if charge is None:
        raise Http404
    if request.method == "POST" and charge.outcome == SandboxCharge.Outcome.OPEN:
        choice = OUTCOMES.get(request.POST.get("outcome", ""))
        if choice is not None:
            _decide(charge.pk, *choice)
            charge.refresh_from_db()
    payment = Payment.objects.filter(pk=payment_id).only("return_url").first()
    return render(
        request,
        "payments/sandbox_checkout.html",
        {
            "charge": charge,
            "money": Money(int(charge.amount), charge.currency).format(),
            "return_url": payment.return_url if payment else "",
        },
        status=200,
    )


def _decide(charge_id, outcome: str, event_type: str) -> None:
    """Record the payer's choice on the provider side, then send the signed webhook
    after commit, through the task engine (as a provider calls back asynchronously)."""
    from ..tasks import sandbox_webhook_deliver_task

    with transaction.atomic():
        charge = SandboxCharge.objects.select_for_update().get(pk=charge_id)
        if charge.outcome != SandboxCharge.Outcome.OPEN:
            return
        charge.outcome = outcome
        charge.save(update_fields=["outcome", "updated_at"])
        body = sandbox.event_body(charge, event_type=event_type)
        signature = sandbox.sign(body)
        transaction.on_commit(
            lambda: sandbox_webhook_deliver_task.enqueue(body=body.decode(), signature=signature)
        )


def payment_return(request, payment_id):
    payment = Payment.objects.select_related("organization").filter(pk=payment_id).first()
    if payment is None:
        raise Http404
    return render(
        request,
        "payments/payment_return.html",
        {"payment": payment, "money": payment.money.format()},
    )
