"""Admin of SmartQueue. The catalogue (services, hours, queues, counters) and the
travel-time model are editable here; tickets and their events are read-only, since
their changes go through the services (state machine, numbering, notifications).
Kiosk keys are never shown: creating a kiosk here generates its key and shows it once."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from teranga.core.admin import PhoneHashSearchMixin, ReadOnlyTabularInline
from teranga.core.public_cache import scopes_bump

from .models import (
    AgentSession,
    Appointment,
    ArrivalForecast,
    Counter,
    Kiosk,
    Queue,
    QueueService,
    ServiceHours,
    SmsUsage,
    StaffingTarget,
    Ticket,
    TicketEvent,
    TicketOrder,
    TravelModel,
    UserLocation,
)
from .public_cache import ALL as PUBLIC_CACHE_ALL
from .services.kiosks import new_key
from .services.tickets import tickets_expire

TIMESTAMPS = ("created_at", "updated_at")


class ServiceHoursInline(admin.TabularInline):
    model = ServiceHours
    extra = 0
    fields = ("weekday", "opens_at", "closes_at")


@admin.register(QueueService)
class QueueServiceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "organization",
        "category",
        "price_amount",
        "currency",
        "sms_keyword",
        "is_active",
    )
    list_filter = ("is_active", "category", "currency")
    search_fields = ("name", "sms_keyword", "organization__name")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)
    readonly_fields = TIMESTAMPS
    inlines = [ServiceHoursInline]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "branch", "prefix", "kind", "strategy", "is_open", "is_active")
    list_filter = ("is_open", "is_active", "kind", "strategy", "follows_hours")
    search_fields = ("name", "prefix", "branch__name", "organization__name")
    list_select_related = ("branch", "branch__organization")
    raw_id_fields = ("organization", "branch", "service", "appointment_resource")
    readonly_fields = TIMESTAMPS
    actions = ["open_queues", "close_queues"]

    @admin.action(description=_("Open the selected queues (stop following hours)"))
    def open_queues(self, request, queryset):
        count = queryset.filter(is_active=True).update(is_open=True, follows_hours=False)
        scopes_bump(PUBLIC_CACHE_ALL)  # an update sends no signal: the catalogue cache
        self.message_user(request, ngettext("%d queue opened.", "%d queues opened.", count) % count)

    @admin.action(description=_("Close the selected queues and expire their waiting tickets"))
    def close_queues(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        queryset.update(is_open=False, follows_hours=False)
        scopes_bump(PUBLIC_CACHE_ALL)  # an update sends no signal: the catalogue cache
        expired = sum(tickets_expire(queue_id=queue_id) for queue_id in ids)
        self.message_user(
            request,
            _("%(queues)d queue(s) closed, %(tickets)d waiting ticket(s) expired.")
            % {"queues": len(ids), "tickets": expired},
        )


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ("name", "branch", "strategy", "is_active")
    list_filter = ("is_active", "strategy")
    search_fields = ("name", "branch__name", "organization__name")
    list_select_related = ("branch", "branch__organization")
    raw_id_fields = ("organization", "branch")
    filter_horizontal = ("queues",)
    readonly_fields = TIMESTAMPS


@admin.register(AgentSession)
class AgentSessionAdmin(admin.ModelAdmin):
    list_display = ("agent", "counter", "started_at", "ended_at")
    list_filter = ("ended_at",)
    search_fields = ("agent__email", "counter__name")
    list_select_related = ("agent", "counter")
    raw_id_fields = ("organization", "counter", "agent")
    readonly_fields = TIMESTAMPS
    date_hierarchy = "started_at"


@admin.register(Kiosk)
class KioskAdmin(admin.ModelAdmin):
    list_display = ("name", "branch", "key_prefix", "is_active", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "key_prefix", "branch__name", "organization__name")
    list_select_related = ("branch", "branch__organization")
    raw_id_fields = ("organization", "branch")
    fields = ("organization", "branch", "name", "is_active", "key_prefix", "last_used_at")
    readonly_fields = ("key_prefix", "last_used_at")

    def save_model(self, request, obj, form, change):
        if not change:
            raw_key, obj.key_prefix, obj.key_digest = new_key()
            super().save_model(request, obj, form, change)
            self.message_user(
                request,
                _("The kiosk's key, shown this once: %(key)s") % {"key": raw_key},
                level=messages.WARNING,
            )
            return
        super().save_model(request, obj, form, change)


class TicketEventInline(ReadOnlyTabularInline):
    model = TicketEvent
    fields = ("at", "action", "from_status", "to_status", "counter", "actor")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("counter", "actor")


@admin.register(Ticket)
class TicketAdmin(PhoneHashSearchMixin, admin.ModelAdmin):
    list_display = (
        "display_number",
        "day",
        "queue",
        "status",
        "channel",
        "ticket_class",
        "counter",
        "created_at",
    )
    list_filter = ("status", "channel", "ticket_class", "day")
    search_fields = ("display_number", "code", "user__email")
    phone_hash_search_fields = ("phone_hash",)
    list_select_related = ("queue", "counter")
    raw_id_fields = (
        "organization",
        "branch",
        "queue",
        "service",
        "user",
        "counter",
        "agent",
        "transferred_from",
        "origin_region",
    )
    date_hierarchy = "created_at"
    readonly_fields = (
        "organization",
        "branch",
        "queue",
        "service",
        "day",
        "number",
        "display_number",
        "status",
        "channel",
        "ticket_class",
        "code",
        "sort_at",
        "position_at_issue",
        "estimated_wait_at_issue",
        "called_at",
        "serving_at",
        "served_at",
        "no_show_at",
        "cancelled_at",
        "transferred_at",
        "expired_at",
        "parked_at",
        "rated_at",
        "leave_now_at",
        "ahead_notified_at",
        *TIMESTAMPS,
    )
    inlines = [TicketEventInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(TicketOrder)
class TicketOrderAdmin(admin.ModelAdmin):
    list_display = ("queue", "user", "status", "price_amount", "currency", "hold_expires_at")
    list_filter = ("status", "channel")
    search_fields = ("user__email", "queue__name")
    list_select_related = ("queue", "user")
    raw_id_fields = ("organization", "queue", "user", "ticket")
    readonly_fields = TIMESTAMPS


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("service", "branch", "user", "starts_at", "status")
    list_filter = ("status",)
    search_fields = ("user__email", "service__name", "branch__name")
    list_select_related = ("service", "branch", "branch__organization", "user")
    raw_id_fields = ("organization", "branch", "service", "queue", "booking", "user", "ticket")
    readonly_fields = ("checked_in_at", "cancelled_at", *TIMESTAMPS)
    date_hierarchy = "starts_at"


@admin.register(UserLocation)
class UserLocationAdmin(admin.ModelAdmin):
    list_display = ("user", "mode", "recorded_at", "expires_at")
    list_filter = ("mode",)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = TIMESTAMPS


@admin.register(TravelModel)
class TravelModelAdmin(admin.ModelAdmin):
    """How staff change the travel-time model's parameters."""

    list_display = ("name", "slug", "car_kmh", "public_kmh", "taxi_kmh", "walk_kmh", "updated_at")
    search_fields = ("name", "slug")
    readonly_fields = ("updated_by", *TIMESTAMPS)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SmsUsage)
class SmsUsageAdmin(admin.ModelAdmin):
    list_display = ("organization", "month", "count")
    list_select_related = ("organization",)
    search_fields = ("organization__name",)
    raw_id_fields = ("organization",)
    readonly_fields = ("organization", "month", "count")


@admin.register(ArrivalForecast)
class ArrivalForecastAdmin(admin.ModelAdmin):
    """Read-only: the forecast is computed (nightly, or by a manager on demand)."""

    list_display = ("hour_start", "branch", "service", "expected", "low", "high", "computed_at")
    list_filter = ("organization", "branch")
    date_hierarchy = "hour_start"
    list_select_related = ("branch", "service")
    raw_id_fields = ("organization", "branch", "service")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StaffingTarget)
class StaffingTargetAdmin(admin.ModelAdmin):
    list_display = ("organization", "service_level", "wait_minutes", "updated_at")
    search_fields = ("organization__name",)
    raw_id_fields = ("organization",)
    readonly_fields = TIMESTAMPS
