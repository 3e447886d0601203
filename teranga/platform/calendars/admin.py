"""Admin of calendar sync: connections (never their tokens), their calendars, what was
pushed, the busy times read and the sync requests, all read-only: connecting,
choosing and disconnecting go through the services (OAuth, the provider's side)."""

from __future__ import annotations

from django.contrib import admin

from teranga.core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline

from .models import BusyInterval, CalendarConnection, ExternalCalendar, PushedEvent, SyncRequest


class ExternalCalendarInline(ReadOnlyTabularInline):
    model = ExternalCalendar
    fields = (
        "name",
        "is_primary",
        "can_write",
        "blocks_slots",
        "receives_events",
        "last_full_sync_at",
        "watch_expires_at",
    )
    readonly_fields = fields


@admin.register(CalendarConnection)
class CalendarConnectionAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "provider", "account", "status", "failures", "last_synced_at")
    list_filter = ("provider", "status")
    search_fields = ("account", "user__email")
    list_select_related = ("user",)
    # Tokens are never shown: they are not in the fields.
    fields = (
        "user",
        "provider",
        "account",
        "status",
        "failures",
        "next_attempt_at",
        "last_error",
        "last_synced_at",
        "revoked_at",
        "created_at",
    )
    readonly_fields = fields
    inlines = [ExternalCalendarInline]


@admin.register(PushedEvent)
class PushedEventAdmin(ReadOnlyModelAdmin):
    list_display = ("uid", "connection", "starts_at", "ends_at", "updated_at")
    search_fields = ("uid", "external_id")
    list_select_related = ("connection",)
    fields = (
        "connection",
        "calendar_id",
        "uid",
        "external_id",
        "content_hash",
        "starts_at",
        "ends_at",
    )
    readonly_fields = fields


@admin.register(BusyInterval)
class BusyIntervalAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "calendar", "starts_at", "ends_at")
    search_fields = ("user__email",)
    list_select_related = ("user", "calendar")
    fields = ("user", "calendar", "external_event_id", "starts_at", "ends_at")
    readonly_fields = fields


@admin.register(SyncRequest)
class SyncRequestAdmin(ReadOnlyModelAdmin):
    list_display = ("connection", "kind", "reason", "status", "attempts", "next_attempt_at")
    list_filter = ("kind", "status")
    list_select_related = ("connection",)
    fields = (
        "connection",
        "kind",
        "calendar",
        "reason",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "processed_at",
        "created_at",
    )
    readonly_fields = fields
