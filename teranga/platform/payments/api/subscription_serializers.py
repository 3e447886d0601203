"""Serializers of the plans and of an organisation's subscription."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.money import CURRENCY_EXPONENTS, Money
from teranga.core.serializers import BaseModelSerializer, Serializer

from ..models import BillingPeriod, Plan, Subscription
from ..services import subscriptions as services


class PlanPriceSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=BillingPeriod.choices)
    currency = serializers.CharField()
    amount = serializers.IntegerField(help_text="Minor units (XOF francs, EUR cents).")
    display = serializers.CharField(help_text="Formatted for people, e.g. `15 000 F CFA`.")


class PlanSerializer(BaseModelSerializer):
    limits = serializers.SerializerMethodField(
        help_text="Every limit that the platform and the products declare; null: unlimited."
    )
    prices = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = ["code", "name", "description", "features", "limits", "prices"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField(allow_null=True)))
    def get_limits(self, plan: Plan) -> dict:
        return services.limits_of(plan)

    @extend_schema_field(PlanPriceSerializer(many=True))
    def get_prices(self, plan: Plan) -> list[dict]:
        prices = []
        for period in BillingPeriod.values:
            for currency in CURRENCY_EXPONENTS:
                money = Money(plan.price(period=period, currency=currency), currency)
                prices.append(
                    {
                        "period": period,
                        "currency": currency,
                        "amount": money.amount,
                        "display": money.format(),
                    }
                )
        return prices


class PlanRefSerializer(BaseModelSerializer):
    class Meta:
        model = Plan
        fields = ["code", "name"]
        read_only_fields = fields


class SubscriptionPaymentSerializer(serializers.Serializer):
    target_type = serializers.CharField(help_text="`payments.subscription`.")
    target_id = serializers.UUIDField(help_text="The subscription's id.")
    amount = serializers.IntegerField(help_text="Minor units: the next period's price.")
    currency = serializers.CharField()
    display = serializers.CharField()
    payable_now = serializers.BooleanField(
        help_text="False while an active subscription is paid for more than 7 days ahead."
    )


class SubscriptionSerializer(BaseModelSerializer):
    organization = serializers.UUIDField(source="organization_id", read_only=True)
    plan = PlanRefSerializer(read_only=True)
    next_plan = PlanRefSerializer(read_only=True, allow_null=True)
    limits = serializers.SerializerMethodField(help_text="In force now; null: unlimited.")
    features = serializers.SerializerMethodField(help_text="In force now.")
    payment = serializers.SerializerMethodField(
        help_text="What to send to `POST /api/v1/payments/` to pay the next period (null "
        "once cancelled)."
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "organization",
            "status",
            "plan",
            "period",
            "currency",
            "current_period_start",
            "current_period_end",
            "grace_until",
            "cancel_at_period_end",
            "next_plan",
            "next_period",
            "limits",
            "features",
            "payment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _plan_in_force(self, subscription: Subscription) -> Plan | None:
        return subscription.plan if subscription.status in services.PLAN_IN_FORCE else None

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField(allow_null=True)))
    def get_limits(self, subscription: Subscription) -> dict:
        return services.limits_of(self._plan_in_force(subscription))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_features(self, subscription: Subscription) -> list[str]:
        return services.features_of(self._plan_in_force(subscription))

    @extend_schema_field(SubscriptionPaymentSerializer(allow_null=True))
    def get_payment(self, subscription: Subscription) -> dict | None:
        if subscription.status == services.S.CANCELLED:
            return None
        money = Money(services.next_amount(subscription), subscription.currency)
        return {
            "target_type": services.PAYABLE,
            "target_id": str(subscription.pk),
            "amount": money.amount,
            "currency": money.currency,
            "display": money.format(),
            "payable_now": services.refusal_to_pay(subscription) is None,
        }


class SubscriptionChooseSerializer(Serializer):
    plan = serializers.CharField(
        max_length=30, help_text="A plan code (see `GET /plans/`); 400 `unknown_plan`."
    )
    period = serializers.CharField(
        max_length=8, help_text="`monthly` or `yearly`; 400 `invalid_period`."
    )

