"""Serializers of the coupon endpoints. Writes subclass the strict bases (unknown fields
are refused) and check types only; the rules (value ranges, validity window, unique code)
live in ``services.coupons`` and answer with stable codes."""

from __future__ import annotations

from rest_framework import serializers

from teranga.core.money import CURRENCY_CHOICES
from teranga.core.serializers import BaseModelSerializer, Serializer

from ..models import Coupon, CouponKind
from ..services.coupons import MAX_CODES

#: Amounts above this are refused before they reach the database (minor units).
MAX_AMOUNT = 10**12


class CouponSerializer(BaseModelSerializer):
    organization = serializers.UUIDField(source="organization_id", read_only=True)
    remaining_uses = serializers.SerializerMethodField(
        help_text="Uses left in total (null: unlimited)."
    )

    class Meta:
        model = Coupon
        fields = [
            "id",
            "organization",
            "code",
            "description",
            "kind",
            "percent_off",
            "amount_off",
            "currency",
            "valid_from",
            "valid_until",
            "max_uses",
            "max_uses_per_user",
            "uses_count",
            "remaining_uses",
            "scope_type",
            "scope_id",
            "stackable",
            "min_amount",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_remaining_uses(self, coupon: Coupon) -> int | None:
        if coupon.max_uses is None:
            return None
        return max(0, coupon.max_uses - coupon.uses_count)


class CouponUpdateSerializer(Serializer):
    code = serializers.CharField(
        max_length=40,
        required=False,
        help_text="3 to 40 letters, digits, `-` or `_`; stored upper-case, unique in the "
        "organisation whatever the case (409 `coupon_code_taken`).",
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=CouponKind.choices, required=False)
    percent_off = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="For `percent`: 1 to 100 (400 `invalid_coupon_value`).",
    )
    amount_off = serializers.IntegerField(
        required=False,
        allow_null=True,
        max_value=MAX_AMOUNT,
        help_text="For `fixed`: minor units (XOF francs, EUR cents), at least 1.",
    )
    currency = serializers.ChoiceField(
        choices=CURRENCY_CHOICES,
        required=False,
        allow_blank=True,
        help_text="Required by a fixed amount or a minimum purchase (default: the "
        "organisation's); a percentage with a currency only applies in it.",
    )
    valid_from = serializers.DateTimeField(required=False, allow_null=True)
    valid_until = serializers.DateTimeField(
        required=False, allow_null=True, help_text="After `valid_from` (400 `invalid_validity`)."
    )
    max_uses = serializers.IntegerField(
        required=False, allow_null=True, max_value=2**31 - 1, help_text="Null: unlimited."
    )
    max_uses_per_user = serializers.IntegerField(
        required=False, allow_null=True, max_value=2**31 - 1, help_text="Null: unlimited."
    )
    scope_type = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="Empty: any purchase from the organisation. Otherwise a scope the product "
        "declares, e.g. `booking.service`; with an empty `scope_id`, every object of it.",
    )
    scope_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    stackable = serializers.BooleanField(
        required=False, help_text="May be combined with other stackable coupons."
    )
    min_amount = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_AMOUNT, help_text="Minor units."
    )
    is_active = serializers.BooleanField(required=False)


class CouponCreateSerializer(CouponUpdateSerializer):
    organization = serializers.UUIDField(help_text="The organisation offering the coupon.")
    code = serializers.CharField(
        max_length=40,
        help_text="3 to 40 letters, digits, `-` or `_`; stored upper-case, unique in the "
        "organisation whatever the case (409 `coupon_code_taken`).",
    )
    kind = serializers.ChoiceField(choices=CouponKind.choices)


class CouponValidateSerializer(Serializer):
    target_type = serializers.CharField(
        max_length=64, help_text="What is paid for, as for `POST /payments/`."
    )
    target_id = serializers.CharField(max_length=64)
    codes = serializers.ListField(
        child=serializers.CharField(max_length=40),
        min_length=1,
        max_length=MAX_CODES,
        help_text="Coupon codes (case-insensitive; a repeated code counts once).",
    )


class AppliedCouponSerializer(serializers.Serializer):
    code = serializers.CharField()
    discount = serializers.IntegerField(help_text="Minor units.")


class CouponPricingSerializer(serializers.Serializer):
    subtotal = serializers.IntegerField(help_text="Price before coupons (minor units).")
    discount = serializers.IntegerField()
    total = serializers.IntegerField(help_text="What would be paid (minor units).")
    currency = serializers.CharField()
    coupons = AppliedCouponSerializer(many=True, help_text="In the order they apply.")

    def to_representation(self, pricing):
        return {
            "subtotal": pricing.subtotal,
            "discount": pricing.discount,
            "total": pricing.total,
            "currency": pricing.currency,
            "coupons": [
                {"code": applied.coupon.code, "discount": applied.discount}
                for applied in pricing.applied
            ],
        }
