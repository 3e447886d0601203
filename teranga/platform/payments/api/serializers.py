"""Payments API shapes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core import serializers as strict
from teranga.core.money import CURRENCY_CHOICES, Money
from teranga.core.serializers import BaseModelSerializer

from ..models import (
    EventSource,
    Payment,
    PaymentEvent,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
)


class MoneyField(serializers.Field):
    """``{"amount": 1500, "currency": "XOF", "display": "1 500 F CFA"}`` (read-only)."""

    def __init__(self, amount: str, **kwargs):
        self.amount_attr = amount
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return Money(int(getattr(obj, self.amount_attr)), obj.currency).as_dict()


MONEY_SCHEMA = {
    "type": "object",
    "properties": {
        "amount": {"type": "integer", "description": "Minor units (XOF: francs, EUR: cents)"},
        "currency": {"type": "string", "enum": [code for code, _label in CURRENCY_CHOICES]},
        "display": {"type": "string"},
    },
    "required": ["amount", "currency", "display"],
}
MoneyField = extend_schema_field(MONEY_SCHEMA)(MoneyField)


class PaymentInitiateSerializer(strict.Serializer):
    target_type = serializers.CharField(max_length=64, help_text=_("What is paid for."))
    target_id = serializers.CharField(max_length=64)
    provider = serializers.CharField(
        max_length=32,
        required=False,
        default="",
        allow_blank=True,
        help_text=_("A provider from /payments/providers/ (online payments)."),
    )
    method = serializers.ChoiceField(choices=PaymentMethod.choices, default=PaymentMethod.ONLINE)
    transaction_number = serializers.CharField(
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text=_("Required for bank transfers and cash."),
    )
    coupon_codes = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=5
    )
    payer_phone = strict.PhoneField(required=False, default="", allow_blank=True)
    return_url = serializers.URLField(max_length=2000, required=False, default="", allow_blank=True)

    def validate(self, attrs):
        if attrs["method"] == PaymentMethod.ONLINE and not attrs["provider"]:
            raise serializers.ValidationError({"provider": [_("This field is required.")]})
        if attrs["method"] != PaymentMethod.ONLINE and not attrs["transaction_number"].strip():
            raise serializers.ValidationError(
                {"transaction_number": [_("A transaction number is required.")]}
            )
        return attrs


class PaymentListQuerySerializer(serializers.Serializer):
    organization = serializers.UUIDField(required=False)
    status = serializers.MultipleChoiceField(choices=PaymentStatus.choices, required=False)
    provider = serializers.CharField(max_length=32, required=False)
    target_type = serializers.CharField(max_length=64, required=False)
    created_from = serializers.DateField(required=False)
    created_to = serializers.DateField(required=False)
    q = serializers.CharField(max_length=100, required=False)
    ordering = serializers.ChoiceField(
        choices=["created_at", "-created_at", "amount", "-amount"], required=False
    )

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):
            data = {key: (data.getlist(key) if key == "status" else data.get(key)) for key in data}
        return super().to_internal_value(data)

    def filters(self) -> dict:
        return {k: v for k, v in self.validated_data.items() if k != "organization"}


class PaymentSerializer(BaseModelSerializer):
    organization = serializers.SerializerMethodField()
    total = MoneyField("amount")
    subtotal = MoneyField("subtotal_amount")
    discount = MoneyField("discount_amount")
    refunded = MoneyField("refunded_amount")
    fulfilment_status = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "organization",
            "target_type",
            "target_id",
            "description",
            "subtotal",
            "discount",
            "total",
            "refunded",
            "currency",
            "method",
            "provider",
            "status",
            "fulfilment_status",
            "checkout_url",
            "expires_at",
            "succeeded_at",
            "failure_reason",
            "transaction_number",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_organization(self, obj) -> dict:
        return {"id": str(obj.organization_id), "name": obj.organization.name}

    def get_fulfilment_status(self, obj) -> str | None:
        fulfilment = getattr(obj, "fulfilment", None) if obj.status != "created" else None
        try:
            return fulfilment.status if fulfilment is not None else None
        except Payment.fulfilment.RelatedObjectDoesNotExist:  # pragma: no cover
            return None


class PaymentEventSerializer(BaseModelSerializer):
    source = serializers.ChoiceField(choices=EventSource.choices, read_only=True)

    class Meta:
        model = PaymentEvent
        fields = ["action", "from_status", "to_status", "source", "refund", "created_at"]
        read_only_fields = fields


class RefundSerializer(BaseModelSerializer):
    amount = MoneyField("amount")
    status = serializers.ChoiceField(choices=RefundStatus.choices, read_only=True)

    class Meta:
        model = Refund
        fields = [
            "id",
            "payment",
            "amount",
            "status",
            "reason",
            "automatic",
            "failure_reason",
            "succeeded_at",
            "created_at",
        ]
        read_only_fields = fields


class PaymentDetailSerializer(PaymentSerializer):
    client_secret = serializers.SerializerMethodField()
    lines = serializers.JSONField(read_only=True)
    events = PaymentEventSerializer(many=True, read_only=True)
    refunds = RefundSerializer(many=True, read_only=True)
    payer = serializers.SerializerMethodField()

    class Meta(PaymentSerializer.Meta):
        fields = [
            *PaymentSerializer.Meta.fields,
            "client_secret",
            "lines",
            "payer",
            "review_note",
            "reviewed_at",
            "events",
            "refunds",
        ]
        read_only_fields = fields

    def get_client_secret(self, obj) -> str:
        # Only the payer's app needs it (Stripe's mobile SDK); staff never see it.
        return obj.client_secret if getattr(obj, "viewer_is_payer", False) else ""

    def get_payer(self, obj) -> dict | None:
        if getattr(obj, "viewer_is_payer", False) or obj.payer_id is None:
            return None
        return {"id": str(obj.payer_id), "email": obj.payer_email}


class RefundCreateSerializer(strict.Serializer):
    amount = serializers.IntegerField(
        min_value=1, required=False, help_text=_("Minor units; the whole remainder if absent.")
    )
    reason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class ReviewSerializer(strict.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class ProvidersQuerySerializer(serializers.Serializer):
    organization = serializers.UUIDField()
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)


class ProviderSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    currencies = serializers.ListField(child=serializers.CharField())
    supports_refunds = serializers.BooleanField()
    methods = serializers.ListField(child=serializers.CharField())


class WebhookResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    outcomes = serializers.ListField(child=serializers.CharField())


#: An organisation's credentials for one provider: a few named secrets.
CREDENTIALS_MAX = 20
CREDENTIAL_NAME_MAX_LENGTH = 100
CREDENTIAL_MAX_LENGTH = 500


@extend_schema_field(
    {
        "type": "object",
        "maxProperties": CREDENTIALS_MAX,
        "additionalProperties": {
            "type": "string",
            "minLength": 1,
            "maxLength": CREDENTIAL_MAX_LENGTH,
        },
    }
)
class CredentialsField(serializers.DictField):
    """Named secrets (``validate_credentials`` bounds their number and names)."""


class ProviderAccountSerializer(strict.Serializer):
    credentials = CredentialsField(
        child=serializers.CharField(max_length=CREDENTIAL_MAX_LENGTH),
        write_only=True,
        help_text=f"At most {CREDENTIALS_MAX} credentials, by name (at most "
        f"{CREDENTIAL_NAME_MAX_LENGTH} characters).",
    )
    is_active = serializers.BooleanField(default=True)

    def validate_credentials(self, value):
        if len(value) > CREDENTIALS_MAX:
            raise serializers.ValidationError(
                _("Ensure this field has no more than {max_length} elements.").format(
                    max_length=CREDENTIALS_MAX
                )
            )
        if any(len(name) > CREDENTIAL_NAME_MAX_LENGTH for name in value):
            raise serializers.ValidationError(
                _("Ensure this field has no more than {max_length} characters.").format(
                    max_length=CREDENTIAL_NAME_MAX_LENGTH
                )
            )
        return value


class ProviderAccountReadSerializer(serializers.Serializer):
    provider = serializers.CharField()
    is_active = serializers.BooleanField()
    configured = serializers.ListField(child=serializers.CharField())
    webhook_url = serializers.CharField()
    updated_at = serializers.DateTimeField()
