"""Imports in the admin: the record, read-only (an import runs through the API)."""

from __future__ import annotations

from django.contrib import admin

from teranga.core.admin import ReadOnlyModelAdmin

from .models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyModelAdmin):
    list_display = (
        "created_at",
        "organization",
        "kind",
        "file_name",
        "status",
        "dry_run",
        "rows_read",
        "rows_written",
        "error_count",
        "user",
    )
    list_filter = ("status", "kind", "dry_run", "created_at")
    search_fields = ("file_name", "kind", "organization__name", "user__email")
    list_select_related = ("organization", "user")
    readonly_fields = (
        "organization",
        "user",
        "kind",
        "file_name",
        "file_format",
        "dry_run",
        "status",
        "rows_read",
        "rows_valid",
        "rows_written",
        "error_count",
        "errors",
        "duration_ms",
        "created_at",
    )
