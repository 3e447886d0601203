"""The audit log in the admin: read-only (no add, change or delete), filtered and
searched."""

from __future__ import annotations

from django.contrib import admin

from teranga.core.admin import ReadOnlyModelAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "action", "actor_label", "organization", "object_type", "address")
    list_filter = ("action", "created_at")
    search_fields = ("actor_label", "object_id", "summary", "=address", "organization__name")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = (
        "created_at",
        "action",
        "actor",
        "actor_label",
        "organization",
        "subject",
        "object_type",
        "object_id",
        "summary",
        "before",
        "after",
        "address",
        "user_agent",
    )
