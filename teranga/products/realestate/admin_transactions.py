"""Admin of reservations, contracts and commissions: read-only, as the rest of the
product. Their changes go through the services (the property's hold and history, the
payments and refunds, the generated PDFs, the commission split)."""

from __future__ import annotations

from django.contrib import admin

from teranga.core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline

from .models import (
    Commission,
    CommissionShare,
    Contract,
    Reservation,
    TransactionSettings,
)


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyModelAdmin):
    list_display = (
        "property",
        "organization",
        "client",
        "status",
        "deposit_amount",
        "currency",
        "hold_expires_at",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("property__title", "client__name", "user__email")
    list_select_related = ("property", "organization", "client")
    raw_id_fields = ("organization", "property", "user", "client", "agent")


@admin.register(Contract)
class ContractAdmin(ReadOnlyModelAdmin):
    list_display = ("client_name", "kind", "status", "property", "organization", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("client_name", "property__title")
    list_select_related = ("property", "organization")
    raw_id_fields = ("organization", "property", "reservation", "client", "created_by")


class CommissionShareInline(ReadOnlyTabularInline):
    model = CommissionShare
    fields = ("role", "agent", "kind", "value", "amount")


@admin.register(Commission)
class CommissionAdmin(ReadOnlyModelAdmin):
    list_display = (
        "property",
        "organization",
        "deal_date",
        "deal_price",
        "total_amount",
        "agency_amount",
        "currency",
    )
    list_filter = ("deal_date",)
    search_fields = ("property__title",)
    list_select_related = ("property", "organization")
    raw_id_fields = ("organization", "property", "reservation", "created_by")
    inlines = [CommissionShareInline]


@admin.register(TransactionSettings)
class TransactionSettingsAdmin(ReadOnlyModelAdmin):
    list_display = (
        "organization",
        "deposit_bps",
        "hold_hours",
        "commission_kind",
        "commission_value",
    )
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)
