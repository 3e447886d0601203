"""Invoices for payments and credit notes for refunds, through the payments' hooks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from teranga.core.errors import Conflict
from teranga.core.links import object_link
from teranga.platform.invoicing import payments_handlers as hooks
from teranga.platform.invoicing.models import Invoice, InvoiceKind
from teranga.platform.invoicing.services import (
    credit_note_for_refund,
    credit_note_issue,
    invoice_for_payment,
)
from teranga.platform.notifications.models import Notification
from teranga.platform.payments.extensions import payment_fulfilled, refund_succeeded
from teranga.platform.payments.models import PaymentMethod, PaymentStatus

from .factories import (
    BUYER_SIRET,
    buyer_user,
    fr_seller,
    make_payment,
    make_refund,
    manager_of,
    sn_seller,
)

pytestmark = pytest.mark.django_db


def test_hooks_are_registered_once():
    assert payment_fulfilled.values().count(hooks.on_payment_fulfilled) == 1
    assert refund_succeeded.values().count(hooks.on_refund_succeeded) == 1


def test_a_fulfilled_payment_gets_one_invoice_through_the_hook():
    organization = sn_seller()
    payer = buyer_user()
    payment = make_payment(
        organization,
        payer,
        lines=[{"description": "Coupe", "unit_amount": 5000, "quantity": 2, "vat_rate": None}],
        provider="wave",
    )
    hooks.on_payment_fulfilled(payment)
    hooks.on_payment_fulfilled(payment=payment)  # a retry, a second worker
    invoice = Invoice.objects.get(payment=payment)
    assert invoice_for_payment(payment=payment).pk == invoice.pk
    assert Invoice.objects.count() == 1

    assert invoice.kind == InvoiceKind.INVOICE
    assert invoice.number.startswith("FAC-") and invoice.sequence == 1
    assert invoice.total_ttc == payment.amount == 10000
    assert (invoice.total_ht, invoice.total_tva) == (8475, 1525)  # 18 % by default in Senegal
    assert invoice.vat_breakdown == [
        {"rate": "18", "category": "S", "ht": 8475, "tva": 1525, "ttc": 10000}
    ]
    assert invoice.paid and invoice.due_date == invoice.issue_date
    assert invoice.payment_method == "wave"
    assert "Facture acquittée" in invoice.payment_terms and "Wave" in invoice.payment_terms
    assert invoice.buyer_user == payer
    assert invoice.buyer["name"] == "Awa Diop"
    assert invoice.buyer["address_line1"] == "Rue 10, Point E"
    assert invoice.buyer["city"] == "Dakar" and not invoice.buyer["is_business"]
    assert invoice.seller["ninea"] == "005123456" and invoice.seller["rccm"].startswith("SN-")
    line = invoice.lines.get()
    assert (line.quantity, line.unit_amount, line.vat_rate) == (Decimal(2), 5000, Decimal(18))

    notification = Notification.objects.get(idempotency_key=f"invoice:{invoice.pk}:issued")
    assert notification.recipient == payer and notification.kind == "invoice.issued"
    assert notification.link == object_link("invoicing.invoice", invoice.pk)
    assert invoice.number in notification.title
    assert sorted(d.channel for d in notification.deliveries.all()) == ["email", "websocket"]


def test_the_notification_speaks_the_buyers_language():
    organization = sn_seller()
    payer = buyer_user(language="en")
    invoice = invoice_for_payment(payment=make_payment(organization, payer))
    notification = Notification.objects.get(recipient=payer)
    assert notification.title == f"Invoice {invoice.number}"
    assert notification.language == "en"


def test_coupons_become_a_discount_line_per_rate_and_the_total_is_what_was_paid():
    organization = fr_seller()
    payer = buyer_user()
    payment = make_payment(
        organization,
        payer,
        lines=[
            {"description": "Formation", "unit_amount": 12000, "quantity": 1, "vat_rate": "20"},
            {"description": "Livre", "unit_amount": 2110, "quantity": 2, "vat_rate": "5.5"},
        ],
        amount=14000,  # 16 220 before a coupon of 2 220
    )
    invoice = invoice_for_payment(payment=payment)
    assert invoice.total_ttc == 14000
    lines = list(invoice.lines.order_by("position"))
    discounts = [line for line in lines if line.description.startswith("Remise")]
    assert len(discounts) == 2
    assert sum(line.total_ttc for line in discounts) == -2220
    # Split in proportion to each rate's amount (12 000 and 4 220 of 16 220), largest remainder.
    by_rate = {line.vat_rate: line.total_ttc for line in discounts}
    assert by_rate == {Decimal(20): -1642, Decimal("5.5"): -578}  # 1642.42, 577.58
    rows = {row["rate"]: row for row in invoice.vat_breakdown}
    assert rows["20"]["ttc"] == 12000 - 1642 and rows["5.5"]["ttc"] == 4220 - 578
    for row in rows.values():
        assert row["ht"] + row["tva"] == row["ttc"]


def test_a_b2b_buyer_from_the_payment_metadata():
    organization = fr_seller()
    payer = buyer_user()
    payment = make_payment(
        organization,
        payer,
        metadata={
            "buyer": {
                "name": "Entreprise Cliente SARL",
                "address": "5 avenue Foch",
                "postal_code": "75016",
                "city": "Paris",
                "country": "FR",
                "siret": BUYER_SIRET,
                "vat_number": "FR 12 443061841",
                "is_business": True,
                "unknown": "ignored",
            }
        },
    )
    invoice = invoice_for_payment(payment=payment)
    assert invoice.buyer_is_business
    assert invoice.buyer["name"] == "Entreprise Cliente SARL"
    assert invoice.buyer["address_line1"] == "5 avenue Foch"
    assert invoice.buyer["siret"] == BUYER_SIRET
    assert invoice.buyer["vat_number"] == "FR12443061841"
    assert invoice.buyer["email"] == payer.email
    assert "unknown" not in invoice.buyer
    codes = [mention["code"] for mention in invoice.mentions]
    assert "recovery_indemnity" in codes  # French seller, business buyer


def test_unreadable_lines_give_one_line_for_the_amount():
    organization = sn_seller()
    payment = make_payment(
        organization, buyer_user(), lines=[{"description": "?", "unit_amount": "abc"}], amount=7000
    )
    invoice = invoice_for_payment(payment=payment)
    line = invoice.lines.get()
    assert (line.description, line.total_ttc) == ("Formation", 7000)


@pytest.mark.parametrize(
    "line",
    [
        {"description": "?", "unit_amount": 100, "quantity": "0.0001"},  # too precise
        {"description": "?", "unit_amount": 100, "quantity": 0},
        {"description": "?", "unit_amount": -100},
        {"description": "?", "unit_amount": True},
        {"description": "?", "unit_amount": 100, "vat_rate": "abc"},
        {"description": "?", "unit_amount": 100, "vat_rate": "150"},
        {"description": "?", "unit_amount": 10**14, "quantity": 1000},  # absurd
        "not a line",
    ],
)
def test_any_unreadable_line_falls_back_to_one_line(line):
    payment = make_payment(sn_seller(), buyer_user(), lines=[line], amount=7000)
    invoice = invoice_for_payment(payment=payment)
    assert [(item.description, item.total_ttc) for item in invoice.lines.all()] == [
        ("Formation", 7000)
    ]


def test_a_payment_larger_than_its_lines_gets_an_adjustment_line():
    organization = sn_seller()
    payment = make_payment(
        organization,
        buyer_user(),
        lines=[{"description": "A", "unit_amount": 1000, "quantity": 1}],
        amount=1500,
    )
    invoice = invoice_for_payment(payment=payment)
    assert invoice.total_ttc == 1500
    assert invoice.lines.order_by("position").last().description == "Ajustement"


def test_a_manual_payment_and_an_exempt_seller():
    organization = sn_seller(vat_exempt=True)
    payment = make_payment(
        organization,
        buyer_user(),
        lines=[{"description": "Cours", "unit_amount": 25000, "quantity": 1, "vat_rate": "18"}],
        method=PaymentMethod.CASH,
        transaction_number="REC-1",
    )
    invoice = invoice_for_payment(payment=payment)
    assert (invoice.total_ht, invoice.total_tva, invoice.total_ttc) == (25000, 0, 25000)
    assert invoice.vat_breakdown[0]["category"] == "E"
    assert invoice.mentions[0] == {
        "code": "vat_exemption",
        "text": "TVA non applicable, art. 293 B du CGI",
    }
    assert invoice.payment_method == "cash" and "espèces" in invoice.payment_terms


def test_a_payment_without_account_uses_the_payer_email():
    organization = sn_seller()
    payment = make_payment(organization, None, payer_email="anon@example.test")
    invoice = invoice_for_payment(payment=payment)
    assert invoice.buyer_user is None
    assert invoice.buyer["name"] == "anon@example.test"
    assert not Notification.objects.exists()


def test_an_unpaid_payment_gets_no_invoice():
    organization = sn_seller()
    payment = make_payment(organization, buyer_user(), status=PaymentStatus.PENDING)
    with pytest.raises(Conflict) as error:
        invoice_for_payment(payment=payment)
    assert error.value.code == "payment_not_paid"
    assert not Invoice.objects.exists()


def test_the_hook_logs_a_refusal_instead_of_undoing_the_fulfilment(caplog):
    organization = sn_seller()
    payment = make_payment(organization, buyer_user(), status=PaymentStatus.PENDING)
    hooks.on_payment_fulfilled(payment)  # does not raise
    assert "no invoice for a fulfilled payment" in caplog.text
    assert not Invoice.objects.exists()


def test_a_free_payment_gets_no_invoice():
    organization = sn_seller()
    payment = make_payment(organization, buyer_user(), amount=0)
    assert invoice_for_payment(payment=payment) is None
    assert not Invoice.objects.exists()


# --- Refunds -----------------------------------------------------------------------------


def test_a_partial_refund_gives_a_credit_note_referencing_the_invoice_once():
    organization = fr_seller()
    payer = buyer_user()
    payment = make_payment(organization, payer)
    invoice = invoice_for_payment(payment=payment)
    refund = make_refund(payment, 4000, reason="Séance annulée")
    hooks.on_refund_succeeded(refund)
    hooks.on_refund_succeeded(refund=refund)  # replayed
    credit = Invoice.objects.get(refund=refund)
    assert credit_note_for_refund(refund=refund).pk == credit.pk
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 1
    assert credit.kind == InvoiceKind.CREDIT_NOTE and credit.credit_of == invoice
    assert credit.number.startswith("CT-AV-")
    assert credit.total_ttc == 4000
    assert credit.total_ht + credit.total_tva == 4000
    assert credit.reason == "Séance annulée"
    assert credit.buyer == invoice.buyer and credit.buyer_user == payer
    assert f"facture {invoice.number}" in credit.lines.get().description
    assert Notification.objects.filter(idempotency_key=f"invoice:{credit.pk}:issued").exists()


def test_a_full_refund_mirrors_the_invoice():
    organization = fr_seller()
    payment = make_payment(
        organization,
        buyer_user(),
        lines=[
            {"description": "Formation", "unit_amount": 9999, "quantity": 1, "vat_rate": "20"},
            {"description": "Livre", "unit_amount": 1001, "quantity": 3, "vat_rate": "5.5"},
        ],
    )
    invoice = invoice_for_payment(payment=payment)
    credit = credit_note_for_refund(refund=make_refund(payment, payment.amount))
    assert credit.vat_breakdown == invoice.vat_breakdown
    assert [(line.description, line.total_ttc) for line in credit.lines.all()] == [
        (line.description, line.total_ttc) for line in invoice.lines.all()
    ]


def test_successive_refunds_add_up_exactly_to_the_invoice():
    organization = fr_seller()
    payment = make_payment(
        organization,
        buyer_user(),
        lines=[
            {"description": "A", "unit_amount": 3333, "quantity": 1, "vat_rate": "20"},
            {"description": "B", "unit_amount": 3334, "quantity": 1, "vat_rate": "5.5"},
        ],
    )
    invoice = invoice_for_payment(payment=payment)
    for amount in (1001, 2002, 6667 - 3003):
        credit_note_for_refund(refund=make_refund(payment, amount))
    credits = Invoice.objects.filter(credit_of=invoice)
    assert sum(c.total_ttc for c in credits) == invoice.total_ttc
    assert sum(c.total_ht for c in credits) == invoice.total_ht
    assert sum(c.total_tva for c in credits) == invoice.total_tva


def test_a_refund_beyond_what_remains_is_capped_and_nothing_when_nothing_remains():
    organization = sn_seller()
    manager = manager_of(organization)
    payment = make_payment(organization, buyer_user())
    invoice = invoice_for_payment(payment=payment)
    credit_note_issue(actor=manager, invoice_id=invoice.pk, amount=7000, reason="Geste")
    capped = credit_note_for_refund(refund=make_refund(payment, 5000))
    assert capped.total_ttc == 3000
    assert credit_note_for_refund(refund=make_refund(payment, 1000)) is None


def test_a_refund_of_a_payment_without_invoice_does_nothing():
    organization = sn_seller()
    payment = make_payment(organization, buyer_user())
    assert credit_note_for_refund(refund=make_refund(payment, 1000)) is None
    assert not Invoice.objects.exists()
