"""Admin for invoicing. Profiles are editable; issued documents, their lines and the
sequences are read-only (no add, change or delete: corrections are credit notes, issued
through the API). Each document has a PDF download link."""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from teranga.core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline
from teranga.core.money import Money

from . import services
from .models import Invoice, InvoiceLine, InvoiceSequence, InvoicingProfile


@admin.register(InvoicingProfile)
class InvoicingProfileAdmin(admin.ModelAdmin):
    list_display = ("organization", "legal_name", "invoice_prefix", "vat_exempt", "updated_at")
    list_select_related = ("organization",)
    search_fields = ("organization__name", "legal_name", "siret", "ninea")
    raw_id_fields = ("organization",)


class InvoiceLineInline(ReadOnlyTabularInline):
    model = InvoiceLine
    fields = (
        "position",
        "description",
        "quantity",
        "unit_amount",
        "vat_rate",
        "vat_category",
        "total_ht",
        "total_tva",
        "total_ttc",
    )
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyModelAdmin):
    list_display = (
        "number",
        "kind",
        "organization",
        "buyer_name",
        "issue_date",
        "total_display",
        "pdf_link",
    )
    list_filter = ("kind", "issue_date", "paid")
    list_select_related = ("organization",)
    search_fields = ("number", "buyer_name")
    date_hierarchy = "issue_date"
    inlines = [InvoiceLineInline]
    readonly_fields = (
        "pdf_link",
        "number",
        "kind",
        "organization",
        "credit_of",
        "issued_at",
        "issue_date",
        "sale_date",
        "due_date",
        "currency",
        "total_ht",
        "total_tva",
        "total_ttc",
        "vat_breakdown",
        "buyer_name",
        "buyer",
        "seller",
        "buyer_user",
        "payment",
        "refund",
        "issued_by",
        "paid",
        "payment_method",
        "payment_terms",
        "mentions",
        "reason",
        "notes",
        "pdf_sha256",
        "pdf_rendered_at",
    )
    fields = readonly_fields

    @admin.display(description=_("total incl. VAT"), ordering="total_ttc")
    def total_display(self, invoice: Invoice) -> str:
        return Money(int(invoice.total_ttc), invoice.currency).format()

    @admin.display(description="PDF")
    def pdf_link(self, invoice: Invoice) -> str:
        url = reverse("admin:invoicing_invoice_pdf", args=[invoice.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Download PDF"))

    def get_urls(self):
        custom = [
            path(
                "<uuid:invoice_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="invoicing_invoice_pdf",
            )
        ]
        return custom + super().get_urls()

    def pdf_view(self, request, invoice_id):
        if not self.has_view_permission(request):
            raise Http404
        invoice = (
            Invoice.objects.select_related("organization", "credit_of")
            .filter(pk=invoice_id)
            .first()
        )
        if invoice is None:
            raise Http404
        response = HttpResponse(services.invoice_pdf(invoice=invoice), "application/pdf")
        filename = invoice.number.replace("/", "-")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        return response


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(ReadOnlyModelAdmin):
    list_display = ("organization", "series", "last_number", "updated_at")
    list_select_related = ("organization",)
    search_fields = ("organization__name",)
