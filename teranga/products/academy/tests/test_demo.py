"""The Academy's demo data: a French seller profile, three formations with recurring
sessions, client1 paid with the sandbox and got a CT- invoice, client2's bank transfer
waits for validation, some attendance, a monthly and a quarterly signal plan with client1
subscribed (a subscriber: they receive the signals); a second run changes nothing."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from teranga.platform.invoicing.models import Invoice, InvoicingProfile
from teranga.platform.payments.models import Payment
from teranga.products.academy.models import (
    Attendance,
    Enrolment,
    Formation,
    Session,
    SignalPlan,
    SignalSubscriptionPeriod,
)
from teranga.products.academy.selectors_signals import signal_subscribers

pytestmark = pytest.mark.django_db


def test_the_demo_academy(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.INVOICING_RENDER_ON_ISSUE = False
    call_command("seed_demo")

    def counted():
        return (
            Formation.objects.count(),
            Session.objects.count(),
            Attendance.objects.count(),
            SignalPlan.objects.count(),
            SignalSubscriptionPeriod.objects.count(),
        )

    counts = counted()
    call_command("seed_demo")  # idempotent
    assert counted() == counts
    assert counts[3:] == (2, 1)
    assert counts[0] == 3 and counts[1] == 48 and counts[2] > 0
    profile = InvoicingProfile.objects.get(organization__slug="calmness-trading")
    assert (profile.siret, profile.tva_number) == ("73282932000074", "FR44732829320")
    assert (profile.invoice_prefix, profile.primary_color) == ("CT", "#D4AF37")
    paid = Payment.objects.get(payer__email="client1@teranga.demo", target_type="academy.enrolment")
    assert (paid.provider, paid.status, paid.currency) == ("sandbox", "succeeded", "EUR")
    assert Enrolment.objects.get(pk=paid.target_id).status == "active"
    assert re.match(r"^CT-\d{8}-\d{4}$", Invoice.objects.get(payment=paid).number)
    manual = Payment.objects.get(
        payer__email="client2@teranga.demo", target_type="academy.enrolment"
    )
    assert (manual.method, manual.status) == ("bank_transfer", "pending")
    assert manual.transaction_number
    plans = SignalPlan.objects.filter(organization__slug="calmness-trading")
    assert sorted(plans.values_list("duration_days", "price_amount")) == [
        (30, 4_900),
        (90, 12_900),
    ]
    bought = Payment.objects.get(
        payer__email="client1@teranga.demo", target_type="academy.signal_subscription"
    )
    assert (bought.status, bought.amount) == ("succeeded", 4_900)
    subscribers = signal_subscribers(organization_id=plans[0].organization_id)
    assert [user.email for user in subscribers] == ["client1@teranga.demo"]
