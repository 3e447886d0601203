"""Invoicing endpoints. Each view validates input, calls one service or selector and
serializes the result. Who may do what (see ``hooks`` and ``selectors``):

* the buyer (the account a document was issued to) lists, reads and downloads it;
* the seller's managers and above (and platform staff, read-only) list, read and
  download the organisation's documents (``invoicing.view``); managers and above issue
  manual invoices and credit notes (``invoicing.manage``); admins and above change the
  invoicing profile (``invoicing.settings.manage``);
* anyone else gets 404; a member of the seller below the role, or the buyer asking for a
  seller's action, gets 403.

Issued documents cannot be changed: there is no PUT, PATCH or DELETE on an invoice
(405); corrections are credit notes.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.schema import error_codes
from teranga.core.serializers import ErrorSerializer, validated_query
from teranga.platform.organizations.access import OrganizationAccess, get_organization_for

from .. import selectors, services
from ..models import Invoice
from . import serializers as s

TAG = ["invoicing"]
INVOICE_ID = OpenApiParameter(
    "invoice_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Invoice id"
)
ORG_ID = OpenApiParameter(
    "organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Organisation id"
)
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
    403: OpenApiResponse(ErrorSerializer, description="Role too low"),
    404: OpenApiResponse(ErrorSerializer, description="Not found, or not yours to know of"),
}


class InvoiceView(GenericAPIView):
    filter_backends: list = []
    serializer_class = s.InvoiceDetailSerializer

    def detail(self, invoice, status_code=status.HTTP_200_OK) -> Response:
        return Response(s.InvoiceDetailSerializer(invoice).data, status=status_code)


class InvoiceListCreateView(InvoiceView):
    serializer_class = s.InvoiceSerializer

    @extend_schema(
        tags=TAG,
        summary="My invoices, or an organisation's",
        description="Without `organization`: the invoices and credit notes issued to me. "
        "With `organization`: that organisation's (its managers and above, and staff; "
        "others 404, members below manager 403). Filters: `kind` (invoice, credit_note), "
        "`date_from`, `date_to` (issue date, inclusive), `q` (number or buyer name). "
        "Newest first, paginated.",
        parameters=[s.InvoiceListQuerySerializer],
        responses={200: s.InvoiceSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        query = validated_query(s.InvoiceListQuerySerializer, request)
        organization_id = query.validated_data.get("organization")
        if organization_id is None:
            queryset = selectors.invoices_of_buyer(user=request.user, filters=query.filters())
        else:
            organization = get_organization_for(
                request.user, organization_id, selectors.INVOICING_VIEW
            )
            queryset = selectors.invoices_of_organization(
                organization=organization, filters=query.filters()
            )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.InvoiceSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Issue a manual invoice",
        description="Managers and above of the seller (`organization`). Lines are "
        "tax-exclusive: `unit_price` is the HT price of one unit in minor units, "
        "`vat_rate` a percentage (the seller's default when left out; none for a seller "
        "not liable for VAT). VAT is computed per rate on the rate's total, rounded half "
        "up to the minor unit. The invoice is numbered in its organisation's sequence "
        "with no gap, and cannot be changed once issued.\n\n"
        "Errors: 400 `invalid` (fields), `vat_exempt_seller`, `invalid_total`, "
        "`due_date_in_past`; 403; 404 `organization_not_found`.",
        request=s.InvoiceCreateSerializer,
        responses={201: s.InvoiceDetailSerializer, **ERRORS},
    )
    def post(self, request):
        serializer = s.InvoiceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = get_organization_for(
            request.user, data["organization"], selectors.INVOICING_MANAGE
        )
        invoice = services.invoice_issue(
            actor=request.user,
            organization=organization,
            buyer=data["buyer"],
            lines=data["lines"],
            due_date=data.get("due_date"),
            sale_date=data.get("sale_date"),
            notes=data.get("notes", ""),
            currency=data.get("currency"),
        )
        invoice = selectors.invoice_detail(user=request.user, invoice_id=invoice.pk)
        return self.detail(invoice, status.HTTP_201_CREATED)


class InvoiceDetailView(InvoiceView):
    @extend_schema(
        tags=TAG,
        summary="One invoice or credit note",
        description="For its buyer, and the seller's managers and above (and staff). With "
        "the seller's and buyer's identity as issued, the lines, the VAT breakdown, the "
        "mentions, and the credit notes issued against it. 404 `invoice_not_found`; 403.",
        parameters=[INVOICE_ID],
        responses={200: s.InvoiceDetailSerializer, **ERRORS},
    )
    def get(self, request, invoice_id):
        return self.detail(selectors.invoice_detail(user=request.user, invoice_id=invoice_id))


class InvoicePdfView(InvoiceView):
    def perform_content_negotiation(self, request, force=False):
        # Errors are JSON; the file is a plain HTTP response.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        tags=TAG,
        summary="Download the PDF (Factur-X)",
        description="The document as a PDF/A-3b with its EN 16931 (Factur-X) XML embedded, "
        "rendered once and then served as stored. Same access as the document. "
        "404 `invoice_not_found`; 403.",
        parameters=[INVOICE_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
            **ERRORS,
        },
    )
    def get(self, request, invoice_id):
        invoice = selectors.invoice_get(
            user=request.user,
            invoice_id=invoice_id,
            queryset=Invoice.objects.select_related("organization", "credit_of"),
        )
        content = services.invoice_pdf(invoice=invoice)
        response = HttpResponse(content, content_type="application/pdf")
        filename = invoice.number.replace("/", "-")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class CreditNoteCreateView(InvoiceView):
    @extend_schema(
        tags=TAG,
        summary="Issue a credit note (avoir) against an invoice",
        description="Managers and above of the seller. Without `amount`: everything that "
        "remains to be credited (the invoice's own lines when nothing was credited yet). "
        "With `amount` (taxes included, minor units): split over the invoice's VAT rates "
        "in proportion to what remains of each. Credit notes never exceed the invoice.\n\n"
        "Errors: 400 `invalid`; 403; 404 `invoice_not_found`; 409 "
        "`credit_exceeds_invoice`, `fully_credited`, `not_an_invoice` (a credit note "
        "cannot be credited).",
        parameters=[INVOICE_ID],
        request=s.CreditNoteCreateSerializer,
        responses={
            201: s.InvoiceDetailSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Nothing (or not that much) left"),
            **ERRORS,
        },
    )
    def post(self, request, invoice_id):
        serializer = s.CreditNoteCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        credit_note = services.credit_note_issue(
            actor=request.user, invoice_id=invoice_id, **serializer.validated_data
        )
        credit_note = selectors.invoice_detail(user=request.user, invoice_id=credit_note.pk)
        return self.detail(credit_note, status.HTTP_201_CREATED)


class InvoicingProfileView(GenericAPIView):
    permission_classes = [OrganizationAccess]
    organization_actions = {
        "GET": selectors.INVOICING_VIEW,
        "PUT": selectors.INVOICING_SETTINGS,
        "PATCH": selectors.INVOICING_SETTINGS,
    }
    filter_backends: list = []
    pagination_class = None
    serializer_class = s.InvoicingProfileSerializer

    def respond(self, profile) -> Response:
        return Response(s.InvoicingProfileSerializer(profile).data)

    @extend_schema(
        tags=TAG,
        summary="An organisation's invoicing profile",
        description="Managers and above (and staff). The seller's identity on invoices, "
        "bank details, VAT defaults, mandatory mentions, numbering and brand colours. "
        "Until it is first saved (`configured: false`) the defaults are shown: prefix CT "
        "for an academy and FAC otherwise, VAT 18 % in Senegal and 20 % in France.",
        parameters=[ORG_ID],
        responses={200: s.InvoicingProfileSerializer, **ERRORS},
    )
    def get(self, request, organization_id):
        return self.respond(selectors.invoicing_profile_get(organization=self.organization))

    def _write(self, request, *, replace: bool) -> Response:
        serializer = s.InvoicingProfileWriteSerializer(data=request.data, partial=not replace)
        serializer.is_valid(raise_exception=True)
        profile = services.invoicing_profile_update(
            actor=request.user,
            organization=self.organization,
            replace=replace,
            **serializer.validated_data,
        )
        return self.respond(profile)

    @extend_schema(
        tags=TAG,
        summary="Replace the invoicing profile",
        description="Admins and above. Fields left out go back to their defaults. "
        "Documents already issued are not affected. 400 with field errors (SIRET, VAT "
        "number, NINEA, RCCM, IBAN, BIC, colours `#RRGGBB`, prefixes, number pattern: "
        "only `{prefix}`, `{date:…}` and `{seq:…}`, with `{prefix}` and `{seq}`). "
        "`phone` may be national, read in the profile's (else the organisation's) "
        "country: 400 `invalid_phone` when it is not a number.",
        extensions=error_codes({400: [CoreError.INVALID_PHONE]}),
        parameters=[ORG_ID],
        request=s.InvoicingProfileWriteSerializer,
        responses={200: s.InvoicingProfileSerializer, **ERRORS},
    )
    def put(self, request, organization_id):
        return self._write(request, replace=True)

    @extend_schema(
        tags=TAG,
        summary="Change some fields of the invoicing profile",
        description="Admins and above. As PUT, but only the fields given change.",
        extensions=error_codes({400: [CoreError.INVALID_PHONE]}),
        parameters=[ORG_ID],
        request=s.InvoicingProfileWriteSerializer(partial=True),
        responses={200: s.InvoicingProfileSerializer, **ERRORS},
    )
    def patch(self, request, organization_id):
        return self._write(request, replace=False)
