"""Credit notes through the service: by amount, by lines, in full; never more than the
invoice, even when issued concurrently."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from teranga.core.errors import ApplicationError, Conflict, Forbidden, NotFound, ValidationFailed
from teranga.platform.invoicing.models import Invoice, InvoiceKind
from teranga.platform.invoicing.selectors import remaining_by_rate
from teranga.platform.invoicing.services import credit_note_issue, invoice_issue
from tests.skips import require

from .factories import fr_seller, manager_of, manual_lines, sn_seller


def two_rate_invoice():
    organization = fr_seller()
    manager = manager_of(organization)
    invoice = invoice_issue(
        actor=manager,
        organization=organization,
        buyer={"name": "Client"},
        lines=manual_lines("20", "5.5"),  # 100.00 HT at each rate
    )
    return invoice, manager


@pytest.mark.django_db
def test_an_amount_is_split_over_the_rates_in_proportion():
    invoice, manager = two_rate_invoice()
    assert invoice.total_ttc == 12000 + 10550
    credit = credit_note_issue(actor=manager, invoice_id=invoice.pk, amount=2255, reason="x")
    rows = {row["rate"]: row["ttc"] for row in credit.vat_breakdown}
    # 2 255 × 12 000 / 22 550 = 1 200; 2 255 × 10 550 / 22 550 = 1 055.
    assert rows == {"20": 1200, "5.5": 1055}
    assert credit.prices_include_tax and credit.total_ttc == 2255
    assert credit.credit_of_id == invoice.pk and credit.kind == InvoiceKind.CREDIT_NOTE


@pytest.mark.django_db
def test_lines_at_the_invoices_rates_and_no_more_than_each_rate():
    invoice, manager = two_rate_invoice()
    credit = credit_note_issue(
        actor=manager,
        invoice_id=invoice.pk,
        lines=[
            {"description": "Retour", "quantity": Decimal(1), "unit_price": 4000, "vat_rate": "20"}
        ],
        reason="Retour partiel",
    )
    assert (credit.total_ht, credit.total_tva, credit.total_ttc) == (4000, 800, 4800)
    assert not credit.prices_include_tax
    remaining = remaining_by_rate(invoice)
    assert remaining[Decimal(20)] == {"ht": 6000, "tva": 1200, "ttc": 7200}
    with pytest.raises(Conflict) as error:
        credit_note_issue(
            actor=manager,
            invoice_id=invoice.pk,
            lines=[{"description": "Trop", "unit_price": 6001, "vat_rate": "20"}],
            reason="x",
        )
    assert error.value.code == "credit_exceeds_invoice"
    with pytest.raises(ValidationFailed) as error:
        credit_note_issue(
            actor=manager,
            invoice_id=invoice.pk,
            lines=[{"description": "Autre taux", "unit_price": 100, "vat_rate": "10"}],
            reason="x",
        )
    assert error.value.code == "unknown_vat_rate"
    with pytest.raises(ValidationFailed) as error:
        credit_note_issue(
            actor=manager, invoice_id=invoice.pk, amount=10, lines=manual_lines("20"), reason="x"
        )
    assert error.value.code == "amount_or_lines"
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 1


@pytest.mark.django_db
def test_the_rest_after_partial_credits_adds_up_to_the_invoice():
    invoice, manager = two_rate_invoice()
    credit_note_issue(actor=manager, invoice_id=invoice.pk, amount=777, reason="x")
    credit_note_issue(actor=manager, invoice_id=invoice.pk, amount=3333, reason="x")
    rest = credit_note_issue(actor=manager, invoice_id=invoice.pk, reason="Solde")
    credits = Invoice.objects.filter(credit_of=invoice)
    assert rest.total_ttc == invoice.total_ttc - 777 - 3333
    for field in ("total_ht", "total_tva", "total_ttc"):
        assert sum(getattr(c, field) for c in credits) == getattr(invoice, field)
    assert all(v == {"ht": 0, "tva": 0, "ttc": 0} for v in remaining_by_rate(invoice).values())


@pytest.mark.django_db
def test_who_may_credit():
    invoice, _manager = two_rate_invoice()
    with pytest.raises(NotFound):
        credit_note_issue(actor=manager_of(sn_seller()), invoice_id=invoice.pk, reason="x")
    from teranga.platform.organizations.models import Role

    with pytest.raises(Forbidden):
        credit_note_issue(
            actor=manager_of(invoice.organization, Role.AGENT), invoice_id=invoice.pk, reason="x"
        )
    with pytest.raises(NotFound):
        credit_note_issue(actor=_manager, invoice_id="not-an-id", reason="x")


@pytest.mark.django_db(transaction=True)
def test_concurrent_credit_notes_never_exceed_the_invoice(settings):
    require(
        "a file-backed SQLite test database",
        not (connection.vendor == "sqlite" and connection.is_in_memory_db()),
        "threaded tests need separate connections: config/test_settings.py sets its TEST NAME",
    )
    invoice, manager = two_rate_invoice()
    threads_count = 10
    amount = 5000  # 10 × 50.00 against 225.50: at most 4 succeed
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait(timeout=60)
            credit_note_issue(actor=manager, invoice_id=invoice.pk, amount=amount, reason="x")
            result = "ok"
        except ApplicationError as error:
            result = error.code
        except Exception as error:  # noqa: BLE001 — reported by the test
            result = repr(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["credit_exceeds_invoice"] * 6 + ["ok"] * 4
    credits = Invoice.objects.filter(credit_of=invoice)
    assert sum(c.total_ttc for c in credits) == 4 * amount <= invoice.total_ttc
    assert sorted(c.sequence for c in credits) == [1, 2, 3, 4]
