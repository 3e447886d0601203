"""Invoicing routes, included under ``/api/v1/`` with an empty prefix."""

from django.urls import path

from . import views

urlpatterns = [
    path("invoices/", views.InvoiceListCreateView.as_view(), name="invoice-list"),
    path("invoices/<uuid:invoice_id>/", views.InvoiceDetailView.as_view(), name="invoice-detail"),
    path("invoices/<uuid:invoice_id>/pdf/", views.InvoicePdfView.as_view(), name="invoice-pdf"),
    path(
        "invoices/<uuid:invoice_id>/credit-note/",
        views.CreditNoteCreateView.as_view(),
        name="invoice-credit-note",
    ),
    path(
        "organizations/<uuid:organization_id>/invoicing/",
        views.InvoicingProfileView.as_view(),
        name="organization-invoicing-profile",
    ),
]
