"""The demo data of the Booking product: client1's deposit paid with the sandbox."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from teranga.platform.invoicing.models import Invoice
from teranga.platform.payments.models import Payment, ProviderEvent
from teranga.products.booking.models import Reservation

pytestmark = pytest.mark.django_db


def test_client1_paid_a_deposit_with_the_sandbox(capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: nothing is paid twice
    payment = Payment.objects.get(payer__email="client1@teranga.demo")
    assert (payment.provider, payment.status) == ("sandbox", "succeeded")
    assert payment.fulfilment.status == "done"
    assert ProviderEvent.objects.get(payment=payment).outcome == "applied"
    reservation = Reservation.objects.select_related("booking").get(pk=payment.target_id)
    assert reservation.booking.status == "confirmed"
    invoice = Invoice.objects.get(payment=payment)
    assert invoice.total_ttc == payment.amount
