"""Issued documents cannot change: not through the model, a queryset, the API or the
admin. Corrections are credit notes. Accounts may still go (SET_NULL)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from teranga.platform.invoicing.models import ImmutableInvoice, Invoice, InvoiceLine
from teranga.platform.invoicing.services import invoice_for_payment

from .factories import buyer_user, make_payment, manager_of, sn_seller

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    organization = sn_seller()
    return invoice_for_payment(payment=make_payment(organization, buyer_user()))


def test_an_issued_invoice_cannot_be_saved_again(invoice):
    invoice.total_ttc = 1
    with pytest.raises(ImmutableInvoice):
        invoice.save()
    with pytest.raises(ImmutableInvoice):
        invoice.save(update_fields=["notes"])
    assert Invoice.objects.get(pk=invoice.pk).total_ttc == 10000


def test_an_issued_invoice_cannot_be_deleted(invoice):
    with pytest.raises(ImmutableInvoice):
        invoice.delete()
    with pytest.raises(ImmutableInvoice):
        Invoice.objects.filter(pk=invoice.pk).delete()
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_queryset_updates_are_refused(invoice):
    with pytest.raises(ImmutableInvoice):
        Invoice.objects.filter(pk=invoice.pk).update(total_ttc=1)
    with pytest.raises(ImmutableInvoice):
        Invoice.objects.filter(pk=invoice.pk).update(buyer_user=buyer_user())
    assert Invoice.objects.get(pk=invoice.pk).total_ttc == 10000


def test_lines_cannot_change(invoice):
    line = invoice.lines.get()
    line.total_ttc = 0
    with pytest.raises(ImmutableInvoice):
        line.save()
    with pytest.raises(ImmutableInvoice):
        line.delete()
    with pytest.raises(ImmutableInvoice):
        InvoiceLine.objects.filter(invoice=invoice).update(description="x")
    with pytest.raises(ImmutableInvoice):
        InvoiceLine.objects.filter(invoice=invoice).delete()
    assert InvoiceLine.objects.get(pk=line.pk).total_ttc == 10000


def test_deleting_the_buyers_account_keeps_the_invoice(invoice):
    user = invoice.buyer_user
    user.delete()
    kept = Invoice.objects.get(pk=invoice.pk)
    assert kept.buyer_user is None
    assert kept.buyer["name"] == "Awa Diop"


def test_the_organisation_cannot_be_deleted_while_it_has_invoices(invoice):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        invoice.organization.delete()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_api_has_no_update(invoice, client_for, method):
    manager = manager_of(invoice.organization)
    api = client_for(manager)
    response = getattr(api, method)(
        f"/api/v1/invoices/{invoice.pk}/", {"notes": "x"}, format="json"
    )
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert Invoice.objects.get(pk=invoice.pk).notes == ""


@pytest.fixture
def admin_client(client):
    root = get_user_model().objects.create_superuser(email="root@example.test", password="x")
    client.force_login(root)
    return client


def test_the_admin_is_read_only(invoice, admin_client):
    change = reverse("admin:invoicing_invoice_change", args=[invoice.pk])
    page = admin_client.get(change)
    assert page.status_code == 200
    assert invoice.number in page.content.decode()
    assert b'name="_save"' not in page.content
    assert admin_client.post(change, {"notes": "changed"}).status_code == 403
    assert admin_client.get(reverse("admin:invoicing_invoice_add")).status_code == 403
    delete = reverse("admin:invoicing_invoice_delete", args=[invoice.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).notes == ""


def test_the_admin_lists_searches_and_downloads_the_pdf(invoice, admin_client):
    listing = admin_client.get(reverse("admin:invoicing_invoice_changelist"), {"q": invoice.number})
    assert listing.status_code == 200 and invoice.number in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()
    pdf_url = reverse("admin:invoicing_invoice_pdf", args=[invoice.pk])
    assert pdf_url in listing.content.decode()
    response = admin_client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert invoice.number in response["Content-Disposition"]
    assert admin_client.get(reverse("admin:invoicing_invoicingprofile_changelist")).status_code == (
        200
    )
    assert admin_client.get(reverse("admin:invoicing_invoicesequence_changelist")).status_code == (
        200
    )


def test_the_admin_pdf_needs_staff(invoice, client):
    client.force_login(buyer_user(email="nobody@example.test"))
    response = client.get(reverse("admin:invoicing_invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 302  # to the admin login
