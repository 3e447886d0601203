"""The demo data of the Booking product: one service per payment mode; client1's men's cut
is confirmed at once (paid on site) and the braids' deposit is paid with the sandbox."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from teranga.platform.invoicing.models import Invoice
from teranga.platform.payments.models import Payment, ProviderEvent
from teranga.products.booking.models import Reservation, Service

pytestmark = pytest.mark.django_db


def test_client1_paid_a_deposit_with_the_sandbox(capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: nothing is paid twice
    payment = Payment.objects.get(
        payer__email="client1@teranga.demo", target_type="booking.reservation"
    )
    assert (payment.provider, payment.status) == ("sandbox", "succeeded")
    assert payment.fulfilment.status == "done"
    assert ProviderEvent.objects.get(payment=payment).outcome == "applied"
    reservation = Reservation.objects.select_related("booking").get(pk=payment.target_id)
    assert reservation.booking.status == "confirmed"
    assert (reservation.payment_mode, reservation.online_amount) == ("deposit", 4500)
    assert payment.amount == 4500  # 30 % of 15 000 F CFA; 10 500 are paid at the salon
    modes = dict(Service.objects.values_list("name", "payment_mode"))
    assert modes == {
        "Tresses": "deposit",
        "Coupe homme": "on_site",
        "Atelier soins du visage": "online_full",
    }
    cut = Reservation.objects.select_related("booking").get(service__name="Coupe homme")
    assert (cut.booking.status, cut.online_amount) == ("confirmed", 0)
    invoice = Invoice.objects.get(payment=payment)
    assert invoice.total_ttc == payment.amount
