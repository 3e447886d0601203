"""The sandbox provider's hosted page (``/pay/sandbox/<payment id>/``) and the page a
payer lands on afterwards (``/pay/return/<payment id>/``). Plain Django views with
CSRF-protected forms: they are what a payer's browser shows, not API endpoints."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from teranga.core.links import app_link, link_kinds
from teranga.core.money import Money
from teranga.core.pages import in_page_language

from ..links import PAYMENT
from ..models import Payment, SandboxCharge
from ..providers import sandbox
from ..services.sandbox import sandbox_decide


@require_http_methods(["GET", "POST"])
@in_page_language
def sandbox_checkout(request, payment_id):
    if not getattr(settings, "PAYMENTS_SANDBOX_ENABLED", False):
        raise Http404
    charge = SandboxCharge.objects.filter(payment_id=payment_id).first()
    if charge is None:
        raise Http404
    if request.method == "POST" and charge.outcome == SandboxCharge.Outcome.OPEN:
        outcome = request.POST.get("outcome", "")
        if outcome in sandbox.OUTCOMES:
            sandbox_decide(payment_id=payment_id, outcome=outcome)
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


@in_page_language
def payment_return(request, payment_id):
    payment = Payment.objects.select_related("organization").filter(pk=payment_id).first()
    if payment is None:
        raise Http404
    return render(
        request,
        "payments/payment_return.html",
        {
            "payment": payment,
            "money": payment.money.format(),
            "app_url": app_link(link_kinds.get(PAYMENT), payment.pk),
        },
    )
