"""Serializers of the transactions API: reservations, contracts, commissions, statements
and the agency's transaction settings."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.links import object_link
from teranga.core.money import Money
from teranga.core.serializers import Serializer

from ..models import (
    ContractKind,
    ContractStatus,
    ReservationStatus,
    ShareKind,
    ShareRole,
)
from ..models_transactions import FULL_BPS
from ..transaction_notices import CONTRACT_LINK, RESERVATION_LINK

#: Amounts in minor units: up to 10^15 (far above any price).
AMOUNT_MAX = 10**15


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.email.split("@")[0]}


class RealEstateTransactionPersonSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class RealEstateTransactionPropertySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    status = serializers.CharField()


class RealEstateTransactionClientSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


def _property(prop) -> dict:
    return {"id": prop.pk, "title": prop.title, "status": prop.status}


# --- Reservations ------------------------------------------------------------------------


class RealEstateReservationSerializer(serializers.Serializer):
    """A reservation. ``payment`` tells the client how to pay the deposit: ``POST
    /api/v1/payments/`` with ``target_type`` and ``target_id``."""

    id = serializers.UUIDField()
    organization = serializers.UUIDField(source="organization_id")
    property = serializers.SerializerMethodField()
    client = serializers.SerializerMethodField()
    agent = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=ReservationStatus.choices)
    price = serializers.IntegerField(help_text="The price when reserved, minor units.")
    deposit_amount = serializers.IntegerField(help_text="Minor units of `currency`.")
    currency = serializers.CharField()
    deposit_display = serializers.SerializerMethodField()
    hold_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="Until then the deposit may be paid; null once settled."
    )
    confirmed_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    cancellation_reason = serializers.CharField()
    payment_target_type = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(RealEstateTransactionPropertySerializer)
    def get_property(self, reservation):
        return _property(reservation.property)

    @extend_schema_field(RealEstateTransactionClientSerializer(allow_null=True))
    def get_client(self, reservation):
        if reservation.client is None:
            return None
        return {"id": reservation.client.pk, "name": reservation.client.name}

    @extend_schema_field(RealEstateTransactionPersonSerializer(allow_null=True))
    def get_agent(self, reservation):
        return _person(reservation.agent)

    def get_deposit_display(self, reservation) -> str:
        return Money(int(reservation.deposit_amount), reservation.currency).format()

    def get_payment_target_type(self, reservation) -> str:
        return "realestate.reservation"

    @extend_schema_field(OpenApiTypes.URI)
    def get_link(self, reservation) -> str:
        return object_link(RESERVATION_LINK, reservation.pk)


class RealEstateReservationListQuerySerializer(Serializer):
    organization = serializers.UUIDField(
        required=False, help_text="Every reservation of this agency (its agents and above, staff)."
    )
    status = serializers.ChoiceField(choices=ReservationStatus.choices, required=False)
    property = serializers.UUIDField(required=False)


class RealEstateReservationCancelSerializer(Serializer):
    reason = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class RealEstateReservationConvertSerializer(Serializer):
    deal_price = serializers.IntegerField(
        min_value=1,
        max_value=AMOUNT_MAX,
        required=False,
        help_text="The final price in minor units (default: the price when reserved).",
    )
    listing_agent = serializers.UUIDField(required=False)
    selling_agent = serializers.UUIDField(required=False)


# --- Commissions -------------------------------------------------------------------------


class RealEstateCommissionShareSerializer(serializers.Serializer):
    agent = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=ShareRole.choices)
    kind = serializers.ChoiceField(choices=ShareKind.choices)
    value = serializers.IntegerField(
        help_text="Basis points of the commission (percent) or minor units (fixed)."
    )
    amount = serializers.IntegerField()

    @extend_schema_field(RealEstateTransactionPersonSerializer(allow_null=True))
    def get_agent(self, share):
        return _person(share.agent)


class RealEstateCommissionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    organization = serializers.UUIDField(source="organization_id")
    property = serializers.SerializerMethodField()
    reservation = serializers.UUIDField(source="reservation_id", allow_null=True)
    deal_price = serializers.IntegerField()
    currency = serializers.CharField()
    deal_date = serializers.DateField()
    total_amount = serializers.IntegerField()
    agency_amount = serializers.IntegerField()
    shares = RealEstateCommissionShareSerializer(many=True)
    created_at = serializers.DateTimeField()

    @extend_schema_field(RealEstateTransactionPropertySerializer)
    def get_property(self, commission):
        return _property(commission.property)


class RealEstateCommissionCreateSerializer(Serializer):
    property = serializers.UUIDField()
    deal_price = serializers.IntegerField(min_value=1, max_value=AMOUNT_MAX)
    deal_date = serializers.DateField(required=False)
    listing_agent = serializers.UUIDField(
        required=False, help_text="Default: the property's agent."
    )
    selling_agent = serializers.UUIDField(
        required=False, help_text="Default: the property's agent."
    )


class RealEstateCommissionListQuerySerializer(Serializer):
    agent = serializers.UUIDField(required=False)
    from_ = serializers.DateField(required=False, help_text="Deals from this date.")
    to = serializers.DateField(required=False, help_text="Deals up to this date.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class RealEstateStatementQuerySerializer(Serializer):
    agent = serializers.UUIDField(
        required=False, help_text="Default: the caller. Another agent: managers and above."
    )
    from_ = serializers.DateField(help_text="First day of the period.")
    to = serializers.DateField(help_text="Last day of the period (at most 366 days later).")
    format = serializers.ChoiceField(choices=["json", "csv", "pdf"], default="json")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        start, end = attrs["from"], attrs["to"]
        if start > end or (end - start).days > 366:
            raise serializers.ValidationError({"to": [_text_period()]})
        return attrs


def _text_period() -> str:
    from django.utils.translation import gettext as _

    return _("The period runs forward, at most 366 days.")


class RealEstateStatementLineSerializer(serializers.Serializer):
    deal_date = serializers.DateField()
    property_title = serializers.CharField()
    role = serializers.ChoiceField(choices=ShareRole.choices)
    deal_price = serializers.IntegerField()
    commission = serializers.IntegerField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()


class RealEstateStatementTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.IntegerField()


class RealEstateStatementSerializer(serializers.Serializer):
    agent = RealEstateTransactionPersonSerializer()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    lines = RealEstateStatementLineSerializer(many=True)
    totals = RealEstateStatementTotalSerializer(many=True)


# --- Contracts ---------------------------------------------------------------------------


class RealEstateContractSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    organization = serializers.UUIDField(source="organization_id")
    kind = serializers.ChoiceField(choices=ContractKind.choices)
    status = serializers.ChoiceField(choices=ContractStatus.choices)
    property = serializers.SerializerMethodField()
    reservation = serializers.UUIDField(source="reservation_id", allow_null=True)
    client = serializers.SerializerMethodField()
    client_name = serializers.CharField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    terms = serializers.CharField()
    language = serializers.CharField()
    has_signed_scan = serializers.SerializerMethodField()
    sent_at = serializers.DateTimeField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    link = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(RealEstateTransactionPropertySerializer)
    def get_property(self, contract):
        return _property(contract.property)

    @extend_schema_field(RealEstateTransactionClientSerializer(allow_null=True))
    def get_client(self, contract):
        if contract.client is None:
            return None
        return {"id": contract.client.pk, "name": contract.client.name}

    def get_has_signed_scan(self, contract) -> bool:
        return bool(contract.signed_file)

    @extend_schema_field(OpenApiTypes.URI)
    def get_link(self, contract) -> str:
        return object_link(CONTRACT_LINK, contract.pk)


class RealEstateContractCreateSerializer(Serializer):
    kind = serializers.ChoiceField(choices=ContractKind.choices)
    property = serializers.UUIDField()
    client = serializers.UUIDField(
        required=False, help_text="A client of the agency's CRM (default: the reservation's)."
    )
    reservation = serializers.UUIDField(required=False)
    amount = serializers.IntegerField(
        min_value=1,
        max_value=AMOUNT_MAX,
        required=False,
        help_text="Minor units (default: the reservation's price, else the property's).",
    )
    terms = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, required=False, help_text="Default: the request's language."
    )


class RealEstateContractListQuerySerializer(Serializer):
    status = serializers.ChoiceField(choices=ContractStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=ContractKind.choices, required=False)


class RealEstateContractSignSerializer(Serializer):
    file = serializers.FileField(help_text="The signed scan: a PDF or an image, at most 10 MB.")


# --- Settings ----------------------------------------------------------------------------


class RealEstateTransactionSettingsSerializer(Serializer):
    deposit_bps = serializers.IntegerField(
        min_value=1, max_value=FULL_BPS, help_text="Sales: deposit in basis points of the price."
    )
    rent_deposit_months = serializers.IntegerField(
        min_value=1, max_value=12, help_text="Rentals without their own deposit: months of rent."
    )
    hold_hours = serializers.IntegerField(
        min_value=1, max_value=336, help_text="How long the deposit may be paid."
    )
    commission_kind = serializers.ChoiceField(choices=ShareKind.choices)
    commission_value = serializers.IntegerField(
        min_value=0,
        max_value=AMOUNT_MAX,
        help_text="Percent: basis points of the deal price; fixed: minor units.",
    )
    listing_share_kind = serializers.ChoiceField(choices=ShareKind.choices)
    listing_share_value = serializers.IntegerField(
        min_value=0,
        max_value=AMOUNT_MAX,
        help_text="Percent: basis points of the commission; fixed: minor units.",
    )
    selling_share_kind = serializers.ChoiceField(choices=ShareKind.choices)
    selling_share_value = serializers.IntegerField(min_value=0, max_value=AMOUNT_MAX)
