"""Payments in the admin.

Money records are read-only here: payments, their events, provider events, fulfilments
and refunds change only through the services (the API, webhooks, jobs). Staff act
through admin actions that call those services: validate or reject manual payments,
run pending fulfilments now. Coupons and plans are edited here; provider accounts take
credentials through a write-only field and store them encrypted.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from teranga.core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline
from teranga.core.errors import ApplicationError

from .models import (
    Coupon,
    CouponRedemption,
    Fulfilment,
    Payment,
    PaymentEvent,
    Plan,
    ProviderAccount,
    ProviderEvent,
    Refund,
    SandboxCharge,
    Subscription,
    SubscriptionEvent,
)
from .providers.credentials import account_credentials, credentials_encrypt
from .services.fulfilment import fulfilment_run
from .services.manual import manual_payment_review


class ReadOnlyAdmin(ReadOnlyModelAdmin):
    """Every field shown read-only; the change page opens (GET) but nothing saves."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD")


class ReadOnlyInline(ReadOnlyTabularInline):
    """The inline's ``fields``, all read-only."""

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class PaymentEventInline(ReadOnlyInline):
    model = PaymentEvent
    fields = ("created_at", "action", "from_status", "to_status", "source", "actor", "detail")
    ordering = ("created_at",)


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("created_at", "amount", "status", "reason", "automatic", "requested_by")


class CouponRedemptionInline(ReadOnlyInline):
    model = CouponRedemption
    fk_name = "payment"
    fields = ("coupon", "discount_amount", "status")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "organization",
        "payer_email",
        "description",
        "amount",
        "currency",
        "provider",
        "method",
        "status",
    )
    list_filter = ("status", "provider", "method", "currency", "created_at")
    search_fields = (
        "=id",
        "payer_email",
        "description",
        "provider_reference",
        "transaction_number",
        "organization__name",
    )
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    inlines = [PaymentEventInline, RefundInline, CouponRedemptionInline]
    actions = ["approve_manual", "reject_manual"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "client_secret"]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    def _review(self, request, queryset, approve: bool):
        done = 0
        for payment in queryset:
            try:
                manual_payment_review(actor=request.user, payment_id=payment.pk, approve=approve)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{payment.pk}: {exc.message}", messages.WARNING)
        self.message_user(request, _("%(count)d payment(s) reviewed.") % {"count": done})

    @admin.action(description=_("Validate the selected manual payments"))
    def approve_manual(self, request, queryset):
        self._review(request, queryset, True)

    @admin.action(description=_("Reject the selected manual payments"))
    def reject_manual(self, request, queryset):
        self._review(request, queryset, False)


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "provider", "event_id", "event_type", "outcome", "payment")
    list_filter = ("provider", "outcome", "created_at")
    search_fields = ("event_id", "=payment__id")


@admin.register(Fulfilment)
class FulfilmentAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "payment", "status", "attempts", "next_attempt_at", "done_at")
    list_filter = ("status",)
    actions = ["run_now"]

    @admin.action(description=_("Run the selected pending fulfilments now"))
    def run_now(self, request, queryset):
        for fulfilment in queryset:
            fulfilment_run(payment_id=fulfilment.payment_id)
        self.message_user(request, _("Done."))


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "payment", "amount", "currency", "status", "automatic")
    list_filter = ("status", "automatic", "currency")
    search_fields = ("=payment__id", "provider_reference")


class ProviderAccountForm(forms.ModelForm):
    credentials = forms.CharField(
        label=_("credentials (JSON)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            'e.g. {"api_key": "…", "webhook_secret": "…"}. Write-only: leave empty to keep '
            "the stored credentials."
        ),
    )

    class Meta:
        model = ProviderAccount
        fields = ("organization", "provider", "is_active")

    def clean_credentials(self):
        raw = self.cleaned_data.get("credentials", "").strip()
        if not raw:
            if not self.instance.pk:
                raise forms.ValidationError(_("Credentials are required."))
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("Not valid JSON.")) from None
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise forms.ValidationError(_("An object of names to strings."))
        return value

    def save(self, commit=True):
        credentials = self.cleaned_data.get("credentials")
        if credentials is not None:
            self.instance.credentials_encrypted = credentials_encrypt(credentials)
        return super().save(commit=commit)


@admin.register(ProviderAccount)
class ProviderAccountAdmin(admin.ModelAdmin):
    form = ProviderAccountForm
    list_display = ("organization", "provider", "is_active", "configured", "updated_at")
    list_filter = ("provider", "is_active")
    search_fields = ("organization__name",)

    @admin.display(description=_("configured"))
    def configured(self, obj):
        return ", ".join(sorted(account_credentials(obj)))


@admin.register(SandboxCharge)
class SandboxChargeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "payment_id", "amount", "currency", "outcome")
    list_filter = ("outcome",)


class CouponRedemptionByCouponInline(ReadOnlyInline):
    model = CouponRedemption
    fk_name = "coupon"
    fields = ("created_at", "user", "payment", "discount_amount", "status")


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "organization",
        "kind",
        "percent_off",
        "amount_off",
        "uses_count",
        "max_uses",
        "valid_until",
        "is_active",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("code", "organization__name")
    readonly_fields = ("uses_count",)
    inlines = [CouponRedemptionByCouponInline]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "price_monthly_xof", "price_monthly_eur", "is_active")
    list_editable = ("is_active",)


class SubscriptionEventInline(ReadOnlyInline):
    model = SubscriptionEvent
    fields = ("created_at", "action", "from_status", "to_status", "payment")


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("organization", "plan", "period", "status", "current_period_end")
    list_filter = ("status", "plan", "period")
    search_fields = ("organization__name",)
    inlines = [SubscriptionEventInline]
