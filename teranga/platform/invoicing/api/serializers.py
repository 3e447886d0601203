"""Serializers of invoices, credit notes and invoicing profiles. Input serializers refuse
unknown fields (400); output serializers only read. Amounts are integer minor units of
the document's currency (XOF: francs; EUR: cents); ``*_display`` fields are formatted."""

from __future__ import annotations

import re
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.money import CURRENCY_CHOICES, Money
from teranga.core.serializers import BaseModelSerializer, ModelSerializer, PhoneField, Serializer
from teranga.platform.organizations.validators import validate_ninea, validate_siret

from ..models import Invoice, InvoiceKind, InvoiceLine, InvoicingProfile
from ..selectors import InvoiceFilters
from ..services.profiles import PROFILE_FIELDS
from ..snapshots import seller_snapshot

MAX_AMOUNT = 10**12
VAT_ID = re.compile(r"[A-Z]{2}[0-9A-Z]{2,13}")

# --- Input ---------------------------------------------------------------------------------


class InvoiceListQuerySerializer(Serializer):
    organization = serializers.UUIDField(
        required=False,
        help_text="List this organisation's invoices (its managers and above, and staff). "
        "Without it: the invoices issued to me.",
    )
    kind = serializers.ChoiceField(choices=InvoiceKind.choices, required=False)
    date_from = serializers.DateField(required=False, help_text="Issued on or after (inclusive).")
    date_to = serializers.DateField(required=False, help_text="Issued on or before (inclusive).")
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Number or buyer name."
    )

    def validate(self, attrs):
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"date_to": [_("The end date must not be before the start date.")]}
            )
        return attrs

    def filters(self) -> InvoiceFilters:
        data = self.validated_data
        return InvoiceFilters(
            kind=data.get("kind"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            q=data.get("q", ""),
        )


class BuyerInputSerializer(Serializer):
    name = serializers.CharField(max_length=200)
    address_line1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    country = serializers.RegexField(
        r"^[A-Z]{2}$", required=False, help_text="ISO 3166 alpha-2; the seller's by default."
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    is_business = serializers.BooleanField(required=False, default=False)
    siret = serializers.CharField(
        max_length=14, required=False, allow_blank=True, validators=[validate_siret]
    )
    vat_number = serializers.RegexField(
        VAT_ID,
        max_length=15,  # two letters and at most 13 characters: VAT_ID's longest
        required=False,
        allow_blank=True,
        help_text="Intra-EU VAT number.",
    )
    ninea = serializers.CharField(
        max_length=13, required=False, allow_blank=True, validators=[validate_ninea]
    )


class InvoiceLineInputSerializer(Serializer):
    description = serializers.CharField(max_length=500)
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=3, min_value=Decimal("0.001"), default=Decimal(1)
    )
    unit_price = serializers.IntegerField(
        min_value=-MAX_AMOUNT,
        max_value=MAX_AMOUNT,
        help_text="Price of one unit excluding VAT, in minor units (may be negative for a "
        "discount line).",
    )
    vat_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        required=False,
        allow_null=True,
        help_text="Percent (e.g. 20, 5.5). Left out: the seller's default rate.",
    )


class InvoiceCreateSerializer(Serializer):
    organization = serializers.UUIDField(help_text="The seller.")
    buyer = BuyerInputSerializer()
    lines = serializers.ListField(child=InvoiceLineInputSerializer(), min_length=1, max_length=200)
    due_date = serializers.DateField(
        required=False, help_text="Default: the issue date plus the profile's payment terms."
    )
    sale_date = serializers.DateField(
        required=False, help_text="Date of the sale or service; default: the issue date."
    )
    notes = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    currency = serializers.ChoiceField(
        choices=CURRENCY_CHOICES, required=False, help_text="Default: the organisation's."
    )


class CreditNoteCreateSerializer(Serializer):
    amount = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_AMOUNT,
        help_text="Amount to credit, taxes included, in minor units. Left out: everything "
        "that remains to be credited.",
    )
    reason = serializers.CharField(max_length=300)


class InvoicingProfileWriteSerializer(ModelSerializer):
    phone = PhoneField(required=False, allow_blank=True)

    class Meta:
        model = InvoicingProfile
        fields = list(PROFILE_FIELDS)
        extra_kwargs = {
            "default_vat_rate": {"required": False},
            "invoice_prefix": {"required": False},
            "credit_note_prefix": {"required": False},
        }


# --- Output --------------------------------------------------------------------------------


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class InvoiceRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()


class InvoiceSerializer(BaseModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    credit_of = InvoiceRefSerializer(read_only=True, allow_null=True)
    total_display = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "kind",
            "organization",
            "issued_at",
            "issue_date",
            "sale_date",
            "due_date",
            "currency",
            "buyer_name",
            "buyer_is_business",
            "total_ht",
            "total_tva",
            "total_ttc",
            "total_display",
            "paid",
            "payment",
            "credit_of",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_total_display(self, invoice) -> str:
        return Money(int(invoice.total_ttc), invoice.currency).format()

    def get_pdf_url(self, invoice) -> str:
        return reverse("invoice-pdf", kwargs={"invoice_id": invoice.pk})


class InvoiceLineSerializer(BaseModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = [
            "position",
            "description",
            "quantity",
            "unit_amount",
            "vat_rate",
            "vat_category",
            "total_ht",
            "total_tva",
            "total_ttc",
        ]
        read_only_fields = fields


class VatBreakdownSerializer(serializers.Serializer):
    rate = serializers.CharField(help_text="Percent, e.g. 20 or 5.5.")
    category = serializers.CharField(help_text="EN 16931 VAT category: S, Z or E.")
    ht = serializers.IntegerField()
    tva = serializers.IntegerField()
    ttc = serializers.IntegerField()


class MentionSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class CreditNoteRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    issue_date = serializers.DateField()
    total_ttc = serializers.IntegerField()


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    vat_breakdown = VatBreakdownSerializer(many=True, read_only=True)
    mentions = MentionSerializer(many=True, read_only=True)
    seller = serializers.JSONField(read_only=True)
    buyer = serializers.JSONField(read_only=True)
    credit_notes = serializers.SerializerMethodField()
    credited_amount = serializers.SerializerMethodField()
    remaining_amount = serializers.SerializerMethodField()

    class Meta(InvoiceSerializer.Meta):
        fields = [
            *InvoiceSerializer.Meta.fields,
            "prices_include_tax",
            "seller",
            "buyer",
            "lines",
            "vat_breakdown",
            "payment_terms",
            "mentions",
            "reason",
            "notes",
            "refund",
            "credit_notes",
            "credited_amount",
            "remaining_amount",
        ]
        read_only_fields = fields

    def _credit_notes(self, invoice) -> list[Invoice]:
        notes = [n for n in invoice.credit_notes.all() if n.kind == InvoiceKind.CREDIT_NOTE]
        return sorted(notes, key=lambda note: note.sequence)

    @extend_schema_field(CreditNoteRefSerializer(many=True))
    def get_credit_notes(self, invoice) -> list[dict]:
        return CreditNoteRefSerializer(self._credit_notes(invoice), many=True).data

    def get_credited_amount(self, invoice) -> int:
        return sum(int(note.total_ttc) for note in self._credit_notes(invoice))

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_remaining_amount(self, invoice) -> int | None:
        """What may still be credited (invoices only; null for a credit note)."""
        if invoice.kind != InvoiceKind.INVOICE:
            return None
        return int(invoice.total_ttc) - self.get_credited_amount(invoice)


class InvoicingProfileSerializer(BaseModelSerializer):
    organization = serializers.UUIDField(source="organization_id", read_only=True)
    configured = serializers.SerializerMethodField(
        help_text="False until the profile is first saved: the values shown are the defaults."
    )
    seller_preview = serializers.SerializerMethodField(
        help_text="The seller as the next document will show it (blank identity fields "
        "are taken from the organisation)."
    )

    class Meta:
        model = InvoicingProfile
        fields = ["organization", "configured", *PROFILE_FIELDS, "seller_preview"]
        read_only_fields = fields

    def get_configured(self, profile) -> bool:
        return not profile._state.adding

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_seller_preview(self, profile) -> dict:
        return seller_snapshot(profile, profile.organization)
