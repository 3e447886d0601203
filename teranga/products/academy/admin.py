"""Admin of the Academy. Formations and their schedules and sessions are editable here
(moving a session here does not notify: use the API for that); enrolments, attendance
and reminders are read-only, since they change through payments, check-ins and the
roll call."""

from __future__ import annotations

from django.contrib import admin

from teranga.core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline

from .models import Attendance, Enrolment, Formation, Session, SessionReminder, SessionSchedule

TIMESTAMPS = ("created_at", "updated_at")


class SessionInline(ReadOnlyTabularInline):
    model = Session
    fields = ("starts_at", "ends_at", "status")


@admin.register(Formation)
class FormationAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "organization",
        "level",
        "price_amount",
        "currency",
        "platform",
        "is_published",
    )
    list_filter = ("is_published", "level", "platform", "currency")
    search_fields = ("title", "organization__name")
    list_select_related = ("organization",)
    raw_id_fields = ("organization", "instructor")
    readonly_fields = TIMESTAMPS


@admin.register(SessionSchedule)
class SessionScheduleAdmin(admin.ModelAdmin):
    list_display = ("formation", "first_date", "last_date", "start_time", "time_zone")
    list_select_related = ("formation",)
    raw_id_fields = ("organization", "formation")
    readonly_fields = TIMESTAMPS
    inlines = [SessionInline]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("formation", "starts_at", "ends_at", "status")
    list_filter = ("status",)
    search_fields = ("formation__title",)
    date_hierarchy = "starts_at"
    list_select_related = ("formation",)
    raw_id_fields = ("organization", "formation", "schedule")
    readonly_fields = TIMESTAMPS


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "formation", "status", "amount", "currency", "activated_at")
    list_filter = ("status",)
    search_fields = ("user__email", "formation__title")
    list_select_related = ("user", "formation")


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "session", "present", "method", "updated_at")
    list_filter = ("present", "method")
    search_fields = ("user__email", "session__formation__title")
    list_select_related = ("user", "session__formation")


@admin.register(SessionReminder)
class SessionReminderAdmin(ReadOnlyModelAdmin):
    list_display = ("session", "offset_minutes", "starts_at", "created_at")
    list_select_related = ("session__formation",)


# --- signals section ---
from .models_signals import Signal, SignalUpdate  # noqa: E402


class SignalUpdateInline(ReadOnlyTabularInline):
    model = SignalUpdate
    fields = ("created_at", "kind", "status", "stop_loss", "price", "note", "author")


@admin.register(Signal)
class SignalAdmin(ReadOnlyModelAdmin):
    """Read-only: publishing and updating go through the API, which tells subscribers."""

    list_display = (
        "instrument",
        "direction",
        "organization",
        "status",
        "entry",
        "stop_loss",
        "result_pips",
        "result_r",
        "published_at",
    )
    list_filter = ("status", "direction")
    search_fields = ("instrument", "organization__name")
    date_hierarchy = "published_at"
    list_select_related = ("organization",)
    inlines = [SignalUpdateInline]


@admin.register(SignalUpdate)
class SignalUpdateAdmin(ReadOnlyModelAdmin):
    list_display = ("signal", "kind", "status", "price", "created_at")
    list_filter = ("kind",)
    search_fields = ("signal__instrument",)
    list_select_related = ("signal",)


# --- MetaTrader section ---
from .models_mt import Trade, TradingAccount, TradingAccountKey  # noqa: E402


class TradingAccountKeyInline(ReadOnlyTabularInline):
    model = TradingAccountKey
    # Never the digest: the prefix tells keys apart.
    fields = ("label", "prefix", "created_at", "last_used_at", "revoked_at")


@admin.register(TradingAccount)
class TradingAccountAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "login", "server", "user", "currency", "balance", "last_sync_at")
    search_fields = ("user__email", "name", "server", "broker")
    list_select_related = ("user",)
    inlines = [TradingAccountKeyInline]


@admin.register(Trade)
class TradeAdmin(ReadOnlyModelAdmin):
    list_display = ("ticket", "account", "symbol", "side", "lots", "open_time", "close_time")
    list_filter = ("side",)
    search_fields = ("symbol", "account__user__email")
    list_select_related = ("account",)
    exclude = ("digest",)


# --- member space section ---
from .models_space import MEMBER_SPACE_WIDGETS, MemberSpaceSettings  # noqa: E402


@admin.register(MemberSpaceSettings)
class MemberSpaceSettingsAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "organization", *MEMBER_SPACE_WIDGETS)
    search_fields = ("user__email", "organization__name")
    list_select_related = ("user", "organization")


# --- signal plans section ---
from .models_plans import SignalPlan, SignalSubscription, SignalSubscriptionPeriod  # noqa: E402


@admin.register(SignalPlan)
class SignalPlanAdmin(admin.ModelAdmin):
    """Editable (as through the API): a plan is deactivated, not deleted, once sold."""

    list_display = (
        "name",
        "organization",
        "price_amount",
        "currency",
        "duration_days",
        "is_active",
        "position",
    )
    list_filter = ("is_active", "currency", "duration_days")
    search_fields = ("name", "organization__name")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)
    readonly_fields = TIMESTAMPS
    ordering = ("organization__name", "position", "name")


class SignalSubscriptionPeriodInline(ReadOnlyTabularInline):
    model = SignalSubscriptionPeriod
    fields = ("starts_at", "ends_at", "plan", "amount", "currency", "payment", "refunded_at")


@admin.register(SignalSubscription)
class SignalSubscriptionAdmin(ReadOnlyModelAdmin):
    """Read-only: a subscription changes through payments (fulfilment, refunds)."""

    list_display = ("user", "organization", "plan", "starts_at", "ends_at")
    list_filter = ("plan__duration_days", "organization")
    search_fields = ("user__email", "organization__name", "plan__name")
    date_hierarchy = "ends_at"
    list_select_related = ("user", "organization", "plan")
    inlines = [SignalSubscriptionPeriodInline]
