"""Admin of the scheduling engine. Bookings, their history, reminders and feeds are
read-only here: every transition goes through the services (history, notifications,
capacity checks), which the admin would bypass."""

from __future__ import annotations

from django.contrib import admin

from teranga.core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline

from .models import (
    AvailabilityOverride,
    AvailabilityRule,
    Booking,
    BookingEvent,
    BookingReminder,
    CalendarFeed,
    Resource,
)


class AvailabilityRuleInline(ReadOnlyTabularInline):
    """Read-only: overlap checks and booking rechecks live in the services: use the API."""

    model = AvailabilityRule
    fields = (
        "weekday",
        "starts_at",
        "ends_at",
        "break_start",
        "break_end",
        "valid_from",
        "valid_until",
    )
    readonly_fields = fields
    ordering = ("weekday", "starts_at")


class AvailabilityOverrideInline(admin.TabularInline):
    model = AvailabilityOverride
    extra = 0
    fields = ("date", "kind", "starts_at", "ends_at", "reason")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "kind", "branch", "user", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "organization__name", "user__email")
    list_select_related = ("organization", "branch", "user")
    raw_id_fields = ("organization", "branch", "user")
    readonly_fields = ("created_at", "updated_at")
    inlines = [AvailabilityRuleInline, AvailabilityOverrideInline]


@admin.register(AvailabilityOverride)
class AvailabilityOverrideAdmin(admin.ModelAdmin):
    list_display = ("resource", "date", "kind", "starts_at", "ends_at", "reason")
    list_filter = ("kind",)
    search_fields = ("resource__name", "resource__organization__name", "reason")
    list_select_related = ("resource", "organization")
    raw_id_fields = ("organization", "resource")
    date_hierarchy = "date"


class BookingEventInline(ReadOnlyTabularInline):
    model = BookingEvent
    fields = ("created_at", "action", "from_status", "to_status", "actor", "reason", "starts_at")
    readonly_fields = fields
    ordering = ("created_at",)


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Read-only: confirm, cancel and reschedule through the API, so that capacity,
    policy, history and notifications all apply."""

    list_display = (
        "title",
        "organization",
        "resource",
        "client",
        "starts_at",
        "status",
        "source",
        "needs_attention",
    )
    list_filter = ("status", "source", "needs_attention")
    search_fields = (
        "title",
        "offering",
        "client__email",
        "organization__name",
        "resource__name",
    )
    list_select_related = ("organization", "resource", "client")
    date_hierarchy = "starts_at"
    inlines = [BookingEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BookingReminder)
class BookingReminderAdmin(ReadOnlyModelAdmin):
    list_display = ("booking", "offset_minutes", "starts_at", "created_at")
    list_filter = ("offset_minutes",)
    search_fields = ("booking__title", "booking__client__email")
    list_select_related = ("booking",)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Feeds are created through the API (the secret token is shown once); staff can
    see them and revoke them by setting ``revoked_at``."""

    list_display = ("__str__", "owner", "organization", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "owner__email", "organization__name")
    list_select_related = ("owner", "organization")
    raw_id_fields = ("owner", "organization")
    readonly_fields = ("token_hash", "last_used_at", "created_at", "updated_at")

    def has_add_permission(self, request) -> bool:
        return False
